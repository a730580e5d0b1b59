"""/api/project/export: the project's completions converted to a format, as a zip."""
from flask import Blueprint, request, send_file

from .common import json_response, project, query_bool

bp = Blueprint("export", __name__)


@bp.get("/api/project/export")
def export():
    from .. import exporting  # the converters load numpy: only when an export is asked for
    result = exporting.export_project(
        project(), request.args.get("format") or exporting.DEFAULT_FORMAT,
        download_resources=bool(query_bool("download_resources")))
    response = send_file(result.path, mimetype="application/zip", as_attachment=True,
                         download_name=result.filename, max_age=0)
    response.headers["filename"] = result.filename
    response.headers["X-Export-Warnings"] = str(result.warning_count)
    return response


@bp.get("/api/project/export/formats")
def export_formats():
    from .. import exporting
    fitting = exporting.fitting_formats(project())
    return json_response({
        "formats": [f.name for f in fitting],
        "details": [{"name": f.name, "title": f.title, "description": f.description}
                    for f in fitting],
    })

"""Health, version and label-config helper endpoints."""
from flask import Blueprint, Response

from .. import __version__
from ..label_config import LabelConfigError
from .common import empty_response, json_response, project
from .project import label_config_from_request

bp = Blueprint("helpers", __name__)


@bp.get("/api/health")
def health():
    return json_response({"status": "up"})


@bp.get("/api/states")
def states():
    return json_response({"status": "done"})


@bp.get("/version")
def version():
    return json_response({
        "label-studio-backend": __version__,
        "label-studio-frontend": {},
        "label-studio-datamanager": {},
    })


@bp.post("/api/validate-config")
def validate_config():
    try:
        text = label_config_from_request()
    except LabelConfigError:
        return Response("No label_config in POST", status=417, mimetype="text/plain")
    try:
        project().check_label_config(text)
    except LabelConfigError as exc:
        return json_response({"label_config": exc.messages}, status=400)
    return empty_response(204)

"""Health, version and label-config helper endpoints."""
import csv
import datetime
import io
import random
import time

from flask import Blueprint, Response, request

from .. import __version__, dm_assets, frontend_assets
from ..errors import ValidationError
from ..label_config import LabelConfigError, example_file, example_task_data
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
        "label-studio-frontend": frontend_assets.bundle_version(),
        "label-studio-datamanager": dm_assets.bundle_version(),
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


@bp.route("/api/import-example", methods=["GET", "POST"])
def import_example():
    """Example task data for a config (the one given, or the project's)."""
    current = project()
    text = request.args.get("label_config") or request.form.get("label_config")
    try:
        config = current.check_label_config(text) if text else current.label_config
        data = example_task_data(config, "editor_preview")
    except LabelConfigError as exc:
        return json_response({"status": 400, "detail": "error while example generating: "
                              + "; ".join(exc.messages)}, status=400)
    return json_response(data)


@bp.get("/api/import-example-file")
def import_example_file():
    fmt = request.args.get("q", "json") or "json"
    try:
        body, content_type, extension = example_file(project().label_config, fmt)
    except LabelConfigError as exc:
        return json_response({"status": 400, "detail": str(exc)}, status=400)
    if request.args.get("raw"):
        return Response(body, mimetype=content_type)
    name = f"sample-{time.strftime('%Y-%m-%d-%H-%M')}.{extension}"
    return Response(body, mimetype=content_type, headers={
        "Content-Disposition": f"attachment; filename={name}", "filename": name})


@bp.get("/samples/time-series.csv")
def time_series_sample():
    """100 rows of random values for the columns asked for (time-series config examples)."""
    time_column = request.args.get("time", "time")
    values = [v for v in request.args.get("values", "value").split(",") if v]
    separator = SEPARATORS.get(request.args.get("sep", ","), request.args.get("sep", ","))
    time_format = request.args.get("tf")
    headless, width = _sample_width(time_column, values)
    columns = [str(i) for i in range(width)] if headless else [time_column, *values]
    rng = random.Random(0)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator[:1] or ",", lineterminator="\n")
    if not headless:
        writer.writerow(columns)
    start = datetime.date(2020, 1, 1)
    for row in range(100):
        stamp = (_format_day(start + datetime.timedelta(days=row), time_format)
                 if time_format else row)
        writer.writerow([stamp if c == time_column else round(rng.gauss(0, 1), 6)
                         for c in columns])
    return Response(out.getvalue(), mimetype="text/csv")


MAX_SAMPLE_COLUMNS = 1000  # a headless "values=99999999" would build rows of that many cells


def _sample_width(time_column, values):
    """(headless, column count): numbered columns 0..max when every name is a number."""
    names = [time_column, *values]
    # int() reads every Unicode decimal digit, but "²".isdigit() is true and int("²") fails
    headless = all(name.isdecimal() for name in names)
    if not headless:
        width = len(names)
    elif any(len(name.lstrip("0")) > len(str(MAX_SAMPLE_COLUMNS)) for name in names):
        width = None  # also past what int() reads (4300 digits)
    else:
        width = max(int(name) for name in names) + 1
    if width is None or width > MAX_SAMPLE_COLUMNS:
        raise ValidationError(f"At most {MAX_SAMPLE_COLUMNS} columns can be generated")
    return headless, width
SEPARATORS = {"dot": ".", "comma": ",", "tab": "\t", "space": " ", "\\t": "\t"}


def _format_day(day, time_format):
    if time_format == "yyyy-MM-dd":
        time_format = "%Y-%m-%d"
    return day.strftime(time_format) if "%" in time_format else day.isoformat()

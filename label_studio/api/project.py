"""/api/project, its label config, import and the next task to label."""
import time

from flask import Blueprint, request
from werkzeug.exceptions import RequestEntityTooLarge

from .. import importers, jsonio
from ..ml import client as ml_client, project as ml_project
from ..errors import ValidationError
from ..label_config import LabelConfigError
from .common import (empty_response, external_host, json_object, json_response, project,
                     projects, raw_body)
from .import_input import errors_answer, import_limits, read_import_request, too_large_answer

bp = Blueprint("project", __name__)

XML_TYPES = ("application/xml", "text/xml")


@bp.get("/api/project")
def get_project():
    return json_response(project().summary())


@bp.post("/api/project")
def create_project():
    if request.values.get("new"):  # legacy: any non-empty value
        created = projects().create_new(request.values.get("desc"))
        return json_response(created.summary(), status=201)
    return json_response(project().summary())


@bp.patch("/api/project")
def patch_project():
    body = json_object()
    current = project()
    if "ml_backend" in body:
        ml_project.add_backend(current, ml_client.connect_backend(body["ml_backend"], current.name))
    return json_response(current.summary(), status=201)


def label_config_from_request():
    """The submitted config: form field, JSON {"label_config"}, or a raw XML body."""
    if request.mimetype in XML_TYPES:
        return _decode(raw_body())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = request.form.get("label_config")
        if value is not None:
            return value
    data = raw_body()
    if request.mimetype == "application/json" or data.lstrip().startswith(b"{"):
        try:
            body = jsonio.loads(data)
        except ValueError:
            raise LabelConfigError(["Invalid JSON body"]) from None
        value = body.get("label_config") if isinstance(body, dict) else None
        if not isinstance(value, str):
            raise LabelConfigError(["No label_config in request"])
        return value
    if data.lstrip().startswith(b"<"):
        return _decode(data)
    raise LabelConfigError(["No label_config in request"])


def _decode(data):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LabelConfigError(["The label config must be UTF-8 text"]) from None


@bp.post("/api/project/config")
def save_config():
    try:
        project().set_label_config(label_config_from_request())
    except LabelConfigError as exc:
        return json_response({"label_config": exc.messages}, status=400)
    return empty_response(201)


@bp.post("/api/project/import")
def import_tasks():
    """Tasks from a JSON body, uploaded files, archives or a URL; errors are a JSON list."""
    started = time.perf_counter()
    current = project()
    limits, label_config, size_limit = import_limits(current)
    try:
        with importers.ImportBatch(current.path, label_config, limits) as batch:
            read_import_request(batch)
            result = current.import_tasks(batch.checked_tasks(), formats=batch.formats_seen(),
                                          uploads=batch.uploads)
    except ValidationError as exc:
        return errors_answer(exc)
    except RequestEntityTooLarge:
        return too_large_answer(size_limit)
    result["duration"] = round(time.perf_counter() - started, 6)
    return json_response(result, status=201)


@bp.get("/api/project/next")
def next_task():
    current = project()
    task = current.next_task()
    if task is None:
        return json_response({"id": None, "detail": "No more tasks to label"}, status=404)
    return json_response(ml_project.add_live_predictions(current, task,
                                                         external_host()))

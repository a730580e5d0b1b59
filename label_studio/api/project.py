"""/api/project, its label config, import and the next task to label."""
from flask import Blueprint, request

from .. import importers, jsonio, ml
from ..errors import ValidationError
from ..label_config import LabelConfigError
from .common import empty_response, json_object, json_response, project, raw_body

bp = Blueprint("project", __name__)

XML_TYPES = ("application/xml", "text/xml")


@bp.get("/api/project")
def get_project():
    return json_response(project().summary())


@bp.post("/api/project")
def create_project():
    if request.values.get("new"):
        raise ValidationError('"multi_session_force_recreate" option supported only with '
                              '"start-multi-session" mode')
    return json_response(project().summary())


@bp.patch("/api/project")
def patch_project():
    body = json_object()
    current = project()
    if "ml_backend" in body:
        backend = ml.connect_backend(body["ml_backend"], current.name)
        current.update_settings({"ml_backends": current.settings.ml_backends + [backend]})
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
    current = project()
    try:
        items = importers.items_from_json(_import_body())
        tasks = importers.validate_tasks(items, current.label_config)
        result = current.import_tasks(tasks)
    except ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, list) else [exc.detail]
        return json_response(detail, status=400)
    return json_response(result, status=201)


def _import_body():
    if request.mimetype == "multipart/form-data":
        raise ValidationError("File upload import is not supported yet; send a JSON body")
    data = raw_body()
    if not data.strip():
        raise ValidationError("load_tasks: No data found in values or in files")
    try:
        return jsonio.loads(data)
    except ValueError as exc:
        raise ValidationError(f"Invalid JSON body: {exc}") from None


@bp.get("/api/project/next")
def next_task():
    task = project().next_task()
    if task is None:
        return json_response({"id": None, "detail": "No more tasks to label"}, status=404)
    return json_response(task)

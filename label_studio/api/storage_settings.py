"""/api/project/storage-settings: the storage forms (GET) and switching a storage (POST)."""
from flask import Blueprint, request

from ..storage import forms
from ..storage.registry import TYPES
from ..errors import ValidationError
from .common import json_object, json_response, project, raw_body

bp = Blueprint("storage_settings", __name__)


@bp.get("/api/project/storage-settings")
def get_storage_settings():
    current = project()
    summary = current.summary()
    settings = current.current_settings()
    paths = {"source": summary["source_storage"]["readable_path"],
             "target": summary["target_storage"]["readable_path"]}
    configs = {"source": settings.source, "target": settings.target}
    return json_response(forms.describe_all(TYPES, configs, paths, current.label_config.data_keys))


@bp.post("/api/project/storage-settings")
def set_storage_settings():
    role = request.args.get("storage_for")
    if role not in forms.ROLES:
        raise ValidationError('Query parameter storage_for must be "source" or "target", '
                              f"got {role!r}")
    body = _body()
    storage_type, errors = forms.find_type(TYPES, role, request.args.get("type"), body.get("type"))
    if errors:
        return json_response({"errors": errors}, status=400)
    values, errors = forms.validate_form(storage_type, body)
    if errors:
        return json_response({"errors": errors}, status=400)
    if not storage_type.local:
        # legacy answered this way when building the storage failed; nothing is written
        raise ValidationError("Error while storage update: this server has no "
                              f"{storage_type.name} support yet")
    config = forms.storage_config(role, storage_type, values)
    project().change_setting(role, lambda _old: config)
    return json_response({"result": "ok"}, status=201)


def _body():
    """The JSON object sent; an empty body counts as {} (the query then gives the type)."""
    if request.mimetype != "multipart/form-data" and not raw_body().strip():
        return {}
    return json_object()

"""/api/project/storage-settings: the storage forms (GET) and switching a storage (POST)."""
from flask import Blueprint, request

from ..storage import forms
from ..storage.registry import TYPES, open_client
from ..errors import LabelStudioError, ValidationError
from .common import json_object, json_response, project, raw_body

bp = Blueprint("storage_settings", __name__)


@bp.get("/api/project/storage-settings")
def get_storage_settings():
    return json_response(describe_storages(project()))


def describe_storages(current):
    """The GET body (also rendered by the /storage page)."""
    summary = current.summary()
    settings = current.current_settings()
    paths = {"source": summary["source_storage"]["readable_path"],
             "target": summary["target_storage"]["readable_path"]}
    configs = {"source": settings.source, "target": settings.target}
    return forms.describe_all(TYPES, configs, paths, current.label_config.data_keys)


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
    current = project()
    old = getattr(current.current_settings(), role)
    values = _unmasked(storage_type, values, old)
    config = forms.storage_config(role, storage_type, values, old)
    if not storage_type.local:
        _check_connection(config, role)
    current.change_setting(role, lambda _old: config)
    return json_response({"result": "ok"}, status=201)


def _unmasked(storage_type, values, old):
    """A secret sent back as GET showed it ("***") keeps the stored value: a form posted
    unchanged must not replace a password with its mask."""
    same_type = isinstance(old, dict) and old.get("type") == storage_type.name
    stored = old.get("params") if same_type and isinstance(old.get("params"), dict) else {}
    return {name: stored.get(name) if value == forms.MASK and forms.is_secret(name) else value
            for name, value in values.items()}


def _check_connection(config, role):
    """Opens the storage once; legacy's answer when that fails. Nothing is written."""
    try:
        client = open_client(config, role)
        try:
            client.check()
        finally:
            client.close()
    except LabelStudioError as exc:
        raise ValidationError(f"Error while storage update: {exc.detail}") from None


def _body():
    """The JSON object sent; an empty body counts as {} (the query then gives the type)."""
    if request.mimetype != "multipart/form-data" and not raw_body().strip():
        return {}
    return json_object()

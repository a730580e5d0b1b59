"""Settings forms of the storage types, for /api/project/storage-settings (no Flask here).

Each type module declares its form with the fields below (the legacy WTForms shapes the UI
expects); registry.py collects them. This module describes forms (GET) and validates a
submitted one (POST).
"""
import re
from dataclasses import dataclass

from ..settings import SECRET_WORDS

ROLES = ("source", "target")
REQUIRED = "This field is required."
MASK = "***"
STRING, BOOLEAN, INTEGER = "StringField", "BooleanField", "IntegerField"
TRUE_WORDS = {"true", "1", "yes", "y", "on"}
FALSE_WORDS = {"false", "0", "no", "n", "off", ""}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # the WTForms class name the legacy UI expects
    description: str
    default: object = None
    required: bool = False
    is_regex: bool = False


@dataclass(frozen=True)
class StorageType:
    name: str
    role: str
    description: str
    fields: tuple = ()
    local: bool = False
    client: object = None  # the Client class of a bucket-like type


def prefix_field(description):
    return Field("prefix", STRING, description)


PATH = Field("path", STRING, "Storage path (e.g. bucket name)", required=True)
REGEX = Field("regex", STRING, "File filter by regex, example: .* (If not specified, all "
              "files will be skipped)", required=True, is_regex=True)
DATA_KEY = Field("data_key", STRING, "Task tag key from your label config")
USE_BLOB_URLS = Field(
    "use_blob_urls", BOOLEAN,
    "Generate task data with URLs pointed to your bucket objects (for resources like jpg, mp3 "
    "& other BLOBs). This could be used for label configs with <b>one data key only</b>. If "
    "not selected, bucket objects will be interpreted as tasks in Label Studio JSON format "
    "and it's suitable for <b>multiple data keys</b>", default=True)
LOCAL_COPY = Field("create_local_copy", BOOLEAN, "Create a local copy on your disk", default=True)
CLOUD_SOURCE = (PATH, prefix_field("File prefix"), REGEX, DATA_KEY, USE_BLOB_URLS)


def is_secret(name):
    # data_key names a task data field, not a credential, though it contains "key"
    return name != "data_key" and any(word in name.lower() for word in SECRET_WORDS)


# ------------------------------------------------------------------ GET


def describe_all(types, current, paths, data_keys):
    """The GET body: {role: {type: description}}. `current` maps a role to its config.json
    storage dict, `paths` a role to the readable path of its storage now."""
    return {role: {t.name: describe_type(t, current.get(role), paths[role], data_keys)
                   for t in types.values() if t.role == role}
            for role in ROLES}


def describe_type(storage_type, current_config, path, data_keys):
    is_current = (isinstance(current_config, dict)
                  and current_config.get("type") == storage_type.name)
    values = _stored_values(current_config) if is_current else {}
    return {
        "type": storage_type.name,
        "current": is_current,
        "description": storage_type.description,
        "path": path,
        "fields": [describe_field(f, values.get(f.name, f.default), data_keys)
                   for f in storage_type.fields],
    }


def _stored_values(config):
    params = config.get("params")
    values = dict(params) if isinstance(params, dict) else {}
    values["path"] = config.get("path")
    return values


def describe_field(field, value, data_keys):
    """A field's public attributes, as the legacy server serialized its WTForms fields."""
    if is_secret(field.name) and value:
        value = MASK
    data = value
    if field.name == "data_key" and not data and data_keys:
        data = data_keys[0]
    return {
        "name": field.name, "id": field.name, "short_name": field.name, "type": field.type,
        "data": data, "default": field.default, "description": field.description,
        "raw_data": None, "object_data": value, "render_kw": None,
        "do_not_call_in_templates": True,
    }


# ------------------------------------------------------------------ POST


def find_type(types, role, query_type, body_type):
    """(StorageType, None) for a POST, or (None, {"type": [message]})."""
    query_type = query_type or None
    if query_type and body_type is not None and body_type != query_type:
        return None, {"type": [f'The body type "{body_type}" differs from the query type '
                               f'"{query_type}"']}
    name = query_type or body_type
    if name is None:
        return None, {"type": [REQUIRED]}
    storage_type = types.get(name) if isinstance(name, str) else None
    if storage_type is None:
        return None, {"type": ["Unknown storage type"]}
    if storage_type.role != role:
        return None, {"type": [f'"{name}" is a {storage_type.role} storage type, not a {role} '
                               "one"]}
    return storage_type, None


def validate_form(storage_type, body):
    """(values of the form's fields, {field: [messages]}); fields not in the form are ignored."""
    values, errors = {}, {}
    for field in storage_type.fields:
        value, message = _field_value(field, body.get(field.name))
        if message:
            errors[field.name] = [message]
        else:
            values[field.name] = value
    return values, errors


def _field_value(field, raw):
    """(value, None) or (None, error message) for one submitted field; null means absent."""
    if field.type == BOOLEAN:
        return _boolean(field, raw)
    if field.type == INTEGER:
        return _integer(field, raw)
    if raw is not None and not isinstance(raw, str):
        return None, "Not a valid string value."
    if field.required and not raw:
        return None, REQUIRED
    if field.is_regex and raw is not None and not _compiles(raw):
        return None, f"{raw} is not a valid regular expression"
    return (field.default if raw is None else raw), None


def _boolean(field, raw):
    if raw is None:
        return field.default, None
    if isinstance(raw, bool):
        return raw, None
    word = raw.strip().lower() if isinstance(raw, str) else None
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS, None
    return None, "Not a valid boolean value."


def _integer(field, raw):
    if raw is None or raw == "":
        return field.default, None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, None
    if isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d{1,18}\s*", raw):
        return int(raw), None
    return None, "Not a valid integer value."


def _compiles(pattern):
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return False
    return True


def storage_config(role, storage_type, values, old=None):
    """The config.json `source`/`target` value for validated form values. Params the form
    does not show (credentials given with --source-params) are kept when the type stays."""
    params = {}
    if isinstance(old, dict) and old.get("type") == storage_type.name and isinstance(
            old.get("params"), dict):
        params.update(old["params"])
    params.update(values)
    path = params.pop("path", None)
    return {"name": role, "type": storage_type.name, "path": path, "params": params}

"""Every storage type by name, and opening a client for a config.json `source`/`target`."""
from ..errors import LabelStudioError, ValidationError
from .base import StorageError
from . import azure_blob, gcs, redis_db, s3
from .forms import StorageType

LOCAL_SOURCE = StorageType("tasks-json", "source", 'Local [loading tasks from "tasks.json" file]',
                           local=True)
LOCAL_TARGET = StorageType("completions-dir", "target",
                           'Local [completions are in "completions" directory]', local=True)

# in the legacy order of the settings page
TYPES = {t.name: t for t in (
    LOCAL_SOURCE, s3.SOURCE, gcs.SOURCE, azure_blob.SOURCE, redis_db.SOURCE,
    LOCAL_TARGET, s3.TARGET, gcs.TARGET, azure_blob.TARGET, redis_db.TARGET,
)}


def storage_type(config, role):
    """The StorageType of a config.json storage dict; ValidationError when unknown."""
    name = config.get("type") if isinstance(config, dict) else None
    found = TYPES.get(name) if isinstance(name, str) else None
    if found is None or found.role != role:
        raise ValidationError(f'Unknown {role} storage type "{name}"; known: '
                              + ", ".join(t.name for t in TYPES.values() if t.role == role))
    return found


def open_client(config, role):
    """The Client for a bucket-like storage config (MissingExtra when its SDK is missing)."""
    found = storage_type(config, role)
    if found.client is None:
        raise ValidationError(f'storage type "{found.name}" is not available in this server')
    params = config.get("params") if isinstance(config.get("params"), dict) else {}
    path = config.get("path")
    if found.client.scheme and (not isinstance(path, str) or not path.strip()):
        raise StorageError(f'{found.name}: "path" must name the bucket or container, got '
                           f"{path!r}")
    try:
        return found.client(path, params)
    except LabelStudioError:
        raise
    except Exception as exc:  # an SDK refusing odd settings; its message may quote them
        raise StorageError(f"{found.name}: the storage cannot be opened with these settings "
                           f"({type(exc).__name__})") from None

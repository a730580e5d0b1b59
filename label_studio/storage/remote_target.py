"""A bucket (S3, GCS, Azure Blob) or a Redis database as the target of completions records.

Every record is written to `completions/<id>.json` first, as with the local target: an
answered write is durable before any network call. The task id then goes into the pending
list, `.ls-target-pending.json` ({"<id>": "put" | "delete"}, written atomically under the
project lock), which a background thread drains to `<prefix>/<id>` (Redis: `<path>/<id>`);
an unreachable target is retried, and a restart resumes what was left. Records found in the
bucket that the local folder lacks (written by another instance) are copied in, with the id
taken from the key's last segment or the record's `id`.
"""
import os

from .. import jsonio
from .base import Storage, join_key, list_prefix
from .record_listing import is_id_text
from .files import atomic_write, read_bytes, stamp
from .keymap import KeyMap
from .registry import open_client, storage_type

PENDING_NAME = ".ls-target-pending.json"
MAP_NAME = "target.json"
PUT, DELETE = "put", "delete"


class RemoteTarget(Storage):
    remote = True
    can_import = can_delete = True  # the records are ours: written and deleted

    def __init__(self, project_dir, config):
        self.type = storage_type(config, "target")
        self.type_name = self.type.name
        self.config = config
        self.client = open_client(config, "target")
        params = config.get("params") if isinstance(config.get("params"), dict) else {}
        self.is_redis = self.type.name == "redis-completions"
        self.prefix = "" if self.is_redis else (params.get("prefix") or "")
        self.keymap = None if self.is_redis else KeyMap(os.path.join(project_dir, MAP_NAME))
        self.pending_path = os.path.join(project_dir, PENDING_NAME)
        self.readable_path = f"{self.client.location}/{self.prefix.strip('/')}".rstrip("/")
        self._pending_cache = (None, {})

    def key_for(self, task_id):
        return join_key(self.prefix, task_id)

    # ---- the pending list (callers hold the project lock for changes)

    def pending(self):
        """{task id: operation} still to send (a copy); cached by the file's stamp."""
        return dict(self._current_pending())

    def pending_count(self):
        return len(self._current_pending())

    def _current_pending(self):
        current = stamp(self.pending_path)
        if current != self._pending_cache[0]:
            self._pending_cache = (current, _read_pending(self.pending_path))
        return self._pending_cache[1]

    def add_pending(self, operations):
        merged = self.pending()
        merged.update(operations)
        self._write_pending(merged)

    def done(self, sent):
        """Drops the operations sent, unless a newer one for the same id came meanwhile."""
        left = self.pending()
        for task_id, operation in sent.items():
            if left.get(task_id) == operation:
                del left[task_id]
        self._write_pending(left)

    def _write_pending(self, operations):
        body = {str(i): op for i, op in sorted(operations.items())}
        atomic_write(self.pending_path, jsonio.dumps(body))
        self._pending_cache = (stamp(self.pending_path), dict(operations))

    # ---- network (no lock held)

    def send(self, task_id, operation, record_bytes):
        """One pending operation; raises StorageUnavailable / StorageError on failure."""
        if operation == PUT and record_bytes is not None:
            self.set(task_id, record_bytes)
        else:
            self.remove(task_id)

    # ---- the Storage interface, straight to the bucket or Redis

    def ids(self):
        names = (info.key.rsplit("/", 1)[-1] for info in self._listing())
        return sorted({int(name) for name in names if is_id_text(name)})

    def get(self, task_id):
        raw = self.client.read(self.key_for(task_id))
        return None if raw is None else _record(raw)

    def set_many(self, values):
        """Records by task id, as bytes of JSON or as dicts."""
        for task_id, record in values.items():
            key = self.key_for(task_id)
            self.client.write(key, record if isinstance(record, bytes) else jsonio.dumps(record))
            if self.keymap is not None:
                self.keymap.record(task_id, self.client.uri(key))

    def remove(self, task_id):
        self.client.delete(self.key_for(task_id))
        if self.keymap is not None:
            self.keymap.forget(task_id)

    def remove_all(self):
        for task_id in self.ids():
            self.remove(task_id)

    def _listing(self):
        return self.client.list(list_prefix(self.prefix) if self.prefix else "")

    def save_keys(self):
        if self.keymap is not None:
            self.keymap.save()

    def missing_records(self, local_ids, pending):
        """{task id: record} of the records in the target that the local folder lacks."""
        found = {}
        unknown = []
        for info in self._listing():
            name = info.key.rsplit("/", 1)[-1]
            task_id = int(name) if is_id_text(name) else None
            if task_id is None:
                unknown.append(info.key)
            elif task_id not in local_ids and task_id not in pending:
                found[task_id] = info.key
        records = {}
        id_of = {key: task_id for task_id, key in found.items()}
        for key, raw in self.client.read_many(list(id_of) + unknown).items():
            record = _record(raw)
            if record is None:
                continue
            task_id = id_of.get(key)
            if task_id is None:
                task_id = record.get("id") if isinstance(record.get("id"), int) else None
            if task_id is not None and task_id not in local_ids and task_id not in pending:
                records[task_id] = record
        return records

    def close(self):
        self.client.close()


def _read_pending(path):
    raw = read_bytes(path)
    try:
        value = jsonio.loads(raw) if raw and raw.strip() else {}
    except ValueError:
        value = {}
    if not isinstance(value, dict):
        return {}
    return {int(k): v for k, v in value.items() if is_id_text(k) and v in (PUT, DELETE)}


def _record(raw):
    try:
        value = jsonio.loads(raw)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("completions"), list):
        return value
    return None

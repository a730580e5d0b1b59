"""A bucket (S3, GCS, Azure Blob) or a Redis database as the source of a project's tasks.

The tasks of the last sync are kept in a local mirror, `.ls-source-tasks.json` (tasks.json's
shape, hidden: the bucket is the truth), which ProjectState reads like tasks.json: a restart
serves them at once, and a source that is down keeps serving them. A sync (collect(), outside
the project lock: it talks to the network) lists the keys and says what changed; ProjectState
applies it under the lock.

Buckets map object keys to ids with source.json (keymap.py); `use_blob_urls` makes each
object one media task (`{"data": {<key>: "s3://bucket/key"}}`), else each object is one JSON
task, checked like an import (a broken one is skipped with a warning). Redis keeps each task
as JSON at `<path>/<id>`: the id is the key, and imports and deletions write through.
"""
import os
import re
from dataclasses import dataclass, field

from .. import jsonio
from ..errors import ValidationError
from .base import Storage, StorageError, list_prefix
from .record_listing import is_id_text
from .keymap import KeyMap
from .registry import open_client, storage_type
from .tasks_json import TasksJson

MIRROR_NAME = ".ls-source-tasks.json"
MAP_NAME = "source.json"
UNDEFINED_KEY = "$undefined$"


@dataclass
class SourceChanges:
    """What one sync found: tasks to add or replace, ids to drop, and problems."""
    upserts: dict = field(default_factory=dict)
    removed: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    listed: dict = field(default_factory=dict)     # uri -> version (buckets)
    new_keys: list = field(default_factory=list)   # [(id, uri)] (buckets)

    def __bool__(self):
        return bool(self.upserts or self.removed or self.new_keys)


class RemoteSource(Storage):
    remote = True

    def __init__(self, project_dir, config, readable_prefix):
        self.type = storage_type(config, "source")
        self.config = config
        self.client = open_client(config, "source")
        params = config.get("params") if isinstance(config.get("params"), dict) else {}
        self.type_name = self.type.name
        self.is_redis = self.type.name == "redis"
        # a bucket is the user's: we only read it; Redis takes imports and deletions
        self.can_import = self.can_delete = self.is_redis
        self.prefix = "" if self.is_redis else (params.get("prefix") or "")
        self.regex = _compiled(params.get("regex"), self.is_redis)
        self.use_blob_urls = not self.is_redis and params.get("use_blob_urls", True) is not False
        self.data_key = params.get("data_key") or UNDEFINED_KEY
        self.mirror = TasksJson(project_dir, readable_prefix, name=MIRROR_NAME, map_name=None)
        self.keymap = None if self.is_redis else KeyMap(os.path.join(project_dir, MAP_NAME))
        self.readable_path = (f"{self.client.location}/{self.prefix.strip('/')}".rstrip("/"))

    # ---- what ProjectState asks of any source (see tasks_json.TasksJson)

    def stamp(self):
        return self.mirror.stamp()

    def load(self):
        return self.mirror.load()

    def needs_recovery(self):
        return self.mirror.needs_recovery()

    def recover(self):
        self.mirror.recover()

    def append(self, ids, tasks, consume=False):
        self.mirror.append(ids, tasks, consume)

    def append_batches(self, batches, consume=False):
        self.mirror.append_batches(batches, consume)

    def rewrite(self, changes):
        self.mirror.rewrite(changes)

    def clear(self):
        self.mirror.clear()

    # ---- the Storage interface, straight to the bucket or Redis

    def ids(self):
        if self.is_redis:
            return sorted(int(i.key) for i in self.client.list("") if is_id_text(i.key))
        return sorted(self.keymap.present())

    def get(self, task_id):
        if self.is_redis:
            raw = self.client.read(str(task_id))
            return None if raw is None else {**jsonio.loads(raw), "id": task_id}
        uri = self.keymap.present().get(task_id)
        if uri is None:
            return None
        if self.use_blob_urls:
            return {"data": {self.data_key: uri}, "id": task_id}
        raw = self.client.read(self._object_key(uri))
        return None if raw is None else {**jsonio.loads(raw), "id": task_id}

    def set_many(self, values):
        if not self.can_import:
            super().set_many(values)
        for task_id, task in values.items():
            self.client.write(str(task_id), jsonio.dumps(task))

    def remove(self, task_id):
        if not self.can_delete:
            super().remove(task_id)
        self.client.delete(str(task_id))

    def remove_all(self):
        if not self.can_delete:
            super().remove_all()
        for task_id in self.ids():
            self.client.delete(str(task_id))

    # ---- sync

    def collect(self, tasks, last_id, label_config, full=True):
        """SourceChanges from a listing, against `tasks` (id -> task, what is served now).

        Not `full`: only the keys after the last known one are listed, where the bucket can
        (S3, GCS): new objects named in order (dates, counters) cost what they are, not what
        the bucket holds. Changed and vanished objects wait for the next full listing."""
        if self.is_redis:
            return self._collect_redis(tasks, label_config)
        return self._collect_bucket(tasks, last_id, label_config, full)

    def _collect_bucket(self, tasks, last_id, label_config, full):
        after = None
        if not full and self.client.can_list_after:
            last = self.keymap.last_key()
            after = self._object_key(last) if last else None
        listed = {}
        # a media task holds the object's URI only: a changed object changes no task
        versions = not self.use_blob_urls
        for info in self.client.list(list_prefix(self.prefix), after=after):
            if self.regex is not None and self.regex.match(info.key):
                listed[self.client.uri(info.key)] = info.version if versions else ""
        new, changed, vanished = self.keymap.plan(listed, last_id, partial=after is not None)
        changes = SourceChanges(listed=listed, new_keys=new, removed=vanished)
        if self.use_blob_urls:
            for task_id, uri in new:
                changes.upserts[task_id] = {"data": {self.data_key: uri}, "id": task_id}
            for task_id in changed:
                if task_id not in tasks:
                    changes.upserts[task_id] = {"data": {self.data_key: self.keymap.key(task_id)},
                                                "id": task_id}
            return changes
        wanted = new + [(i, self.keymap.key(i)) for i in changed]
        self._download_json_tasks(wanted, changes, label_config)
        return changes

    def _download_json_tasks(self, wanted, changes, label_config):
        keys = {self._object_key(uri): task_id for task_id, uri in wanted}
        found = self.client.read_many(list(keys))
        for key, task_id in keys.items():
            task, problem = _json_task(found.get(key), label_config)
            if problem:
                changes.warnings.append(f"{self.client.uri(key)}: {problem}; skipped")
                continue
            task["id"] = task_id
            changes.upserts[task_id] = task

    def _object_key(self, uri):
        return uri[len(self.client.uri("")):]

    def _collect_redis(self, tasks, label_config):
        names = [info.key for info in self.client.list("")]
        ids = {int(name): name for name in names if is_id_text(name)}
        changes = SourceChanges(removed=[i for i in tasks if i not in ids])
        values = self.client.read_many(list(ids.values()))
        for task_id, name in ids.items():
            raw = values.get(name)
            if raw is None:
                continue
            try:
                stored = jsonio.loads(raw)
            except ValueError:
                stored = None
            if isinstance(stored, dict) and {**stored, "id": task_id} == tasks.get(task_id):
                continue
            task, problem = _json_task(raw, label_config)
            if problem:
                changes.warnings.append(f"{self.client.uri(name)}: {problem}; skipped")
                continue
            extras = stored if isinstance(stored, dict) else {}
            task.update((k, v) for k, v in extras.items()  # keep keys an import would drop
                        if k not in task and k != "completions")
            task["id"] = task_id
            changes.upserts[task_id] = task
        return changes

    def commit_keys(self, changes):
        """Records a sync's keys in source.json (under the project lock, after applying it)."""
        if self.keymap is not None:
            self.keymap.apply(changes.listed, changes.new_keys, changes.removed)
            self.keymap.save()

    def close(self):
        self.client.close()


def _compiled(pattern, is_redis):
    """The key filter; legacy synced nothing without a regex (the form requires one)."""
    if is_redis:
        return None
    if not isinstance(pattern, str) or not pattern:
        return re.compile(r"(?!)")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise StorageError(f'"regex" is not a valid regular expression ({exc})') from None


def _json_task(raw, label_config):
    """(task, None) or (None, why) for an object holding one task in JSON."""
    from ..importers.validation import validate_task
    if raw is None:
        return None, "vanished while syncing"
    try:
        value = jsonio.loads(raw)
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        return None, "not one task (a JSON object)"
    try:
        task = validate_task(value, label_config)
    except ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, list) else [exc.detail]
        return None, "; ".join(str(d) for d in detail)[:300]
    task.pop("completions", None)
    return task, None

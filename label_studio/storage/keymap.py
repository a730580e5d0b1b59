"""The key->id map of a bucket-like storage: `<project>/source.json` or `target.json`.

Legacy shape, kept so 0.8/0.9 reopen the folder: {"<id>": {"key": "s3://bucket/key",
"exists": bool}}; we add "version" (the object's etag or generation) to notice changed objects.
Known keys keep their ids; new keys get ids in sorted key order, after every id the project
ever used; a key that vanished keeps its entry (exists: false), so its id is never reused.
"""
import os

from .. import jsonio
from .files import atomic_write, read_bytes


class KeyMap:
    def __init__(self, path):
        self.path = path
        self.entries = {}   # id -> {"key", "exists", "version"?}
        self.ids = {}       # key -> id
        self.problem = None
        self._load()

    def _load(self):
        raw = read_bytes(self.path)
        if not raw or not raw.strip():
            return
        try:
            value = jsonio.loads(raw)
        except ValueError as exc:
            self.problem = f"{os.path.basename(self.path)} is not valid JSON ({exc})"
            return
        if not isinstance(value, dict):
            return
        for raw_id, entry in value.items():
            try:
                task_id = int(raw_id)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                self.entries[task_id] = entry
                self.ids[entry["key"]] = task_id

    @property
    def max_id(self):
        return max(self.entries, default=-1)

    def present(self):
        """{id: key} of the keys seen by the last sync."""
        return {i: e["key"] for i, e in self.entries.items() if e.get("exists", True)}

    def version(self, task_id):
        return self.entries.get(task_id, {}).get("version", "")

    def plan(self, listed, last_id):
        """What a listing changes: (new [(id, key)], changed [id], vanished [id]).

        `listed` maps each key found now to its version; `last_id` is the largest id the
        project ever used. Nothing is recorded until apply()."""
        new, changed = [], []
        next_id = max(self.max_id, last_id) + 1
        for key in sorted(listed):
            task_id = self.ids.get(key)
            if task_id is None:
                new.append((next_id, key))
                next_id += 1
            elif (not self.entries[task_id].get("exists", True)
                  or self.entries[task_id].get("version", "") != listed[key]):
                changed.append(task_id)
        vanished = [i for i, e in self.entries.items()
                    if e.get("exists", True) and e["key"] not in listed]
        return new, changed, vanished

    def apply(self, listed, new, vanished):
        for task_id, key in new:
            self.ids[key] = task_id
            self.entries[task_id] = {"key": key, "exists": True}
        for key, version in listed.items():
            entry = self.entries[self.ids[key]]
            entry["exists"] = True
            entry["version"] = version
        for task_id in vanished:
            self.entries[task_id]["exists"] = False

    def record(self, task_id, key, version=""):
        """One key written by us (a target record): known from now on."""
        self.ids[key] = task_id
        self.entries[task_id] = {"key": key, "exists": True, "version": version}

    def forget(self, task_id):
        entry = self.entries.get(task_id)
        if entry is not None:
            entry["exists"] = False

    def save(self):
        body = {str(i): self.entries[i] for i in sorted(self.entries)}
        # derived data (the bucket is the truth): atomic, but not worth an fsync
        atomic_write(self.path, jsonio.dumps(body), durable=False)

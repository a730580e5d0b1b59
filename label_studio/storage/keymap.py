"""The key->id map of a bucket-like storage: `<project>/source.json` or `target.json`.

Legacy shape, kept so 0.8/0.9 reopen the folder: {"<id>": {"key": "s3://bucket/key",
"exists": bool}}; we add "version" (the object's etag or generation) to notice changed objects.
Known keys keep their ids; new keys get ids in sorted key order, after every id the project
ever used; a key that vanished keeps its entry (exists: false), so its id is never reused.
In memory an entry is a tuple (key, exists, version): a 100k-key bucket costs a third of what
dicts would.
"""
import os

from .. import jsonio
from .files import atomic_write_chunks, read_bytes

KEY, EXISTS, VERSION = 0, 1, 2


class KeyMap:
    def __init__(self, path):
        self.path = path
        self.entries = {}   # id -> (key, exists, version)
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
                version = entry.get("version")
                self.entries[task_id] = (entry["key"], entry.get("exists", True) is not False,
                                         version if isinstance(version, str) else "")
                self.ids[entry["key"]] = task_id

    @property
    def max_id(self):
        return max(self.entries, default=-1)

    def key(self, task_id):
        entry = self.entries.get(task_id)
        return entry[KEY] if entry else None

    def present(self):
        """{id: key} of the keys seen by the last sync."""
        return {i: e[KEY] for i, e in self.entries.items() if e[EXISTS]}

    def last_key(self):
        """The largest key seen by the last sync (a listing may resume after it)."""
        return max((e[KEY] for e in self.entries.values() if e[EXISTS]), default=None)

    def plan(self, listed, last_id, partial=False):
        """What a listing changes: (new [(id, key)], changed [id], vanished [id]).

        `listed` maps each key found now to its version; `last_id` is the largest id the
        project ever used; a `partial` listing (only keys after the last known one) says
        nothing of the keys it did not reach. Nothing is recorded until apply()."""
        new, changed = [], []
        next_id = max(self.max_id, last_id) + 1
        for key in sorted(listed):
            task_id = self.ids.get(key)
            if task_id is None:
                new.append((next_id, key))
                next_id += 1
            else:
                _, exists, version = self.entries[task_id]
                if not exists or version != listed[key]:
                    changed.append(task_id)
        vanished = [] if partial else [i for i, e in self.entries.items()
                                       if e[EXISTS] and e[KEY] not in listed]
        return new, changed, vanished

    def apply(self, listed, new, vanished):
        for task_id, key in new:
            self.ids[key] = task_id
        for key, version in listed.items():
            self.entries[self.ids[key]] = (key, True, version)
        for task_id in vanished:
            key, _, version = self.entries[task_id]
            self.entries[task_id] = (key, False, version)

    def record(self, task_id, key, version=""):
        """One key written by us (a target record): known from now on."""
        self.ids[key] = task_id
        self.entries[task_id] = (key, True, version)

    def forget(self, task_id):
        entry = self.entries.get(task_id)
        if entry is not None:
            self.entries[task_id] = (entry[KEY], False, entry[VERSION])

    def save(self):
        # derived data (the bucket is the truth): atomic, but not worth an fsync
        atomic_write_chunks(self.path, self._encoded(), durable=False)

    def _encoded(self, batch=5000):
        """The file's bytes a batch of entries at a time: 100k entries at once would double
        the memory of a sync."""
        ids = sorted(self.entries)
        yield b"{"
        for start in range(0, len(ids), batch):
            chunk = b",".join(
                b'"%d":%s' % (i, jsonio.dumps({"key": self.entries[i][KEY],
                                                "exists": self.entries[i][EXISTS],
                                                "version": self.entries[i][VERSION]}))
                for i in ids[start:start + batch])
            yield (b"," if start else b"") + chunk
        yield b"}"

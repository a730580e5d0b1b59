"""The `tasks-json` source storage: `<project>/tasks.json`, plus its legacy `source.json` map."""
import logging
import os
import threading

import numpy as np

from .. import jsonio
from .base import Storage
from .files import atomic_extend_object, atomic_write_chunks, stamp
from .id_text import join_around, text_lengths
from .in_place import extend_in_place, journal_pending, object_end, recover_journal
from .task_store import APPEND_IN_PLACE_BYTES, TaskStore

log = logging.getLogger(__name__)

TASKS_NAME = "tasks.json"
MAP_IN_BACKGROUND_FROM = 100_000
MAP_CHUNK = 100_000
# the bytes of '"":{"key":"","exists":true}', around an entry's id (twice) and key prefix
MAP_ENTRY_OVERHEAD = 27
SOURCE_MAP_NAME = "source.json"


class TasksJson(Storage):
    type_name = "tasks-json"
    can_import = can_delete = True

    def __init__(self, project_dir, readable_prefix, name=TASKS_NAME, map_name=SOURCE_MAP_NAME):
        """`name` other than tasks.json: a local mirror of a remote source's tasks, which
        writes no map (map_name None)."""
        self.path = os.path.join(project_dir, name)
        self.map_path = os.path.join(project_dir, map_name) if map_name else None
        # legacy source.json keys are "<project path as given>/tasks.json/<id>"
        self.key_prefix = f"{readable_prefix}/{TASKS_NAME}/"
        self.readable_path = f"{readable_prefix}/{TASKS_NAME}"
        self.store = TaskStore(self.path, name)
        self._map_journal = os.path.join(project_dir, ".ls-journal-source")
        self._map_stamp = None
        self._map_lock = threading.Lock()
        self._map_pending = None  # task ids whose map a background thread is to write
        self._map_backlog = []  # ids appended since the thread took its ids: not in the map
        self._map_thread = None

    def stamp(self):
        return stamp(self.path)

    def load(self):
        """(TaskStore, warnings): the file's tasks by id (see task_store.py). Accepts the legacy
        object form and a plain list."""
        self.store.open()
        return self.store, list(self.store.warnings)

    def needs_recovery(self):
        return self.store.needs_recovery() or (
            self.map_path is not None and journal_pending(self._map_journal))

    def recover(self):
        """Repairs what a writer killed mid-append left (under the project lock)."""
        self.store.recover()
        if self.map_path is not None and journal_pending(self._map_journal):
            recover_journal(self.map_path, self._map_journal)
            self._map_stamp = None

    def append(self, ids, tasks, consume=False):
        """Adds `tasks` under `ids` (ascending, above every stored id), without re-encoding
        the stored ones; `consume`: see TaskStore.append."""
        self.append_batches([(ids, tasks)], consume)

    def append_batches(self, batches, consume=False):
        """append() of several (ids, tasks) batches as one write."""
        rewriting = self._map_thread_running()
        map_current = self.map_path is not None and not rewriting and self._map_is_current()
        first = self.store.last_id() + 1
        self.store.append_batches(batches, consume)
        ids = self.store.table.id[np.searchsorted(self.store.table.id, first):]
        if self.map_path is None or not len(ids):
            return
        if rewriting:
            # the whole map is being written (10M tasks: seconds): these wait for it, rather
            # than this import waiting for derived data
            self._queue_map(ids)
            return
        # the map is extended only when it is the one we would write, else rewritten whole
        ids = np.concatenate([*self._take_backlog(), ids])
        if not (map_current and self._extend_map(ids)):
            self._save_map(self.store.table.id)

    def settle_map(self):
        """Adds the ids appended while the map was written in the background, once it is
        done (at exit, under the project lock, as appends do)."""
        backlog = self._take_backlog()
        if backlog and self._map_is_current():
            self._extend_map(np.concatenate(backlog))

    def _take_backlog(self):
        with self._map_lock:
            backlog, self._map_backlog = self._map_backlog, []
        return backlog

    def _extend_map(self, ids):
        """Adds the entries of `ids` (above every id in it) to source.json, under the project
        lock; False when the file does not end as a JSON object."""
        end = object_end(self.map_path)
        if end is None:
            return False
        entries = self._map_entries(ids.tolist())
        if os.path.getsize(self.map_path) >= APPEND_IN_PLACE_BYTES:
            extend_in_place(self.map_path, self._map_journal, end[0],
                            [b"," if end[1] else b"", entries, b"}"], durable=False)
        else:
            atomic_extend_object(self.map_path, entries, durable=False)
        self._map_stamp = stamp(self.map_path)
        return True

    def _map_is_current(self):
        """Whether source.json is the map of the tasks held: the one we wrote last, or (after
        a restart) one of exactly the size ours would have."""
        found = stamp(self.map_path)
        if found is None or found == self._map_stamp:
            return found is not None
        ids = self.store.table.id
        if not len(ids):
            return False
        prefix = len(jsonio.dumps(self.key_prefix)) - 2
        digits = text_lengths(ids)
        size = 2 + int((2 * digits + prefix + MAP_ENTRY_OVERHEAD).sum()) + len(ids) - 1
        if found[2] != size:
            return False
        head = b"{" + self._map_entries([int(ids[0])])  # same size, same keys?
        with open(self.map_path, "rb") as f:
            return f.read(len(head)) == head

    def rewrite(self, changes):
        """Writes the file anew with `changes` ({id: task, or None to delete}) applied."""
        self.store.rewrite(changes)
        self._save_map(self.store.table.id)

    def clear(self):
        self.store.clear()
        self._save_map([])

    # the Storage interface, over the file (ProjectState serves its own store instead)
    def ids(self):
        return TaskStore(self.path, self.store.name).open().keys()

    def get(self, task_id):
        return TaskStore(self.path, self.store.name).open().get(task_id)

    def set_many(self, values):
        self.load()
        self.rewrite({task_id: {**task, "id": task_id} for task_id, task in values.items()})

    def remove(self, task_id):
        self.load()
        if task_id in self.store:
            self.rewrite({task_id: None})

    def remove_all(self):
        self.load()
        self.clear()

    def _save_map(self, ids):
        """Writes source.json for `ids`: derived data for a downgrade to 0.8/0.9, so a large
        one (0.5 s at 1M tasks) is written by a background thread, the newest ids winning;
        flush_map() waits for it (before an append, at exit)."""
        if self.map_path is None:
            return
        if len(ids) < MAP_IN_BACKGROUND_FROM:
            self.flush_map()
            self._take_backlog()  # these ids hold them all
            self._write_map(np.asarray(ids, dtype=np.int64))
            return
        with self._map_lock:
            self._map_pending = [np.array(ids, dtype=np.int64)]
            self._map_backlog = []  # these ids hold them all
            if self._map_thread is not None:
                return  # the running thread takes the newest ids when it is done
            self._map_thread = threading.Thread(target=self._map_worker, name="source-map",
                                                daemon=True)
            self._map_thread.start()

    def _queue_map(self, new_ids):
        """`new_ids` (appended above every id) join the map the thread is to write next, or
        when it has taken its ids already, the backlog the next append adds in place (the
        thread writes whole maps only, put in place by a rename: it holds no project lock)."""
        with self._map_lock:
            queue = self._map_pending if self._map_pending is not None else self._map_backlog
            queue.append(np.array(new_ids, dtype=np.int64))

    def _map_worker(self):
        while True:
            with self._map_lock:
                parts, self._map_pending = self._map_pending, None
                if parts is None:
                    self._map_thread = None
                    return
            try:
                self._write_map(parts[0] if len(parts) == 1 else np.concatenate(parts))
            except OSError:
                log.warning("source.json could not be written", exc_info=True)

    def _map_thread_running(self):
        with self._map_lock:
            return self._map_thread is not None

    def flush_map(self):
        with self._map_lock:
            thread = self._map_thread
        if thread is not None:
            thread.join()

    def _write_map(self, ids):
        # atomic, but not worth an fsync; written 100k entries at a time (1M: 90 MB of map)
        def chunks():
            yield b"{"
            for start in range(0, len(ids), MAP_CHUNK):
                yield (b"," if start else b"") + self._map_entries(ids[start:start + MAP_CHUNK])
            yield b"}"
        atomic_write_chunks(self.map_path, chunks(), durable=False)
        self._map_stamp = stamp(self.map_path)

    def _map_entries(self, ids):
        """'"<id>":{"key":"<prefix><id>","exists":true}' of each of `ids` (a list or an int64
        array), comma-separated."""
        prefix = jsonio.dumps(self.key_prefix)[1:-1]
        return join_around([b'"', b'":{"key":"' + prefix, b'","exists":true}'], ids)

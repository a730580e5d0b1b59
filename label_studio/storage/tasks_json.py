"""The `tasks-json` source storage: `<project>/tasks.json`, plus its legacy `source.json` map."""
import logging
import os

from .. import jsonio
from .base import Storage
from .files import (atomic_extend_object, atomic_write, atomic_write_chunks, read_bytes,
                    stamp)

log = logging.getLogger(__name__)

TASKS_NAME = "tasks.json"
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
        self._map_stamp = None

    def stamp(self):
        return stamp(self.path)

    def load(self):
        """Returns ({id: task}, warnings). Accepts the legacy object form and a plain list."""
        raw = read_bytes(self.path)
        if raw is None or not raw.strip():
            return {}, []
        try:
            value = jsonio.loads(raw)
        except ValueError as exc:
            return {}, [f"{TASKS_NAME} is not valid JSON ({exc}); serving no tasks"]
        if isinstance(value, dict):
            return self._from_object(value)
        if isinstance(value, list):
            return self._from_list(value)
        return {}, [f"{TASKS_NAME} must hold a JSON object of tasks; serving no tasks"]

    @staticmethod
    def _from_object(value):
        tasks, warnings = {}, []
        for key, task in value.items():
            try:
                task_id = int(key)
            except ValueError:
                warnings.append(f"{TASKS_NAME}: skipped task with non-integer key {key!r}")
                continue
            if not isinstance(task, dict):
                warnings.append(f"{TASKS_NAME}: skipped task {key}: not a JSON object")
                continue
            task["id"] = task_id
            tasks[task_id] = task
        return _in_id_order(tasks), warnings

    @staticmethod
    def _from_list(value):
        tasks, warnings = {}, []
        for position, task in enumerate(value):
            if not isinstance(task, dict):
                warnings.append(f"{TASKS_NAME}: skipped item {position}: not a JSON object")
                continue
            task_id = task.get("id")
            if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id in tasks:
                task_id = position
            task["id"] = task_id
            tasks[task_id] = task
        return _in_id_order(tasks), warnings

    def save(self, tasks: dict):
        """Rewrites tasks.json (compact, UTF-8) and the source.json map.

        The caller keeps `tasks` in ascending id order, so the file is too.
        """
        atomic_write_chunks(self.path, jsonio.object_chunks(tasks))
        self._save_map(tasks)

    def append(self, new_tasks: dict, all_tasks: dict):
        """Adds tasks whose ids are larger than any stored, without re-encoding the stored
        ones (an import into a large project). Returns False, writing nothing, when the file
        is not in a shape that can be extended."""
        if not atomic_extend_object(self.path, jsonio.entry_chunks(new_tasks)):
            return False
        if self.map_path is None:
            return True
        # the map is extended only when it is the one we wrote last, else rewritten whole
        if not (stamp(self.map_path) == self._map_stamp and atomic_extend_object(
                self.map_path, self._map_entries(new_tasks), durable=False)):
            self._save_map(all_tasks)
        self._map_stamp = stamp(self.map_path)
        return True

    # the Storage interface, over the file (ProjectState keeps the tasks in memory instead)
    def ids(self):
        return list(self.load()[0])

    def get(self, task_id):
        return self.load()[0].get(task_id)

    def set_many(self, values):
        tasks = self.load()[0]
        tasks.update((task_id, {**task, "id": task_id}) for task_id, task in values.items())
        self.save(_in_id_order(tasks))

    def remove(self, task_id):
        tasks = self.load()[0]
        if tasks.pop(task_id, None) is not None:
            self.save(tasks)

    def remove_all(self):
        self.save({})

    def _save_map(self, tasks):
        if self.map_path is None:
            return
        # derived data for a downgrade to 0.8/0.9: atomic, but not worth an fsync
        atomic_write(self.map_path, b"{" + self._map_entries(tasks) + b"}", durable=False)
        self._map_stamp = stamp(self.map_path)

    def _map_entries(self, tasks):
        prefix = jsonio.dumps(self.key_prefix)[1:-1]
        return b",".join(b'"%d":{"key":"%s%d","exists":true}' % (i, prefix, i) for i in tasks)


def _in_id_order(tasks):
    ids = list(tasks)
    if all(a < b for a, b in zip(ids, ids[1:])):
        return tasks
    return {task_id: tasks[task_id] for task_id in sorted(ids)}

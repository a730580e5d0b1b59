"""Import states of the 0.9 import page: an import checked now and stored later.

POST /api/project/import/prepare reads and checks the input like /api/project/import, and
keeps the checked tasks (and their staged upload files) here, in memory, under a random id
that only its owner (browser session and project) can use; apply stores them all or none.
A state expires after TTL seconds, and an owner keeps at most MAX_PER_OWNER of them.
"""
import secrets
import threading
import time

from ..errors import NotFound, ValidationError
from ..importers import validate_tasks

TTL = 3600.0
MAX_PER_OWNER = 10
PREVIEW = 10
SETTABLE = ("selected_formats", "selected_objects", "files_as_tasks_list", "columns_to_draw")


class ImportState:
    def __init__(self, owner, project, batch, tasks):
        self.id = secrets.token_urlsafe(16)
        self.owner = owner
        self.project = project
        self.batch = batch  # keeps the staged uploads until apply or expiry
        self.tasks = tasks
        self.created = time.monotonic()
        formats = batch.formats_seen()
        self.found_formats = formats or {}
        self.fields = {
            "selected_formats": list(formats) if formats else None,
            "selected_objects": None,
            "files_as_tasks_list": {"type": None, "selected": True},
            "columns_to_draw": [],
        }

    def serialize(self):
        preview = []
        for task in self.tasks[:PREVIEW]:
            item = dict(task.get("data") or {})
            for key in ("completions", "predictions"):
                if task.get(key):
                    item[key] = task[key]
            preview.append(item)
        return {
            "id": self.id,
            "project": self.project.name,
            "task_preview": preview,
            "total_tasks": len(self.tasks),
            "total_completions": sum(len(t.get("completions") or ()) for t in self.tasks),
            "total_predictions": sum(len(t.get("predictions") or ()) for t in self.tasks),
            "found_formats": self.found_formats,
            "formats": self.batch.formats_seen() or {"request": len(self.tasks)},
            "show_files_as_tasks_list": any(k in (".txt", ".csv", ".tsv")
                                            for k in self.found_formats),
            "expires_in": max(0, round(TTL - (time.monotonic() - self.created))),
            **self.fields,
        }

    def discard(self):
        self.batch.uploads.discard()


class ImportStates:
    """All live states of one server, by id."""

    def __init__(self):
        self._states = {}
        self._lock = threading.Lock()

    def add(self, owner, project, batch, tasks):
        state = ImportState(owner, project, batch, tasks)
        with self._lock:
            self._expire()
            mine = sorted((s for s in self._states.values() if s.owner == owner),
                          key=lambda s: s.created)
            for old in mine[:max(0, len(mine) - MAX_PER_OWNER + 1)]:
                self._drop(old)
            self._states[state.id] = state
        return state

    def get(self, owner, state_id):
        with self._lock:
            self._expire()
            state = self._states.get(state_id)
        if state is None or state.owner != owner:
            # another session's id is as unknown as a made-up one
            raise NotFound(f"No import with id {state_id}")
        return state

    def update(self, owner, state_id, changes):
        state = self.get(owner, state_id)
        unknown = sorted(set(changes) - set(SETTABLE))
        if unknown:
            raise ValidationError(f"Unknown import state fields: {', '.join(unknown)}; "
                                  f"settable: {', '.join(SETTABLE)}")
        state.fields.update(changes)
        return state

    def apply(self, owner, state_id):
        """Stores the tasks (checked again against the label config now); all or nothing.
        The state is gone afterwards, also when the import is refused."""
        state = self.get(owner, state_id)
        with self._lock:
            if self._states.pop(state.id, None) is None:
                raise NotFound(f"No import with id {state_id}")  # applied meanwhile
        try:
            project = state.project
            with project.reading():
                label_config = project.label_config
            # the import copies what it stores into; the state's tasks stay as checked
            tasks = validate_tasks([dict(t) for t in state.tasks], label_config)
            return project.import_tasks(tasks, formats=state.batch.formats_seen(),
                                        uploads=state.batch.uploads)
        finally:
            state.discard()

    def _expire(self):
        now = time.monotonic()
        for state in [s for s in self._states.values() if now - s.created > TTL]:
            self._drop(state)

    def _drop(self, state):
        self._states.pop(state.id, None)
        state.discard()

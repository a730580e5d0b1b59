"""tabs.json: the Data Manager's tabs, read and written whole, unknown keys kept.

Shape (0.9.1): {"tabs": [{"id": 1, "title": "Tab 1", "hiddenColumns": null, "filters": ...,
"ordering": [...], "selectedItems": {...}}, ...]}. Writes go through the project lock and
atomic_write like every other project file.
"""
import copy
import os

from ..project_state import TABS_NAME
from .. import jsonio
from ..errors import Conflict, NotFound
from ..storage.files import atomic_write, read_bytes, remove_file
from .selection import EMPTY_SELECTION

DEFAULT_TABS = {"tabs": [{"id": 1, "title": "Tab 1", "hiddenColumns": None}]}


class Tabs:
    def __init__(self, project):
        self.project = project
        self.path = os.path.join(project.path, TABS_NAME)

    # ------------------------------------------------------------------ reading

    def _load(self):
        """The file's content, or the default when there is none; Conflict when unreadable
        (it is never overwritten then)."""
        raw = read_bytes(self.path)
        if raw is None:
            return copy.deepcopy(DEFAULT_TABS)
        try:
            state = jsonio.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            raise Conflict(f"{TABS_NAME} is not valid JSON ({exc}); fix or delete it") from None
        if not isinstance(state, dict):
            raise Conflict(f"{TABS_NAME} does not hold a JSON object; fix or delete it")
        tabs = state.get("tabs")
        if tabs is None:
            state["tabs"] = []
        elif not isinstance(tabs, list):
            raise Conflict(f'{TABS_NAME}: "tabs" is not a list; fix or delete it')
        return state

    def all(self):
        with self.project.reading():
            state = self._load()
        state["tabs"] = [tab for tab in state["tabs"] if isinstance(tab, dict)]
        return state

    def get(self, tab_id):
        with self.project.reading():
            return _find(self._load(), tab_id)

    # ------------------------------------------------------------------ writing

    def update(self, tab_id, change, create=False):
        """Applies change(tab) to one tab under the write lock and saves; returns its result.

        `change` may raise (a domain error) to refuse: nothing is written then."""
        with self.project.writing():
            state = self._load()
            try:
                tab = _find(state, tab_id)
            except NotFound:
                if not create:
                    raise
                tab = {"id": tab_id}
                state["tabs"].append(tab)
            result = change(tab)
            self._save(state)
            return result

    def delete(self, tab_id):
        with self.project.writing():
            state = self._load()
            tab = _find(state, tab_id)
            state["tabs"].remove(tab)
            self._save(state)

    def delete_all(self):
        with self.project.writing():
            remove_file(self.path)

    def _save(self, state):
        atomic_write(self.path, jsonio.dumps(state, jsonio.PRETTY))


def _find(state, tab_id):
    for tab in state["tabs"]:
        if isinstance(tab, dict) and _same_id(tab.get("id"), tab_id):
            return tab
    raise NotFound(f"No tab with id: {tab_id}")


def _same_id(stored, wanted):
    if isinstance(stored, bool):
        return False
    if isinstance(stored, int):
        return stored == wanted
    if not isinstance(stored, str):
        return False
    try:  # a hand-edited tabs.json may hold "²" or "--5"
        return int(stored) == wanted
    except ValueError:
        return False


def selection_of(tab):
    value = tab.get("selectedItems")
    return value if isinstance(value, dict) else None


def reset_selection(tab):
    tab["selectedItems"] = dict(EMPTY_SELECTION, included=[])

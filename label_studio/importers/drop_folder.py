"""Drop-in folders: files added to a project's input folder become tasks, once each.

config.json `"drop_folder": {"path": "/abs/folder", "input_format": "json-dir"}` (written by
`init -i FOLDER --input-format json-dir|text-dir|image-dir|audio-dir`) names the folder.
The relative paths already imported are kept in the hidden `.ls-drop-folder.json`, so a
restart imports nothing twice. Between scans, noticing a change costs one stat per folder
of the tree (a new entry changes its folder's mtime) plus one per file that failed to read
(a file still being written is retried when it changes).
"""
import os
import time

from .. import jsonio
from ..storage.files import atomic_write, read_bytes, stamp

SETTINGS_KEY = "drop_folder"
RECENT_SECONDS = 2.0
RECENTLY_CHANGED = "recently changed"
STATE_NAME = ".ls-drop-folder.json"


def _inputs():
    """The file readers, imported when a project has a drop folder (not at every start)."""
    from . import local_inputs
    return local_inputs


def configured(project_dir, settings, current=None):
    """The project's DropFolder, or None; `current` is kept when the setting is unchanged."""
    if settings.drop_folder is None:
        return None
    path, input_format = settings.drop_folder
    if input_format not in _inputs().FOLDER_FORMATS:
        return None
    if current is not None and (current.path, current.input_format) == (path, input_format):
        return current
    return DropFolder(project_dir, path, input_format)


def _trusted_stamp(folder):
    """The folder's stamp, or a value that never matches while its mtime is very recent:
    a second file added within the same clock tick would not change the mtime."""
    found = stamp(folder)
    if found is not None and time.time() - found[1] / 1e9 < RECENT_SECONDS:
        return RECENTLY_CHANGED
    return found


class DropFolder:
    def __init__(self, project_dir, path, input_format):
        self.path = path
        self.input_format = input_format
        self.state_path = os.path.join(project_dir, STATE_NAME)
        self._folder_stamps = None     # {folder: stamp} at the last scan
        self._failed = {}              # relative path -> stamp of a file that failed to read
        self.problems = {}             # relative path -> message, for the project warnings

    def changed(self):
        """Cheap: whether a scan may find something new."""
        if self._folder_stamps is None:
            return True
        for folder, seen in self._folder_stamps.items():
            if stamp(folder) != seen:
                return True
        return any(stamp(os.path.join(self.path, relative)) != seen
                   for relative, seen in self._failed.items())

    def new_files(self):
        """Files not imported yet, in sorted order (call under the project lock)."""
        self._folder_stamps = self._stamp_folders()
        state = self._read_state()
        if state is None:
            # importing the whole folder again would duplicate every task
            self.problems[STATE_NAME] = (f"{STATE_NAME} cannot be read; fix or delete it to "
                                         "import new files of the drop folder")
            return []
        self.problems.pop(STATE_NAME, None)
        if not os.path.isdir(self.path):
            self.problems[self.path] = "the drop folder does not exist"
            return []
        self.problems.pop(self.path, None)
        names = state.get(self.path)
        imported = set(names) if isinstance(names, list) else set()
        listed = _inputs().folder_files(self.path, self.input_format)
        self._forget_removed_failures(set(listed))
        return [relative for relative in listed
                if relative not in imported and not self._unchanged_failure(relative)]

    def _forget_removed_failures(self, present):
        for relative in [r for r in self._failed if r not in present]:
            del self._failed[relative]
            self.problems.pop(relative, None)

    def _stamp_folders(self):
        # stamped before listing: an entry added after the stamp shows up next time
        stamps = {self.path: _trusted_stamp(self.path)}
        for parent, dirs, _ in os.walk(self.path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in dirs:
                folder = os.path.join(parent, name)
                stamps[folder] = _trusted_stamp(folder)
        return stamps

    def _unchanged_failure(self, relative):
        seen = self._failed.get(relative)
        return seen is not None and stamp(os.path.join(self.path, relative)) == seen

    def read(self, relatives, label_config):
        """(tasks, relative paths read); files that fail are noted and retried when changed."""
        tasks, done, inputs = [], [], _inputs()
        for relative in relatives:
            full = os.path.join(self.path, relative)
            try:
                tasks.extend(inputs.file_tasks(full, self.input_format, label_config, relative))
            except inputs.InputError as exc:
                self._failed[relative] = stamp(full)
                self.problems[relative] = str(exc).replace("\n", " ")
                continue
            self._failed.pop(relative, None)
            self.problems.pop(relative, None)
            done.append(relative)
        return tasks, done

    def mark_imported(self, relatives):
        if not relatives:
            return
        state = self._read_state() or {}
        known = state.get(self.path) if isinstance(state.get(self.path), list) else []
        seen = set(known)
        state[self.path] = known + [r for r in relatives if r not in seen]
        atomic_write(self.state_path, jsonio.dumps(state, jsonio.PRETTY))

    def _read_state(self):
        """{folder path: [relative paths imported]}, {} when missing, None when unreadable."""
        raw = read_bytes(self.state_path)
        try:
            state = jsonio.loads(raw) if raw else {}
        except ValueError:
            return None
        return state if isinstance(state, dict) else None

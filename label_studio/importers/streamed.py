"""An import of local JSON task-list files that is never held whole (the CLI's big imports).

Pass 1 (`add_file`, then `finish`) parses each file a part at a time (jsonio.loads_in_parts)
and checks every item as ImportBatch does, with the same messages and limits, but keeps no
task. Pass 2, iterating the object, reads the files again and gives their tasks in lists of
BATCH, which Project.import_tasks stores as they come: a million-task file then costs a
part's tasks at a time instead of a list of them all.
"""
import os
from collections import Counter

from .. import jsonio
from ..errors import ValidationError
from . import file_formats as formats
from .format_error import FileFormatError
from .limits import ImportLimits
from .validation import TaskChecker

BATCH = 5000


def streamable(paths):
    """Whether these local files can be imported streamed: all of them JSON task lists."""
    return bool(paths) and all(formats.extension(path) in formats.TASK_LIST_EXTENSIONS
                               for path in paths)


class StreamedTasks:
    """len() is the number of checked tasks; iterating gives them, in order, as lists."""

    def __init__(self, label_config, limits: ImportLimits, part_size=jsonio.PART_SIZE):
        self.label_config = label_config
        self.limits = limits
        self.part_size = part_size
        self.formats = Counter()
        self.progress = None         # told how many tasks each batch of pass 2 gives
        self._files = []             # (name, path, identity, item count)
        self._count = 0
        # the repeated strings of kept tasks are shared (see validation); these are not kept
        self._checker = TaskChecker(label_config, share=False)
        self._refused = None         # too many errors: raised once every file was read

    # ------------------------------------------------------------------ pass 1

    def add_file(self, path, name=None):
        """Reads and checks one file; ValidationError for a file that is not a task list or
        that brings the import past max_tasks. Item errors wait for finish(), as ImportBatch
        reads every file before it checks an item."""
        name = path if name is None else name
        self.formats[formats.extension(name)] += 1
        with open(path, "rb") as stream:
            identity = _identity(stream)
            data = stream.read()
        first = self._count
        checker = self._checker
        checker.origin = _origin(name, first)
        max_tasks = self.limits.max_tasks
        try:
            for part in formats.json_item_parts(data, name, self.part_size):
                # past the limit, or past MAX_ERRORS, the answer is known: only count
                if self._refused is None and self._count + len(part) <= max_tasks:
                    try:
                        checker.check(part)
                    except ValidationError as exc:
                        self._refused = exc
                self._count += len(part)
        except FileFormatError as exc:
            raise ValidationError([exc.message_for(name)]) from None
        self._files.append((name, path, identity, self._count - first))
        if self._count > max_tasks:
            raise ValidationError([f"Maximum task number is {max_tasks}, current task number "
                                   f"is {self._count}"])

    def finish(self):
        """After the last file: ValidationError unless every item is a task."""
        if not self._count:
            raise ValidationError(["data is empty: no tasks found in the input"])
        if self._refused is not None:
            raise ValidationError(self._refused.detail)
        self._checker.finish()

    def formats_seen(self):
        return dict(self.formats)

    # ------------------------------------------------------------------ pass 2

    def __len__(self):
        return self._count

    def __iter__(self):
        pending = []
        for batch in self._checked_parts():
            pending += batch
            if len(pending) >= BATCH:
                full = len(pending) - len(pending) % BATCH
                for start in range(0, full, BATCH):
                    yield self._told(pending[start:start + BATCH])
                pending = pending[full:]
        if pending:
            yield self._told(pending)

    def _told(self, batch):
        if self.progress is not None:
            self.progress(len(batch))
        return batch

    def _checked_parts(self):
        checker = TaskChecker(self.label_config, share=False)
        for name, path, identity, count in self._files:
            first = checker.position
            checker.origin = _origin(name, first)
            with open(path, "rb") as stream:
                if _identity(stream) != identity:
                    raise _changed(name)
                data = stream.read()
            try:
                for part in formats.json_item_parts(data, name, self.part_size):
                    checker.check(part)
                    if checker.errors or checker.position - first > count:
                        raise _changed(name)
                    yield part
            except (FileFormatError, ValidationError):
                raise _changed(name) from None
            if checker.position - first != count:
                raise _changed(name)
            del data


def _changed(name):
    return ValidationError([f"{name} changed during the import; nothing was imported, try "
                            "again"])


def _identity(stream):
    status = os.fstat(stream.fileno())
    return status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev


def _origin(name, first):
    """origin() of validate_tasks for the items of one file, the first at `first`."""
    return lambda position: f"{name} #{position - first + 1}"

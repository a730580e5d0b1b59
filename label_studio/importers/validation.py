"""Checking imported items against the label config and normalizing them into tasks.

Every item is checked before anything is stored, so an import is all or nothing. Errors
are collected per item in the legacy `Error at item <i>: <message> :: <item>` form that the
0.8 import page splits on `::`.
"""
from .. import jsonio
from ..errors import ValidationError

UNDEFINED_KEY = "$undefined$"
MAX_ERRORS = 100
PROGRESS_STEP = 10_000
SHARE_SAMPLE = 1000          # items looked at to find data keys with repeating string values
MAX_SHARED = 10_000          # distinct values shared before giving up on it
ROOT_MESSAGE = 'Task root must be dict with "data", "meta", "completions", "predictions" fields'


def items_from_json(value):
    """A parsed JSON body or file: a list of items, or one dict as one item."""
    if isinstance(value, dict):
        value = [value] if value else []
    if not isinstance(value, list):
        raise ValidationError(["Incorrect task type: it is allowed a dict or a list of dicts only"])
    if not value:
        raise ValidationError(["data is empty"])
    return value


def validate_tasks(items, label_config, origin=None, progress=None, in_place=False):
    """Checked and normalized tasks: {"data", "predictions"?, "meta"?, "completions"?}.

    `origin(position)` may name where an item came from (a file and row) for the messages;
    `progress(count)` is told how many more items were checked, every PROGRESS_STEP items.
    With `in_place` the list `items` itself becomes the list of tasks (each item replaced by
    its task) and is returned: a million-task import then holds one list, not two. After an
    error the list is left part items, part tasks.
    """
    tasks = items if in_place else list(items)
    checker = TaskChecker(label_config, origin=origin)
    checker.check(tasks, progress=progress)
    checker.finish()
    if progress is not None:
        progress(len(tasks) % PROGRESS_STEP)
    return tasks


class TaskChecker:
    """validate_tasks() for items that come a list at a time: each list is checked in place,
    its items numbered on from the lists before, the errors gathered over all of them.

    `share` (repeating strings made one object, see _repeating_keys) pays off only for tasks
    that are all kept; it is decided on the first list."""

    def __init__(self, label_config, origin=None, share=True):
        self.origin = origin
        self.errors = []
        self.position = 0            # of the next item, over all the lists
        self._checker = _DataChecker(label_config)
        self._share = share
        self._shared_keys = None
        self._shared = {}

    def check(self, tasks, progress=None):
        """Replaces each item of the list `tasks` by its task and returns the list; an item
        that does not fit adds an error (and stays), the MAX_ERRORS-th raises them all."""
        checker = self._checker
        plain_keys = checker.plain_keys
        if self._shared_keys is None:
            self._shared_keys = (_repeating_keys(tasks) if plain_keys is not None and self._share
                                 else ())
        shared_keys = self._shared_keys
        shared = self._shared
        share = shared.setdefault
        errors = self.errors
        origin = self.origin
        first = self.position
        count = len(tasks)
        for start in range(0, count, PROGRESS_STEP):
            for index in range(start, min(start + PROGRESS_STEP, count)):
                item = tasks[index]
                # the common items, bare data or {"data": data} alone with a string for each
                # data key, are checked here inline: a call for each would cost more than its
                # check
                if plain_keys is not None and type(item) is dict:
                    data = item if "data" not in item else item["data"] if len(item) == 1 else None
                    if type(data) is dict and UNDEFINED_KEY not in data:
                        for key in plain_keys:
                            if type(data.get(key)) is not str:
                                break
                        else:
                            for key in shared_keys:
                                value = data.get(key)
                                if type(value) is str:
                                    data[key] = share(value, value)
                            tasks[index] = {"data": data} if data is item else item
                            continue
                try:
                    tasks[index] = _normalize(item, checker)
                except _ItemError as exc:
                    position = first + index
                    where = f" ({origin(position)})" if origin is not None else ""
                    errors.append(f"Error at item {position}{where}: {exc} :: {_preview(item)}")
                    if len(errors) >= MAX_ERRORS:
                        errors[-1] = "..."
                        raise ValidationError(errors) from None
            if len(shared) > MAX_SHARED:  # not so repetitive after all
                shared_keys = self._shared_keys = ()
            if progress is not None and start + PROGRESS_STEP <= count:
                progress(PROGRESS_STEP)
        self.position = first + count
        return tasks

    def finish(self):
        """ValidationError with the errors of all the lists, if there were any."""
        if self.errors:
            raise ValidationError(self.errors)


def _repeating_keys(items):
    """Data keys whose values, in the first SHARE_SAMPLE items, are strings that repeat a
    lot (a source, a split, a category): their equal values are then made one str object,
    which holds a large import in less memory (57 bytes less a task and key for 8-character
    values) for about 60 ns an item."""
    if len(items) < SHARE_SAMPLE:
        return ()
    sample = [_data_of(item) for item in items[:SHARE_SAMPLE]]
    if sample[0] is None:
        return ()
    keys = []
    for key, value in sample[0].items():
        if type(value) is not str:
            continue
        values = [data.get(key) if data is not None else None for data in sample]
        if set(map(type, values)) == {str} and len(set(values)) <= SHARE_SAMPLE // 20:
            keys.append(key)
    return tuple(keys)


def _data_of(item):
    if type(item) is not dict:
        return None
    data = item.get("data", item)
    return data if type(data) is dict else None


def validate_task(item, label_config):
    """One task body (task PATCH/POST); raises ValidationError with a list of messages."""
    return validate_tasks([item], label_config)[0]


class _ItemError(Exception):
    pass


def _normalize(item, checker):
    if not isinstance(item, dict):
        raise _ItemError(ROOT_MESSAGE)
    if "data" not in item:
        return {"data": checker.check(item, " [assume: item = task root with values]")}
    data = item["data"]
    if not isinstance(data, dict):
        raise _ItemError('Task[data] must be a JSON object of data keys and values')
    task = {"data": checker.check(data, ' [assume: item["data"] = task root with values]')}
    for field, label in (("completions", "Completion"), ("predictions", "Prediction")):
        if field in item and item[field] is not None:
            task[field] = _annotations(item[field], field, label)
    if "meta" in item and item["meta"] is not None:
        if not isinstance(item["meta"], (dict, list)):
            raise _ItemError('Task[meta] must be a JSON object or list')
        task["meta"] = item["meta"]
    return task


def _annotations(value, field, label):
    if not isinstance(value, list):
        raise _ItemError(f'"{field}" must be a list')
    for entry in value:
        if not isinstance(entry, dict) or "result" not in entry:
            raise _ItemError(f'{label} must have "result" fields')
        if not isinstance(entry["result"], list):
            raise _ItemError(f'"result" field in {label.lower()} must be list')
    return value


class _DataChecker:
    """Checks one item's data; the item is used as it is, not copied (imports are big)."""

    def __init__(self, label_config):
        self.keys = list(label_config.data_keys)
        self.types = dict(label_config.data_types)
        self.check_value = getattr(label_config, "check_data_value", None)
        value_types = getattr(label_config, "value_types", None)
        # a string is the common case; its check would always pass for these keys
        self.takes_strings = {key for key in self.keys
                              if value_types is not None and "string" in value_types(key)}
        # when every key takes strings, an item whose values for them are all strings passes
        self.plain_keys = (tuple(self.keys) if self.takes_strings.issuperset(self.keys)
                           else None)

    def check(self, data, assumption):
        if UNDEFINED_KEY in data and self.keys:
            data = dict(data)
            data[self.keys[0]] = data.pop(UNDEFINED_KEY)
        for key in self.keys:
            if key not in data:
                raise _ItemError(f'"{key}" key is expected in task data{assumption}')
            if type(data[key]) is str and key in self.takes_strings:
                continue
            if self.check_value is not None:
                problem = self.check_value(key, data[key])
                if problem:
                    raise _ItemError(problem + assumption)
        return data


def _preview(item, limit=200):
    text = jsonio.dumps(item).decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "..."

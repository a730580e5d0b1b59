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


def validate_tasks(items, label_config, origin=None, progress=None):
    """Checked and normalized tasks: {"data", "predictions"?, "meta"?, "completions"?}.

    `origin(position)` may name where an item came from (a file and row) for the messages;
    `progress(count)` is told how many more items were checked, every PROGRESS_STEP items.
    """
    checker = _DataChecker(label_config)
    tasks, errors = [], []
    for position, item in enumerate(items):
        if progress is not None and position % PROGRESS_STEP == PROGRESS_STEP - 1:
            progress(PROGRESS_STEP)
        try:
            tasks.append(_normalize(item, checker))
        except _ItemError as exc:
            where = f" ({origin(position)})" if origin is not None else ""
            errors.append(f"Error at item {position}{where}: {exc} :: {_preview(item)}")
            if len(errors) >= MAX_ERRORS:
                errors[-1] = "..."
                break
    if errors:
        raise ValidationError(errors)
    if progress is not None:
        progress(len(items) % PROGRESS_STEP)
    return tasks


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

"""The flat record of one task that JSON_MIN, CSV and TSV share (export.md §4.2).

The task's data keys, then "id", then one key per control in the order the controls first
appear in the result. A Choices control with one result item gives its single choice as a
string, or the value object when several were chosen; any other control gives a list of
value objects. Coordinates stay in percent.
"""
from .selection import latest_completion

SIZE_KEYS = ("original_width", "original_height")


def flat_record(task, config) -> dict | None:
    """None when the task has no completion to export."""
    completion = latest_completion(task)
    if completion is None:
        return None
    data = task.get("data")
    record = dict(data) if isinstance(data, dict) else {}
    record["id"] = task.get("id")
    for name, values in _values_by_control(completion, config).items():
        record[name] = _pretty(config.controls[name]["type"], values)
    return record


def _values_by_control(completion, config) -> dict:
    found = {}
    result = completion.get("result")
    for item in result if isinstance(result, list) else ():
        if not isinstance(item, dict) or item.get("from_name") not in config.controls:
            continue
        value = item.get("value")
        value = dict(value) if isinstance(value, dict) else {}
        value.update((k, item[k]) for k in SIZE_KEYS if k in item)
        found.setdefault(item["from_name"], []).append(value)
    return found


def _pretty(control_type, values):
    if control_type == "Choices" and len(values) == 1:
        choices = values[0].get("choices")
        if isinstance(choices, list) and len(choices) == 1:
            return choices[0]
        return values[0]
    return values

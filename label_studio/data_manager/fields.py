"""The task fields a filter or an ordering may name, and how each is read from a project.

Every getter runs inside project.reading() and takes (project, task_id, task). All but the
`*_results` fields come from memory (the task, its completions summary); those two read the
task's completions record, so only filters naming them touch the disk.
"""
import datetime as dt

from .. import jsonio
from ..task_index import mean_score

UNDEFINED_KEY = "$undefined$"
NUMBER, DATETIME, TEXT, ANY = "number", "datetime", "text", "any"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _summary(project, task_id):
    summary = project.completions.summaries.get(task_id)
    return summary if summary is not None and summary.completed else None


def _completed_at(project, task_id, task):
    summary = _summary(project, task_id)
    return summary.completed_at if summary else None


def _total_completions(project, task_id, task):
    summary = _summary(project, task_id)
    return summary.count if summary else 0


def _cancelled_completions(project, task_id, task):
    summary = _summary(project, task_id)
    return summary.cancelled if summary else 0


def predictions_of(task):
    value = task.get("predictions")
    return [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []


def _total_predictions(project, task_id, task):
    return len(predictions_of(task))


def _predictions_score(project, task_id, task):
    return mean_score(task)


def results_text(items):
    """A JSON string of every `result` list of the completions or predictions; "" when none."""
    results = [item["result"] for item in items
               if isinstance(item, dict) and isinstance(item.get("result"), list)]
    return jsonio.dumps(results).decode("utf-8") if results else ""


def record_completions(project, task_id):
    if _summary(project, task_id) is None:
        return []
    record = project.record_of(task_id)
    completions = record.get("completions") if isinstance(record, dict) else None
    return completions if isinstance(completions, list) else []


def _completions_results(project, task_id, task):
    return results_text(record_completions(project, task_id))


def _predictions_results(project, task_id, task):
    return results_text(predictions_of(task))


TASK_FIELDS = {
    "id": (NUMBER, lambda project, task_id, task: task_id),
    "completed_at": (DATETIME, _completed_at),
    "total_completions": (NUMBER, _total_completions),
    "cancelled_completions": (NUMBER, _cancelled_completions),
    "total_predictions": (NUMBER, _total_predictions),
    "predictions_score": (NUMBER, _predictions_score),
    "completions_results": (TEXT, _completions_results),
    "predictions_results": (TEXT, _predictions_results),
}


def data_getter(key):
    def get(project, task_id, task):
        data = task.get("data")
        if not isinstance(data, dict):
            return None
        if key in data:
            return data[key]
        keys = project.label_config.data_keys
        if keys and key == keys[0]:  # imported files keep $undefined$ until shown
            return data.get(UNDEFINED_KEY)
        return None
    return get


def field(name):
    """(kind, getter) for a field name: a task field or data.<key>; None when unknown."""
    if name in TASK_FIELDS:
        return TASK_FIELDS[name]
    if name.startswith("data.") and len(name) > len("data."):
        return ANY, data_getter(name[len("data."):])
    return None


def format_datetime(seconds):
    """Unix seconds as the 0.9 UI shows them (UTC, with the Z meaning it)."""
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime(DATETIME_FORMAT)


def parse_datetime(value):
    """Unix seconds from an ISO 8601 string (no offset means UTC) or a number; None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()

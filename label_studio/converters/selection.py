"""Which completions and which results of a task an export uses (decisions.md, Export)."""
from ..completion_fields import is_cancelled


def completions_of(task) -> list[dict]:
    completions = task.get("completions")
    if not isinstance(completions, list):
        return []
    return [c for c in completions if isinstance(c, dict)]


_NUMBER_TYPES = (int, float)


def _number(value, default):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return default
    return value


def latest_completion(task) -> dict | None:
    """The latest non-cancelled completion: largest created_at, then largest id."""
    completions = task.get("completions")
    if not isinstance(completions, list):
        return None
    # kept_completions(), in one pass: this runs once per task of every export
    kept = [c for c in completions if isinstance(c, dict) and not is_cancelled(c)]
    if len(kept) < 2:
        return kept[0] if kept else None
    return max(kept, key=lambda c: (_number(c.get("created_at"), 0), _number(c.get("id"), -1)))


def kept_completions(task) -> list[dict]:
    return [c for c in completions_of(task) if not is_cancelled(c)]


def results_of(completion, control_names) -> list[dict]:
    """Result items of these controls that carry a value object, in result order."""
    result = completion.get("result")
    if not isinstance(result, list):
        return []
    return [r for r in result if isinstance(r, dict) and r.get("from_name") in control_names
            and isinstance(r.get("value"), dict)]


def first_label(value, key) -> str | None:
    labels = value.get(key)
    if isinstance(labels, list) and labels and isinstance(labels[0], str):
        return labels[0]
    return None


def original_size(completion) -> tuple | None:
    """(width, height) in pixels from the first result item that carries both."""
    result = completion.get("result")
    for item in result if isinstance(result, list) else ():
        if not isinstance(item, dict):
            continue
        width, height = item.get("original_width"), item.get("original_height")
        # numbers, not bools, > 0 (NaN is not): what _number(x, 0) > 0 says, without calls
        if type(width) in _NUMBER_TYPES and type(height) in _NUMBER_TYPES \
                and width > 0 and height > 0:
            return width, height
    return None

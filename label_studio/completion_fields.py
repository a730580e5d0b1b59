"""What the fields of a stored completion mean, for every reader of completions."""


def is_cancelled(completion) -> bool:
    """A skip: `was_cancelled`, or `skipped` in data older than 0.8.1."""
    return bool(completion.get("was_cancelled") or completion.get("skipped"))


def timestamp(value):
    """A completion's `created_at` as int seconds, or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return int(value)

"""What the fields of a stored completion mean, for every reader of completions."""


def is_cancelled(completion) -> bool:
    """A skip: `was_cancelled`, or `skipped` in data older than 0.8.1."""
    return bool(completion.get("was_cancelled") or completion.get("skipped"))


# the last second of the year 9999: what every clock and time.localtime can show
MAX_TIMESTAMP = 253402300799


def timestamp(value):
    """A completion's `created_at` as int seconds, or None when it is not a number of seconds
    from 1970 to 9999 (not infinite, not NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not 0 <= value <= MAX_TIMESTAMP:  # False for NaN too
        return None
    return int(value)

"""Tab filters and ordering: checked and turned into a predicate and a sort key.

Filters: {"conjunction": "and"|"or", "items": [{"filter": "filters:tasks:<field>",
"operator": ..., "type": ..., "value": ...}]}; fields are those of fields.py. Ordering:
["tasks:<field>"] or ["-tasks:<field>"]; only the first entry counts (0.9). Anything else is a
ValidationError naming the bad part, raised before any task is looked at.
"""
import math

from .. import jsonio
from ..errors import ValidationError
from . import fields as F

OPERATORS = ("equal", "not_equal", "contains", "not_contains", "less", "greater",
             "less_or_equal", "greater_or_equal", "in", "not_in", "empty")
NEGATED = {"not_equal": "equal", "not_contains": "contains", "not_in": "in"}
COMPARISONS = {"less": lambda a, b: a < b, "greater": lambda a, b: a > b,
               "less_or_equal": lambda a, b: a <= b, "greater_or_equal": lambda a, b: a >= b}
MAX_ITEMS = 100
FILTER_PREFIX = "filters:"
TASKS_PREFIX = "tasks:"


class Filter:
    """A compiled filter: matches(project, task_id, task) inside project.reading()."""

    def __init__(self, conjunction, items):
        self.conjunction = conjunction
        self.items = items  # [(getter, test)]

    def __bool__(self):
        return bool(self.items)

    def matches(self, project, task_id, task):
        tests = (test(getter(project, task_id, task)) for getter, test in self.items)
        return any(tests) if self.conjunction == "or" else all(tests)


def parse_filters(value):
    """A Filter from a tab's `filters` (a JSON object, or its JSON text); None or {} is none."""
    if isinstance(value, str):
        try:
            value = jsonio.loads(value) if value.strip() else None
        except ValueError as exc:
            raise ValidationError(f"filters is not valid JSON: {exc}") from None
    if value is None or value == {}:
        return Filter("and", [])
    if not isinstance(value, dict):
        raise ValidationError('filters must be an object {"conjunction": "and"|"or", '
                              '"items": [...]}')
    conjunction = value.get("conjunction", "and")
    if not isinstance(conjunction, str) or conjunction.lower() not in ("and", "or"):
        raise ValidationError(f'filters.conjunction must be "and" or "or", got {conjunction!r}')
    items = value.get("items", [])
    if not isinstance(items, list):
        raise ValidationError("filters.items must be a list")
    if len(items) > MAX_ITEMS:
        raise ValidationError(f"filters.items: at most {MAX_ITEMS} filters")
    return Filter(conjunction.lower(), [_compile(item, n) for n, item in enumerate(items)])


def _compile(item, n):
    where = f"filters.items[{n}]"
    if not isinstance(item, dict):
        raise ValidationError(f"{where} must be an object with filter, operator and value")
    name = field_name(item.get("filter"), FILTER_PREFIX, f"{where}.filter")
    kind, getter = F.field(name)
    operator = item.get("operator")
    if operator not in OPERATORS:
        raise ValidationError(f"{where}.operator: unknown operator {operator!r}; use one of "
                              + ", ".join(OPERATORS))
    hint = item.get("type")
    if kind == F.ANY and hint == "Datetime":
        kind = F.DATETIME
    elif kind == F.ANY and hint == "Number":
        kind = F.NUMBER
    if "value" not in item and operator != "empty":
        raise ValidationError(f"{where}.value is missing")
    test = _test(operator, kind, item.get("value"), f"{where}.value")
    return getter, test


def field_name(text, prefix, where):
    """'filters:tasks:data.text' -> 'data.text' (prefix optional); ValidationError if unknown."""
    if not isinstance(text, str):
        raise ValidationError(f'{where} must be a string like "{prefix}tasks:id"')
    name = text
    # the 0.9.1 bundle sends "filter:tasks:..." (singular); its server read only the parts
    # after the first colon, so both spellings are one
    for known in (prefix, prefix.replace("filters:", "filter:")):
        if known and name.startswith(known):
            name = name[len(known):]
            break
    if not name.startswith(TASKS_PREFIX):
        raise ValidationError(f'{where}: {text!r} does not name a task field ("{prefix}tasks:...")')
    name = name[len(TASKS_PREFIX):]
    if F.field(name) is None:
        raise ValidationError(f"{where}: unknown field {name!r}; use data.<key> or one of "
                              + ", ".join(F.TASK_FIELDS))
    return name


# ------------------------------------------------------------------ operators

def _test(operator, kind, value, where):
    if operator in NEGATED:
        positive = _test(NEGATED[operator], kind, value, where)
        return lambda field_value: not positive(field_value)
    if operator == "empty":
        wanted = _boolean(value, where)
        return lambda field_value: _is_empty(field_value) == wanted
    if operator == "contains":
        needle = _text(value, where).lower()
        return lambda field_value: field_value is not None and needle in _as_text(field_value).lower()
    if operator == "equal":
        return _equal_test(kind, value, where)
    if operator == "in":
        if not isinstance(value, dict) or "min" not in value or "max" not in value:
            raise ValidationError(f'{where} must be {{"min": ..., "max": ...}} for "in"/"not_in"')
        low = _operand(kind, value["min"], f"{where}.min")
        high = _operand(kind, value["max"], f"{where}.max")
        return lambda field_value: _compare(kind, field_value, low, lambda a, b: a >= b) and \
            _compare(kind, field_value, high, lambda a, b: a <= b)
    bound = _operand(kind, value, where)
    compare = COMPARISONS[operator]
    return lambda field_value: _compare(kind, field_value, bound, compare)


def _equal_test(kind, value, where):
    if kind in (F.NUMBER, F.DATETIME) or _is_number(value):
        if kind == F.ANY and _is_number(value):
            target = float(value)
            return lambda field_value: _number(field_value) == target
        target = _operand(kind, value, where)
        return lambda field_value: _compare(kind, field_value, target, lambda a, b: a == b)
    if isinstance(value, (dict, list)):
        return lambda field_value: field_value == value
    return lambda field_value: field_value is not None and _as_text(field_value) == _as_text(value)


def _operand(kind, value, where):
    """The filter value as the field's kind compares it: a float, or a string for text."""
    if kind == F.DATETIME:
        seconds = F.parse_datetime(value)
        if seconds is None:
            raise ValidationError(f"{where}: {value!r} is not a date and time "
                                  '(ISO 8601, e.g. "2021-01-31T00:00:00.000000Z")')
        return seconds
    if kind == F.NUMBER:
        number = _number(value)
        if number is None:
            raise ValidationError(f"{where}: {value!r} is not a number")
        return number
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        return value
    raise ValidationError(f"{where} must be a number or a string, got {jsonio.dumps(value)[:80]!r}")


def _compare(kind, field_value, bound, compare):
    if field_value is None:
        return False
    if kind == F.DATETIME:
        left = F.parse_datetime(field_value)
    elif isinstance(bound, float):
        left = _number(field_value)
    else:
        left = field_value if isinstance(field_value, str) else None
    return left is not None and compare(left, bound)


def _boolean(value, where):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValidationError(f'{where} must be true or false for "empty"')


def _text(value, where):
    if isinstance(value, str):
        return value
    if _is_number(value):
        return _as_text(value)
    raise ValidationError(f'{where} must be a string for "contains"/"not_contains"')


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value):
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _as_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if _is_number(value):
        return str(value)
    return jsonio.dumps(value).decode("utf-8")


def _is_empty(value):
    return value is None or value == "" or value == [] or value == {}


# ------------------------------------------------------------------ ordering

def parse_ordering(value):
    """(field name, descending) from a tab's `ordering`, or None for the default (id)."""
    if isinstance(value, str):
        value = [value] if value else []
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError('ordering must be a list like ["-tasks:completed_at"]')
    for n, entry in enumerate(value):
        descending = entry.startswith("-")
        field_name(entry[1:] if descending else entry, "", f"ordering[{n}]")
    if not value:
        return None
    first = value[0]
    descending = first.startswith("-")
    return field_name(first[1:] if descending else first, "", "ordering[0]"), descending


def sort_key(kind, value):
    """A key that orders any JSON values: numbers, then strings, then the rest as JSON."""
    if kind == F.DATETIME or _is_number(value):
        return (0, float(value), "")
    if isinstance(value, str):
        return (1, 0.0, value)
    return (2, 0.0, _as_text(value))

"""CSV and TSV tables: header row to data keys, typed values as legacy's pandas reader gave.

A column whose cells all read as integers holds ints, one with any decimal number holds
floats, anything else stays text. Empty cells are "" whatever the column type (legacy filled
missing values with ""). Headers are made unique the pandas way (`a`, `a.1`) and an empty
header becomes `Unnamed: <position>`.
"""
import csv
import io
import math
import re

from .format_error import FileFormatError

# legacy's limit; the csv module's default (131072) is ten times smaller
FIELD_SIZE_LIMIT = 1_310_720
INT64_MAX = 2 ** 63 - 1
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def read_table(text, delimiter, at_most=None):
    """Rows as dicts keyed by the header; with `at_most`, reading stops at at_most + 1 rows."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next((row for row in rows if row), None)
        if header is None:
            return []
        header = _unique(header)
        width = len(header)
        body = []
        for row in rows:
            if not row:
                continue
            if len(row) > width:
                raise FileFormatError(f"line {rows.line_num} has {len(row)} fields, "
                                      f"the header has {width}")
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            body.append(row)
            if at_most is not None and len(body) > at_most:
                break
    except csv.Error as exc:
        raise FileFormatError(f"line {rows.line_num}: {exc}") from None
    columns = [_typed([row[i] for row in body]) for i in range(width)]
    return [dict(zip(header, values)) for values in zip(*columns)]


def _unique(header):
    seen = {}
    names = []
    for position, name in enumerate(header):
        name = name or f"Unnamed: {position}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _typed(values):
    kind = int
    for value in values:
        if value == "" or (kind is int and _INT.fullmatch(value)):
            continue
        if _FLOAT.fullmatch(value):
            kind = float
            continue
        return values
    if kind is int:
        converted = [int(v) if v != "" else "" for v in values]
        if any(v != "" and abs(v) > INT64_MAX for v in converted):
            return values
        return converted
    converted = [float(v) if v != "" else "" for v in values]
    if any(v != "" and not math.isfinite(v) for v in converted):
        return values
    return converted

"""JSON encoding and decoding for project files and HTTP bodies.

orjson is the fast path; the standard library takes over for what orjson refuses but legacy
files may hold (NaN, integers beyond 64 bits).
"""
import json

import orjson

COMPACT = 0
PRETTY = orjson.OPT_INDENT_2
RECORD = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


class JSONDecodeError(ValueError):
    pass


def loads(data):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            if isinstance(data, (bytes, bytearray, memoryview)):
                data = bytes(data).decode("utf-8-sig")
            return json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise JSONDecodeError(str(exc)) from None
        except RecursionError:
            raise JSONDecodeError("JSON is nested too deeply") from None


def dumps(obj, option=COMPACT) -> bytes:
    option |= orjson.OPT_NON_STR_KEYS
    try:
        return orjson.dumps(obj, option=option)
    except TypeError:
        indent = 2 if option & orjson.OPT_INDENT_2 else None
        sort = bool(option & orjson.OPT_SORT_KEYS)
        separators = None if indent else (",", ":")
        text = json.dumps(obj, ensure_ascii=False, indent=indent, sort_keys=sort,
                          separators=separators, default=str)
        return text.encode("utf-8")

"""JSON encoding and decoding for project files and HTTP bodies.

orjson is the fast path; the standard library takes over for what orjson refuses but legacy
files may hold (NaN, integers beyond 64 bits).
"""
import itertools
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


def entry_chunks(mapping, batch=5000):
    """The entries of the JSON object `mapping` ('"k":v,"k2":v2...') as compact bytes chunks
    of `batch` entries: orjson's buffer for one large object peaks at about five times its
    output (400 bytes a task for a 100k-task tasks.json)."""
    items = iter(mapping.items())
    first = True
    while True:
        part = dict(itertools.islice(items, batch))
        if not part:
            return
        body = dumps(part)[1:-1]
        yield body if first else b"," + body
        first = False


def object_chunks(mapping, batch=5000):
    """The JSON object `mapping` as compact bytes chunks (see entry_chunks)."""
    yield b"{"
    yield from entry_chunks(mapping, batch)
    yield b"}"

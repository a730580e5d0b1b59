"""JSON encoding and decoding for project files and HTTP bodies.

orjson is the fast path; the standard library takes over for what orjson refuses but legacy
files may hold (NaN, integers beyond 64 bits).
"""
import itertools
import json
import re

import orjson

COMPACT = 0
PRETTY = orjson.OPT_INDENT_2
RECORD = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
PART_SIZE = 512 * 1024            # bytes of a large array parsed at a time (see loads_large)
_ARRAY_START = re.compile(rb"[ \t\n\r]*\[")
_FIRST_KEY = re.compile(rb'[ \t\n\r]*\[[ \t\n\r]*\{[ \t\n\r]*("(?:[^"\\]|\\.){0,200}")')
_BETWEEN_OBJECTS = rb"\}[ \t\n\r]*,[ \t\n\r]*\{"


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


def loads_large(data, part_size=PART_SIZE):
    """loads() for a large file, the same value and the same errors, with less memory.

    orjson builds a whole document tree beside the Python objects it returns (about twice
    the size of the input); an array of objects is parsed here in parts of about
    `part_size` bytes instead, cut between two elements: at a '}' followed by ',' and by the
    '{' and first key that open the first element (nested objects, as in predictions,
    rarely start with the key of a task). A cut at such bytes inside a string leaves the
    part before it an unterminated string, and one inside a nested value leaves it
    unbalanced, so a part that parses was cut between top-level elements; when a part does
    not parse, the whole input is parsed as one (which also gives loads()' error and its
    fallbacks).
    """
    parts = _array_parts(data, part_size)
    if parts is None:
        return loads(data)
    items = []
    try:
        for part in parts:
            items.extend(orjson.loads(part))
        return items
    except orjson.JSONDecodeError:
        del items, parts
        return loads(data)


def loads_in_parts(data, part_size=PART_SIZE):
    """loads_large() a part at a time, for a caller that needs no more than one part.

    A large array gives lists of its elements, in order, whose concatenation is
    loads_large()'s value; anything else gives its one value. The error of a document that
    does not parse (or that needs the whole-input fallback) comes after the parts before
    it, and then the rest of the array comes from that one parse.
    """
    parts = _array_parts(data, part_size)
    if parts is None:
        yield loads(data)
        return
    done = 0
    for part in parts:
        try:
            value = orjson.loads(part)
        except orjson.JSONDecodeError:
            break
        done += len(value)
        yield value
    else:
        return
    del parts, part
    value = loads(data)
    yield value[done:] if done else value


def _array_parts(data, part_size):
    """The JSON arrays, as bytes, that the parts of loads_large() are; None when `data` is
    not cut (not bytes, small, or not an array)."""
    if not isinstance(data, (bytes, bytearray)) or len(data) <= part_size:
        return None
    if _ARRAY_START.match(data) is None:
        return None
    return _cut_array(data, part_size)


def _cut_array(data, part_size):
    first_key = _FIRST_KEY.match(data)
    between = re.compile(_BETWEEN_OBJECTS if first_key is None else
                         _BETWEEN_OBJECTS + rb"(?=[ \t\n\r]*" + re.escape(first_key[1]) + rb")")
    begin, size = 0, len(data)
    while True:
        cut = between.search(data, begin + part_size) if begin + part_size < size else None
        if cut is None:   # the last part, with the array's closing bracket
            yield data[begin:] if begin == 0 else b"[" + data[begin:]
            return
        end = cut.start() + 1
        yield (data[begin:end] if begin == 0 else b"[" + data[begin:end]) + b"]"
        begin = cut.end() - 1


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

"""Reading the content of one imported file into items, by the kind its extension names.

Items are what a JSON body holds: bare data dicts or tasks with "data". Files that carry a
single asset (a line, a page) give {"$undefined$": value}; the checker later moves that value
to the label config's first data key.
"""
import io
import itertools
import os
import re

from .. import jsonio
from .format_error import FileFormatError
from .tables import read_table
from .validation import UNDEFINED_KEY

TASK_LIST_EXTENSIONS = {".json"}
TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t"}
TEXT_EXTENSIONS = {".txt"}
HYPERTEXT_EXTENSIONS = {".html", ".htm", ".xml"}
ARCHIVE_EXTENSIONS = {".zip"}
UNSUPPORTED_ARCHIVES = {".rar"}
_BETWEEN_TAGS = re.compile(r">\s+<")
_WHITESPACE = re.compile(r"\s+")


def extension(name):
    """Lowercased extension with the dot, "" when there is none."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return os.path.splitext(base)[1].lower()


def json_items(data, name):
    """A .json file: a list of items or one dict."""
    try:
        value = jsonio.loads_large(data)
    except ValueError as exc:
        raise FileFormatError(f"invalid JSON: {exc}") from None
    return value if isinstance(value, list) else _single_item(value, name)


def json_item_parts(data, name, part_size=jsonio.PART_SIZE):
    """json_items() a part at a time (see jsonio.loads_in_parts): lists of items whose
    concatenation is its list; its error, maybe after some parts."""
    parts = jsonio.loads_in_parts(data, part_size)
    while True:
        try:
            value = next(parts)
        except StopIteration:
            return
        except ValueError as exc:
            raise FileFormatError(f"invalid JSON: {exc}") from None
        yield value if isinstance(value, list) else _single_item(value, name)


def _single_item(value, name):
    """The items of a JSON file that is not an array."""
    if value is None:
        raise FileFormatError(f"null in {name} is not allowed", whole=True)
    if isinstance(value, dict):
        return [value]
    preview = value if isinstance(value, str) else jsonio.dumps(value).decode("utf-8")
    raise FileFormatError(f'Incorrect task type in {name}: "{preview[:100]}". It is allowed '
                          '"dict" or "list of dicts" only', whole=True)


def table_items(data, extension_name, at_most=None):
    """A .csv or .tsv file: one data dict per row, keys from the header row; at most
    `at_most` + 1 rows are read, enough to tell that a file has too many."""
    return read_table(decode_text(data), TABLE_DELIMITERS[extension_name], at_most)


def line_items(data, at_most=None):
    """A .txt file: one item per line (the lines of str.splitlines); at most `at_most` + 1
    items are made, so a file of millions of empty lines costs no more than the limit."""
    lines = _lines(decode_text(data))
    if at_most is not None:
        lines = itertools.islice(lines, at_most + 1)
    return [{UNDEFINED_KEY: line} for line in lines]


def _lines(text):
    # StringIO cuts at \n, \r and \r\n one line at a time; splitlines() then cuts at the rarer
    # breaks it also knows, so the result equals text.splitlines() without a list of them all
    for line in io.StringIO(text, newline=None):
        yield from line.splitlines()


def hypertext_item(data):
    """An .html/.htm/.xml file: one item holding the whole page, whitespace collapsed."""
    text = decode_text(data)
    return {UNDEFINED_KEY: _WHITESPACE.sub(" ", _BETWEEN_TAGS.sub("><", text)).strip()}


def decode_text(data):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"it is not UTF-8 text (bad byte at position {exc.start})") from None

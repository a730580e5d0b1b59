"""File names for media put into an archive: taken from the URL, safe, unique, extension kept."""
import os
import re
from urllib.parse import unquote, urlsplit

from .digest_set import DigestSet

_UNSAFE = re.compile(r"[^\w.\- ]+")
MAX_NAME = 150
# characters that make a URL mean more than its plain text
_URL_SYNTAX = frozenset("?#%\\\t\r\n")


def name_from_url(url: str) -> str:
    """The base name of the file a URL points to, made safe for any file system ("" if none)."""
    if url.startswith("/") and not url.startswith("//") and not _URL_SYNTAX.intersection(url):
        base = url.rsplit("/", 1)[-1]   # a plain path: what parsing it would give
    else:
        base = unquote(urlsplit(url).path).replace("\\", "/").rsplit("/", 1)[-1]
    return safe_name(base)


def safe_name(name: str) -> str:
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        name = stem[:MAX_NAME - len(ext)] + ext
    return name


class UniqueNames:
    """Hands out file names whose stems differ (ignoring case), so that images/x.jpg,
    Annotations/x.xml and labels/x.txt pair up and never overwrite each other, also when
    unpacked on a case-insensitive file system."""

    def __init__(self):
        self._stems = DigestSet()   # a set of strings would grow by ~100 bytes a name

    def claim(self, name: str, task_id) -> str:
        stem, ext = os.path.splitext(name or f"task-{task_id}")
        if not stem:
            stem, ext = f"task-{task_id}", ""
        candidate = stem
        if not self._stems.add_new(candidate.casefold()):
            candidate = f"{task_id}_{stem}"
            number = 1
            while not self._stems.add_new(candidate.casefold()):
                number += 1
                candidate = f"{task_id}_{stem}_{number}"
        return candidate + ext

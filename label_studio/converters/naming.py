"""File names for media put into an archive: taken from the URL, safe, unique, extension kept."""
import os
import re
from urllib.parse import unquote, urlsplit

_UNSAFE = re.compile(r"[^\w.\- ]+")
MAX_NAME = 150


def name_from_url(url: str) -> str:
    """The base name of the file a URL points to, made safe for any file system ("" if none)."""
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
        self._stems = set()

    def claim(self, name: str, task_id) -> str:
        stem, ext = os.path.splitext(name or f"task-{task_id}")
        if not stem:
            stem, ext = f"task-{task_id}", ""
        candidate = stem
        if candidate.casefold() in self._stems:
            candidate = f"{task_id}_{stem}"
        number = 1
        while candidate.casefold() in self._stems:
            number += 1
            candidate = f"{task_id}_{stem}_{number}"
        self._stems.add(candidate.casefold())
        return candidate + ext

"""MediaFinder: the local file behind a task's media URL.

/data/upload/<name> (also absolute http://host:port/data/upload/<name> from 0.8 tasks, and
the deprecated /upload/<name>) is the project's upload/<name>. /data/<file>?d=<dir> and
plain absolute paths are local files, read only inside the allowed roots (the rule for
serving them). http(s) URLs are downloaded only when a Downloader is given.
"""
import os
from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from .download import REMOTE_SCHEMES, Downloader

UPLOAD_PREFIXES = ("/data/upload/", "/upload/")
_REMOTE_PREFIXES = tuple(f"{scheme}://" for scheme in REMOTE_SCHEMES)
LOCAL_PREFIX = "/data/"
# characters that make a URL mean more than its plain text (see _plain_upload_name)
_URL_SYNTAX = frozenset("?#%\t\r\n")
NOT_DOWNLOADED = "remote file not downloaded (export with download_resources=1 to fetch it)"


class Located(NamedTuple):
    path: str | None = None
    temporary: bool = False   # a download: the caller deletes it
    problem: str | None = None


class MediaFinder:
    def __init__(self, upload_dir=None, local_roots=(), downloader: Downloader | None = None):
        self.upload_dir = upload_dir
        self.local_roots = [os.path.realpath(r) for r in local_roots]
        self.downloader = downloader

    def find(self, url) -> Located:
        if not isinstance(url, str) or not url:
            return Located(problem="no file URL in the task data")
        if url.startswith(_REMOTE_PREFIXES) and "/data/" not in url and "/upload/" not in url:
            return self._download(url)   # the common case, without parsing the URL
        name = _plain_upload_name(url)
        if name is not None:
            return self._in_upload_dir(name)   # the other common case, also without parsing
        parts = urlsplit(url)
        upload_name = _upload_name(parts)
        if upload_name is not None:
            return self._in_upload_dir(upload_name)
        local = _local_file_path(parts)
        if local is not None:
            return self._local(local)
        if parts.scheme in REMOTE_SCHEMES:
            return self._download(url)
        if parts.scheme == "" and os.path.isabs(url):
            return self._local(url)
        return Located(problem="not a file the export can read")

    def _in_upload_dir(self, name):
        if not self.upload_dir or not _one_segment(name):
            return Located(problem="not a valid upload name")
        path = os.path.join(self.upload_dir, name)
        if not os.path.isfile(path):
            return Located(problem="uploaded file is missing from upload/")
        return Located(path)

    def _local(self, path):
        real = os.path.realpath(path)
        if not any(_inside(real, root) for root in self.local_roots):
            return Located(problem="local file outside the folders the project may read "
                                   "(allow_serving_local_files, local_files_root)")
        if not os.path.isfile(real):
            return Located(problem="local file not found")
        return Located(real)

    def _download(self, url):
        if self.downloader is None:
            return Located(problem=NOT_DOWNLOADED)
        path, problem = self.downloader.fetch(url)
        return Located(path, temporary=True) if path else Located(problem=problem)


def _plain_upload_name(url):
    """<name> of /data/upload/<name> when no query, fragment or escape makes it more."""
    for prefix in UPLOAD_PREFIXES:
        if url.startswith(prefix):
            name = url[len(prefix):]
            return None if _URL_SYNTAX.intersection(name) else name
    return None


def _upload_name(parts):
    if parts.scheme not in ("", *REMOTE_SCHEMES):
        return None
    for prefix in UPLOAD_PREFIXES:
        if parts.path.startswith(prefix):
            return unquote(parts.path[len(prefix):])
    return None


def _local_file_path(parts):
    """<dir>/<file> of a /data/<file>?d=<dir> URL (relative, or absolute from 0.8 tasks)."""
    if parts.scheme not in ("", *REMOTE_SCHEMES) or not parts.path.startswith(LOCAL_PREFIX):
        return None
    folders = parse_qs(parts.query).get("d")
    name = unquote(parts.path[len(LOCAL_PREFIX):])
    if not folders or not os.path.isabs(folders[0]) or not _one_segment(name):
        return None
    return os.path.join(folders[0], name)


def _one_segment(name):
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0")


def _inside(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)

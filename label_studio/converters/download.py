"""Downloading remote media for an export, within the export's time budget.

The fetching itself (which hosts are allowed, TLS, redirects, size) is the caller's
`fetch(url, seconds) -> bytes`, which raises DownloadError with the reason it failed.
"""
import os
import tempfile
import time
from urllib.parse import urlsplit

REMOTE_SCHEMES = ("http", "https")
TOTAL_SECONDS = 120.0


class DownloadError(Exception):
    pass


class Downloader:
    def __init__(self, folder, fetch, total_seconds=TOTAL_SECONDS):
        self.folder = folder
        self._fetch = fetch
        self.deadline = time.monotonic() + total_seconds

    def fetch(self, url):
        """(path of a temp file, None) or (None, why not). The caller deletes the file."""
        if urlsplit(url).scheme not in REMOTE_SCHEMES:
            return None, "not an http(s) URL"
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return None, "not downloaded: the export's download time limit was reached"
        try:
            data = self._fetch(url, remaining)
        except DownloadError as exc:
            return None, str(exc)
        fd, path = tempfile.mkstemp(dir=self.folder, prefix="download-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return path, None

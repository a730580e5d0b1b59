"""Presigned URLs in the task data of answers: `s3://`, `gs://` and `azure-blob://` URIs of
a bucket the project's storages can sign for become HTTPS URLs a browser can load, whole values
and inside strings (HTML) alike. Stored data is never changed; a URI that cannot be signed is
left as it is."""
import re
import threading
import time

from .base import StorageError, StorageUnavailable

URI = re.compile(r"\b(s3|gs|azure-blob)://([^/\s\"'<>]+)/([^\s\"'<>]+)")
DEFAULT_TTL = 3600
MAX_CACHED = 100_000


class Signer:
    """Signs with the clients given (source first); a signed URL is reused for half its TTL."""

    def __init__(self, clients, ttl=DEFAULT_TTL):
        self.ttl = ttl
        self._clients = {}
        for client in clients:
            if client is not None and client.can_sign:
                self._clients.setdefault((client.scheme, client.path), client)
        self._cache = {}
        self._lock = threading.Lock()

    def __bool__(self):
        return bool(self._clients)

    def task(self, task):
        """The task with its data's URIs signed (a copy when anything changed)."""
        data = task.get("data")
        if not self._clients or not isinstance(data, dict):
            return task
        signed = {key: self._value(value) for key, value in data.items()}
        if signed == data:
            return task
        return {**task, "data": signed}

    def _value(self, value):
        if isinstance(value, str) and "://" in value:
            return URI.sub(self._replace, value)
        return value

    def _replace(self, match):
        client = self._clients.get((match.group(1), match.group(2)))
        if client is None:
            return match.group(0)
        return self._signed(client, match.group(0), match.group(3))

    def _signed(self, client, uri, key):
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(uri)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            url = client.sign(key, self.ttl)
        except (StorageError, StorageUnavailable):
            return uri
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[uri] = (url, now + self.ttl / 2)
        return url

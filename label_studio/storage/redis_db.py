"""A Redis database as a source (`redis`) and a target (`redis-completions`), with redis-py
(the `[redis]` extra). Values are JSON at keys `<path>/<id>`.

Params: `host` (default localhost), `port` (default 6379), `password` (optional) and `db`
(the form gives 1 for the source and 2 for the target; 0 is refused, as legacy did). Redis
values carry no version, and there is no signing.
"""
import re

from .base import Client, ObjectInfo, StorageError, StorageUnavailable, lazy_sdk
from .forms import INTEGER, STRING, Field, StorageType

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 6379
DEFAULT_DB = 1
BATCH = 1000          # keys per MGET and the COUNT hint of each SCAN step
GLOB = re.compile(r"([*?\[\]\\])")


@lazy_sdk("redis", "redis", "redis")
def _sdk():
    import redis
    import redis.backoff
    import redis.retry
    return redis


class RedisClient(Client):
    scheme = ""
    can_sign = False

    def __init__(self, path, params):
        redis = _sdk()
        super().__init__(path, params)
        self.host = params.get("host") or DEFAULT_HOST
        self.port = _port(params.get("port"))
        self.db = _db(params.get("db"))
        self._password = params.get("password") or None
        # a command on a pooled connection that broke unseen is retried once on a new one
        retry = redis.retry.Retry(redis.backoff.ExponentialBackoff(cap=0.5, base=0.1), 1,
                                  supported_errors=(redis.ConnectionError,))
        self._redis = redis.Redis(
            host=self.host, port=self.port, db=self.db, password=self._password,
            socket_connect_timeout=3, socket_timeout=10, retry=retry,
            # keys that are not UTF-8 still round-trip through str
            encoding_errors="surrogateescape")

    @property
    def location(self):
        where = f"redis://{self.host}:{self.port}/{self.db}"
        return f"{where}/{self.path}" if self.path else where

    def uri(self, key):
        return f"redis://{self.host}:{self.port}/{self.db}/{self._key(key)}"

    def _key(self, name):
        # legacy appends "/" to the path as it is, so keys written by legacy are found
        return f"{self.path}/{name}" if self.path else str(name)

    def _name(self, key):
        key = key.decode("utf-8", "surrogateescape")
        return key[len(self.path) + 1:] if self.path else key

    def _call(self, what, method, *args, **kwargs):
        redis = _sdk()
        try:
            return method(*args, **kwargs)
        except (redis.AuthenticationError, redis.ResponseError) as exc:
            raise StorageError(self._message(what, exc)) from None
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StorageUnavailable(self._message(what, exc, "the server did not answer, "))\
                from None
        except redis.RedisError as exc:
            raise StorageError(self._message(what, exc)) from None

    def _message(self, what, exc, reason=""):
        text = f"{self.location}: {what} failed ({reason}{type(exc).__name__}: {exc})"
        return text.replace(self._password, "***") if self._password else text

    def check(self):
        self._call("connecting", self._redis.ping)

    def list(self, prefix, after=None):
        pattern = _escape_glob(self._key(prefix or "")) + "*"
        # SCAN may return a key twice while Redis rehashes
        seen = set()
        cursor = 0
        while True:
            cursor, keys = self._call("listing", self._redis.scan, cursor, match=pattern,
                                      count=BATCH)
            for key in keys:
                if key not in seen:
                    seen.add(key)
                    yield ObjectInfo(self._name(key))
            if not cursor:
                return

    def read(self, key):
        return self._call(f'reading "{key}"', self._redis.get, self._key(key))

    def read_many(self, keys):
        keys = list(keys)
        found = {}
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            values = self._call("reading", self._redis.mget, [self._key(k) for k in batch])
            found.update((k, v) for k, v in zip(batch, values) if v is not None)
        return found

    def write(self, key, data):
        self._call(f'writing "{key}"', self._redis.set, self._key(key), data)

    def delete(self, key):
        self._call(f'deleting "{key}"', self._redis.delete, self._key(key))

    def close(self):
        self._redis.close()


def _escape_glob(text):
    return GLOB.sub(r"\\\1", text)


def _whole_number(value, default, what):
    """`value` (an int or a numeric string) as an int, `default` when empty."""
    if value is None or value == "":
        return default
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise StorageError(f'Redis {what} "{value}" is not a number')
    return int(text)


def _port(value):
    port = _whole_number(value, DEFAULT_PORT, "port")
    if not 0 < port < 65536:
        raise StorageError(f'Redis port "{value}" is out of range')
    return port


def _db(value):
    db = _whole_number(value, DEFAULT_DB, "database")
    if db == 0:
        raise StorageError("Redis database 0 is not allowed: choose another db number")
    return db


FIELDS = (
    Field("path", STRING, "Storage prefix (optional)"),
    Field("host", STRING, "Server Host IP (optional)"),
    Field("port", STRING, "Server Port (optional)"),
    Field("password", STRING, "Server Password (optional)"),
)
SOURCE = StorageType("redis", "source", "Redis database connection", FIELDS + (Field(
    "db", INTEGER, "Server Database (Must be different from Completions storage!)", 1),),
    client=RedisClient)
TARGET = StorageType("redis-completions", "target", "Redis Completions Storage", FIELDS + (Field(
    "db", INTEGER, "Server Database (Must be different from Task storage!)", 2),),
    client=RedisClient)

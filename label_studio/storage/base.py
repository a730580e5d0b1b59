"""What every bucket-like storage offers (S3, GCS, Azure Blob, Redis), and the errors it raises.

A Client speaks to one bucket, container or Redis database by object key and knows nothing of
tasks or completions: remote_source.py and remote_target.py turn keys into task ids. Each type
lives in its own module (s3.py, gcs.py, azure_blob.py, redis_db.py) with its settings form;
its SDK is an optional extra, imported only when a storage of that type is opened.
"""
import functools
from dataclasses import dataclass
from typing import Iterator

from ..errors import LabelStudioError, ValidationError


class StorageError(LabelStudioError):
    """The storage refused: missing bucket, bad credentials, an operation it cannot do."""

    status = 400


class StorageUnavailable(LabelStudioError):
    """The storage server did not answer (down, unreachable, timed out)."""

    status = 503


class MissingExtra(ValidationError):
    """The SDK of a storage type is not installed."""


def require_sdk(module, storage_type, extra, package):
    """Raises MissingExtra naming the pip extra when `module` (the SDK import) is None."""
    if module is None:
        raise MissingExtra(f'storage type "{storage_type}" needs the {package} package, which is '
                           f"not installed: pip install 'label-studio-legacy[{extra}]'")


def lazy_sdk(storage_type, extra, package):
    """Decorates the function importing a storage type's SDK (and returning what the module
    uses of it) so that it runs once, on the first call, instead of at server start: the SDKs
    take ~0.6 s and tens of MB to import, and most projects use none. The call raises
    MissingExtra when the SDK is not installed."""
    def decorate(load):
        @functools.cache
        def imported():
            try:
                return load()
            except ImportError:
                return None

        @functools.wraps(load)
        def sdk():
            found = imported()
            require_sdk(found, storage_type, extra, package)
            return found
        return sdk
    return decorate


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    version: str = ""  # an etag or generation: changes when the object does


class Client:
    """One bucket (or container, or Redis database) by object key."""

    scheme = ""             # URI scheme of its objects in task data ("s3", "gs", "azure-blob")
    can_sign = False        # gives presigned HTTPS URLs for its objects
    can_list_after = False  # list(after=key) lists only the keys after `key`

    def __init__(self, path, params):
        self.path = path
        self.params = params

    @property
    def location(self):
        """Where it is, for messages: never holds a secret."""
        return f"{self.scheme}://{self.path}" if self.scheme else str(self.path)

    def uri(self, key):
        return f"{self.scheme}://{self.path}/{key}"

    def check(self):
        """Raises StorageUnavailable or StorageError when the bucket cannot be used."""
        raise NotImplementedError

    def list(self, prefix, after=None) -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, at any depth; with `after` (when
        can_list_after), only those whose key sorts after it."""
        raise NotImplementedError

    def read(self, key):
        """The object's bytes, or None when it does not exist."""
        raise NotImplementedError

    def read_many(self, keys):
        """{key: bytes} of the keys that exist."""
        found = {}
        for key in keys:
            data = self.read(key)
            if data is not None:
                found[key] = data
        return found

    def write(self, key, data: bytes):
        raise NotImplementedError

    def delete(self, key):
        """Removes the object; a missing one is no error."""
        raise NotImplementedError

    def sign(self, key, ttl):
        """A URL a browser can GET the object with for `ttl` seconds."""
        raise StorageError(f"{self.location} gives no signed URLs")

    def close(self):
        pass


class Storage:
    """A project's source or target, by task id: what legacy's storages offered.

    tasks_json and completions_dir implement it over the project folder; remote_source and
    remote_target over a Client. ProjectState keeps its own fast paths over the local ones
    (tasks in memory, record summaries), so this interface costs them nothing. The flags say
    what a storage really can do; what it cannot raises StorageError (400).
    """

    readable_path = ""
    remote = False
    can_import = False   # set / set_many of tasks (a source), of records (a target)
    can_delete = False   # remove / remove_all

    def ids(self):
        """The task ids it holds, ascending."""
        raise NotImplementedError

    def get(self, task_id):
        """The task (or completions record) of `task_id`, or None."""
        raise NotImplementedError

    def set(self, task_id, value):
        self.set_many({task_id: value})

    def set_many(self, values):
        raise StorageError(f"Import is not supported for storage {self.type_name}")

    def remove(self, task_id):
        raise StorageError(f"Deleting is not supported for storage {self.type_name}")

    def remove_all(self):
        raise StorageError(f"Deleting is not supported for storage {self.type_name}")

    def sync(self):
        """Notices what changed elsewhere; local storages see it on every call anyway."""

    type_name = ""


def join_key(prefix, name):
    """`<prefix>/<name>`, or `<name>` without a prefix; slashes around the prefix are trimmed."""
    prefix = (prefix or "").strip("/")
    return f"{prefix}/{name}" if prefix else str(name)


def list_prefix(prefix):
    """The listing prefix for a folder-like `prefix`: "imgs" and "imgs/" both give "imgs/"."""
    prefix = (prefix or "").strip("/")
    return f"{prefix}/" if prefix else ""

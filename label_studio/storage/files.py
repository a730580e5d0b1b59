"""The one way to write a project file, the project lock, and cheap change detection.

Writes go to a temporary file in the same folder, are fsynced and then renamed over the
target, so a reader or a crash never sees half a file. Writers of one project, in this
process and in others (a CLI import beside a running server), are serialized by a lock file.
"""
import itertools
import os
import threading
import time
from contextlib import contextmanager

try:
    import fcntl
    filelock = None  # flock locks the file; filelock is imported only where fcntl is missing
except ImportError:  # Windows: filelock locks the file
    fcntl = None
    import filelock

from .. import jsonio
from ..errors import LabelStudioError

LOCK_NAME = ".ls.lock"
STATE_NAME = ".ls-state.json"
TEMP_MARK = ".ls-tmp-"
SPARE_MARK = f"{TEMP_MARK}spare."  # SpareFiles
LOCK_TIMEOUT = 60.0


class ProjectBusy(LabelStudioError):
    status = 503


def stamp(path):
    """What identifies a file version without reading it: (inode, mtime, size), or None."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def fsync_path(path):
    """fsync a file or a folder by name (a folder, after a rename or create inside it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_with(path, fill, durable, sync_folder=True, sync_data=True, temp=None):
    """Fills a temp file beside `path` with fill(fd), fsyncs it and renames it over `path`;
    then fsyncs the folder, so the rename survives a power cut. With sync_folder=False or
    sync_data=False the caller fsyncs the folder or the file itself, before it tells anyone
    the write is done; with sync_data=False the file stays open for that: its descriptor is
    returned, and the caller closes it. `temp`: (path, descriptor) of an empty temp file made
    ahead (SpareFiles) to use instead of a new one; it is removed if the write fails."""
    folder, name = os.path.split(path)
    if temp is None:
        tmp = os.path.join(folder, f"{TEMP_MARK}{name}.{_temp_names.next()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    else:
        tmp, fd = temp
    try:
        fill(fd)
        if durable and sync_data:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        os.replace(tmp, path)
    except BaseException:
        os.close(fd)
        if temp is not None:
            _remove_quietly(tmp)
        raise
    if durable and sync_folder:
        fsync_path(folder or ".")
    if durable and not sync_data:
        return fd
    os.close(fd)
    return None


class _TempNames:
    """Suffixes unique among this process's temp files without drawing randomness (a system
    call) for each write in the project lock: a random part drawn once per process, then a
    count. O_EXCL guards against any clash."""

    def __init__(self):
        self.prefix = None
        self.counter = itertools.count()

    def next(self):
        if self.prefix is None:
            import secrets  # here: the summarizer children import this file, and write nothing
            self.prefix = secrets.token_hex(4)
        return f"{self.prefix}{next(self.counter):x}"

    def forget(self):
        self.prefix = None  # a forked child draws its own


_temp_names = _TempNames()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_temp_names.forget)


class SpareFiles:
    """Empty temp files made ahead in `folder`, for writes under the project lock to fill
    and rename into place (another folder of the same file system).

    Making a file costs the kernel an inode allocation: 20 us on a fresh ext4, 80-600 us
    measured where the file system is crowded (beside a completions/ of 200k records), when
    the allocator searches full block groups. A completion write makes the next one after
    it has released the lock, while it waits for its fsync, so writers queued for the lock
    do not wait for that too. Spares are used young: another process removes temp
    files an hour old (remove_stale_temp_files).
    """

    KEEP = 4  # as many as writers that queue for the lock
    MAX_AGE = 60.0

    def __init__(self, folder):
        self.folder = folder
        self._ready = []  # (path, descriptor, time.monotonic() when made); list ops are atomic

    def take(self):
        """(path, descriptor) of a spare, or None; the caller owns it from here on."""
        while True:
            try:
                path, fd, made = self._ready.pop(0)  # the oldest: none lingers unused
            except IndexError:
                return None
            if time.monotonic() - made < self.MAX_AGE:
                return path, fd
            _discard(path, fd)

    def make(self):
        """One more spare, unless KEEP are ready; quietly none when the folder refuses it."""
        if len(self._ready) >= self.KEEP:
            return
        path = os.path.join(self.folder, f"{SPARE_MARK}{_temp_names.next()}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError:
            return
        self._ready.append((path, fd, time.monotonic()))

    def drop(self):
        while (spare := self.take()) is not None:
            _discard(*spare)

    def disable(self):
        """No more spares (they cannot be renamed where the writes go)."""
        self.make = lambda: None
        self.drop()

    def __del__(self):
        try:
            self.drop()
        except Exception:  # at interpreter exit, or the folder gone
            pass


def _discard(path, fd):
    os.close(fd)
    _remove_quietly(path)


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:  # gone already; one left is removed as stale later
        pass


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def atomic_write(path, data: bytes, durable=True, sync_folder=True, sync_data=True, temp=None):
    """See _replace_with; returns the open descriptor when sync_data is False."""
    return _replace_with(path, lambda fd: _write_all(fd, data), durable, sync_folder,
                         sync_data, temp)


def atomic_write_chunks(path, chunks, durable=True):
    """atomic_write of the bytes `chunks` yields, never holding them all at once."""
    def fill(fd):
        for chunk in chunks:
            _write_all(fd, chunk)
    _replace_with(path, fill, durable)


def atomic_extend_object(path, more, durable=True):
    """A new version of the JSON object file at `path` with `more` ('"k":v,...', bytes or
    an iterable of bytes chunks) added at its end, written like atomic_write but copying the
    old bytes in the kernel instead of re-encoding them. Returns False (nothing written) when
    the file does not end in '}'."""
    try:
        src = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        size = os.fstat(src).st_size
        tail = os.pread(src, min(size, 4096), max(size - 4096, 0))
        end = tail.rstrip()
        if not end.endswith(b"}") or end.rstrip(b"}").rstrip().endswith(b"{"):
            return False  # not an object, or an empty one: no comma rule to guess
        keep = size - len(tail) + len(end) - 1

        def fill(fd):
            _copy_range(src, fd, keep)
            _write_all(fd, b",")
            for chunk in ([more] if isinstance(more, (bytes, memoryview)) else more):
                _write_all(fd, chunk)
            _write_all(fd, b"}")
        _replace_with(path, fill, durable)
    finally:
        os.close(src)
    return True


def _copy_range(src, dst, count):
    offset = 0
    while offset < count:
        try:
            copied = os.copy_file_range(src, dst, count - offset, offset)
        except (AttributeError, OSError):
            copied = os.write(dst, os.pread(src, min(count - offset, 1 << 20), offset))
        if copied <= 0:
            raise OSError(f"could not copy the old file ({offset} of {count} bytes)")
        offset += copied


def remove_file(path, durable=True):
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    if durable:
        fsync_path(os.path.dirname(path) or ".")
    return True


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def remove_stale_temp_files(folder, older_than=3600.0):
    """Temp files left by a crash; young ones may belong to a writer that is still running."""
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name.startswith(TEMP_MARK):
            remove_if_stale(entry, older_than, now)


def remove_if_stale(entry, older_than=3600.0, now=None):
    """Removes the temp file at os.DirEntry `entry` when it is older than `older_than` s;
    a young one may belong to a writer that is still running."""
    try:
        if (now or time.time()) - entry.stat().st_mtime > older_than:
            os.unlink(entry.path)
    except OSError:
        pass


class KeptDescriptor:
    """A file kept open in `_fd` (or None), closed with its owner."""
    _fd = None

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self):
        self.close()


class KeptFolder(KeptDescriptor):
    """A folder kept open for the fsyncs that make renames into it durable, shared between
    writers: two system calls fewer a completion write than opening it each time, and an
    fsync of it counts for every rename made before it began. Closed only with its owner.

    Without a file system journal (ext4 as this project's machines mount it) each fsync of
    the folder writes its blocks and flushes the disk's cache on its own; with 4 clients
    posting completions, a writer's rename usually lands while another writer still waits
    for its record's fsync, so the folder's next fsync can count for both.
    """

    def __init__(self, path):
        self.path = path
        self._ino = None
        self._synced = threading.Condition()
        self._renames = 0      # writes that renamed into the folder, counted under the lock
        self._durable = 0      # of those, how many a finished fsync covers
        self._syncing = False

    def ticket(self, ino):
        """A number for sync() if the folder at the path is still the one with inode `ino`
        (from a stamp taken after this write's renames), else None: fsync that folder by
        name. Call under the project lock, after the renames."""
        if self._fd is None:
            try:
                fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except OSError:  # gone, or a system that cannot open folders
                return None
            self._ino = os.fstat(fd).st_ino
            self._fd = fd
        if self._ino != ino:
            return None
        self._renames += 1
        return self._renames

    def sync(self, ticket):
        """Returns once an fsync of the folder that started after the renames of `ticket`
        has finished: this thread's, or one another writer had under way."""
        with self._synced:
            while self._durable < ticket:
                if self._syncing:
                    self._synced.wait()
                    continue
                self._syncing = True
                covered = self._renames  # every write counted so far renamed before this
                self._synced.release()
                try:
                    os.fsync(self._fd)
                finally:
                    self._synced.acquire()
                    self._syncing = False
                    self._synced.notify_all()
                self._durable = max(self._durable, covered)


class ProjectLock(KeptDescriptor):
    """Thread lock plus file lock: one writer per project across threads and processes.

    On POSIX the lock file stays open and is locked with flock (0.2 ms less a write than
    filelock, which opens the file at every acquire); elsewhere filelock does it.
    """

    def __init__(self, project_dir):
        self._thread_lock = threading.RLock()
        self._path = os.path.join(project_dir, LOCK_NAME)
        self._depth = 0
        self._fd = None
        self._file_lock = None if fcntl else filelock.FileLock(self._path, thread_local=False)

    @property
    def local(self):
        return self._thread_lock

    @contextmanager
    def exclusive(self):
        with self._thread_lock:
            if self._depth == 0:
                self._acquire()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _acquire(self):
        if self._file_lock is not None:
            try:
                self._file_lock.acquire(timeout=LOCK_TIMEOUT)
            except filelock.Timeout:
                raise ProjectBusy("The project is locked by another process; try again") from None
            return
        if self._fd is not None and os.fstat(self._fd).st_nlink == 0:
            self.close()  # the lock file was removed: lock the one others will open
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ProjectBusy("The project is locked by another process; try again") \
                        from None
                time.sleep(0.002)

    def _release(self):
        if self._file_lock is not None:
            self._file_lock.release()
        else:
            fcntl.flock(self._fd, fcntl.LOCK_UN)



class StateFile(KeptDescriptor):
    """Small hidden file with write generations and the last ids ever used.

    Every writer bumps a generation, so another process notices a change even when it
    falls within the file system's timestamp granularity. The last ids keep ids from being
    reused after deletions. It is read at every request: the file stays open.
    """

    def __init__(self, project_dir):
        self.path = os.path.join(project_dir, STATE_NAME)
        self._fd = None
        self._size = None  # the file's length as last read or written here; None: unknown

    def _open(self, create, check_removed=True):
        if check_removed and self._fd is not None and os.fstat(self._fd).st_nlink == 0:
            self.close()  # removed by hand: read (or make) the one at the path
        if self._fd is None:
            self._size = None
            try:
                self._fd = os.open(self.path, os.O_RDWR | (os.O_CREAT if create else 0), 0o644)
            except FileNotFoundError:
                return None
        return self._fd

    def read(self) -> dict:
        fd = self._open(create=False)
        raw = os.pread(fd, 1 << 16, 0) if fd is not None else b""
        self._size = len(raw) if fd is not None else None
        if not raw:
            return {}
        try:
            value = jsonio.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def write(self, state: dict):
        # Written in place, not renamed: it is rewritten on every change, and a reader that
        # catches it half written only sees a changed generation and re-checks the files.
        data = jsonio.dumps(state)
        # a writer read it under the same lock just before: that read found a removed file
        fd = self._open(create=True, check_removed=False)
        os.pwrite(fd, data, 0)
        if self._size is None or len(data) < self._size:  # else nothing is left to cut
            os.ftruncate(fd, len(data))
        self._size = len(data)


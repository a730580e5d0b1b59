"""Reading many small files from a cold disk in few device requests: Linux native AIO
(io_submit) of O_DIRECT reads, a batch of files per system call.

A cold read through the page cache is one device request per file: 200k completion records
were 200k requests, and on a virtual machine each costs a trap to the hypervisor (~40 us of
system CPU, 8-10 s for 200k, whatever the threads or read-ahead hints). Files written one
after another sit in consecutive blocks and carry consecutive inode numbers, so when the
files are taken in inode order and a batch of their reads is submitted at once, the block
layer merges them: the same 200k records took 4.5-6k requests, and 3.3-3.7 s instead of
7.0-8.2 s with 4 reader threads and read-ahead hints (5 s of CPU instead of 9.5-11). In the
folder's order, direct reads merge nothing and took 3.8 s: much of the gain is skipping the
page cache, and inode order adds the rest.

O_DIRECT skips the page cache, so this is for files that are not in it (record_files.py
probes first). Opening the files still reads their inodes. The submitting thread opens each
batch itself while the batches before it are read: with two threads opening ahead, 100k cold
records cost 1.9-2.0 s of CPU (a third of the system time was handing the interpreter lock
between the threads), opened inline 1.45-1.5 s, and took less time too, even with the
folder's blocks not yet read by a listing (1.59-1.66 s against 1.76-1.91 s).

Anything out of the ordinary (a file too large for its slot, one that changed between fstat
and read, a file system without O_DIRECT, a failed request) is read the ordinary way
instead. Standard library only: summarizer children use it.

A direct read of a file whose pages wait to be written makes the kernel write them first, one
file at a time: a first open of 200k records written just before took 6.6-34 s, and 3.4-3.9 s
read through the page cache, where those pages are. So while the kernel holds pages to write
(/proc/meminfo), files changed in the last minutes (ctime) are read the ordinary way.
"""
import ctypes
import mmap
import os
import platform
import resource
import struct
import sys
import time
from itertools import islice

# io_setup, io_destroy, io_getevents, io_submit
_SYSCALLS = {"x86_64": (206, 207, 208, 209), "aarch64": (0, 1, 4, 2)}
SLOT = 16384        # bytes read per file at most; a larger file is read the ordinary way
BATCH = 64          # files per io_submit
IN_FLIGHT = 3       # batches submitted and not yet taken
_IOCB = struct.Struct("<QIIHhIQQqQII")
_EVENT = struct.Struct("<QQqq")
_FD_OFFSET = 20     # of aio_fildes in struct iocb
_FD_AND_LENGTH = struct.Struct("<IQQ")  # aio_fildes, aio_buf (kept), aio_nbytes
BLOCK = 4096
MEMINFO = "/proc/meminfo"
UNWRITTEN_LIMIT = 4 << 20  # bytes of pages to write below which no file is suspected
RECENT_SECONDS = 600       # changed since: pages may still be waiting, or are in the cache


def available():
    return (sys.platform == "linux" and sys.byteorder == "little"
            and platform.machine() in _SYSCALLS and hasattr(os, "O_DIRECT"))


def read_all(paths, read_ordinary, samples=None):
    """(bytes, stamp) or None per path, in order, as `read_ordinary(path)` gives them; None
    (nothing read) when this kind of reading cannot be had here. `paths`: a list, or any
    iterable, taken a batch at a time as the reading goes on (summarizer children take
    their records a chunk at a time: record_summarizer.py); then `samples` are a few paths
    of files beside them to try a direct read on (the first paths of a list, by default)."""
    samples = paths[:8] if samples is None else samples[:8]
    if not available() or not samples:
        return None
    try:
        batch = _batch_size()
        ring = _Ring(batch)
    except (OSError, ValueError, AttributeError):
        return None
    if not _works(ring, samples):
        ring.close()
        return None
    return _read(paths, read_ordinary, ring, batch, _changed_lately_after())


def unwritten_bytes():
    """Bytes of dirty pages and pages under writeback in the whole system (0 when unknown)."""
    total = 0
    try:
        with open(MEMINFO, "rb") as f:
            for line in f:
                if line.startswith((b"Dirty:", b"Writeback:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


def _changed_lately_after():
    """The ctime (ns) after which a file is read the ordinary way; None: no such files."""
    if unwritten_bytes() <= UNWRITTEN_LIMIT:
        return None
    return time.time_ns() - RECENT_SECONDS * 10 ** 9


def _works(ring, samples):
    """Whether one of the sample files reads directly, whole: the file system takes O_DIRECT
    opens (not all do) and the AIO calls are allowed (a sandbox may refuse them)."""
    for path in samples:
        try:
            fd = _open_direct(path)
        except FileNotFoundError:
            continue
        except OSError:  # EINVAL: no direct reads on this file system
            return False
        try:
            size = os.fstat(fd).st_size
            if size >= SLOT:
                continue
            return ring.submit(0, [(fd, size)]) == 1 and ring.reap(1) == [(0, size)]
        except OSError:
            return False
        finally:
            os.close(fd)
    return False


def _batch_size():
    """Files per batch such that the open files stay well under the descriptor limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    budget = 4096 if soft == resource.RLIM_INFINITY else soft // 4
    size = min(BATCH, budget // (IN_FLIGHT + 1))
    if size < 8:
        raise ValueError("too few file descriptors")
    return size


class _Ring:
    """An AIO context with IN_FLIGHT slots of `batch` iocbs and buffers."""

    def __init__(self, batch):
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.syscall.restype = ctypes.c_long
        self._setup, self._destroy, self._getevents, self._submit = \
            _SYSCALLS[platform.machine()]
        count = IN_FLIGHT * batch
        self.buffers = mmap.mmap(-1, SLOT * count)  # page aligned, as O_DIRECT wants
        base = self._base = ctypes.addressof(ctypes.c_char.from_buffer(self.buffers))
        self._iocbs = ctypes.create_string_buffer(_IOCB.size * count)
        iocb_base = ctypes.addressof(self._iocbs)
        for index in range(count):  # aio_data is the slot index; IOCB_CMD_PREAD is 0
            _IOCB.pack_into(self._iocbs, _IOCB.size * index, index, 0, 0, 0, 0, 0,
                            base + SLOT * index, SLOT, 0, 0, 0, 0)
        self._pointers = (ctypes.c_void_p * count)(
            *[iocb_base + _IOCB.size * index for index in range(count)])
        self._events = ctypes.create_string_buffer(_EVENT.size * count)
        self._context = ctypes.c_ulong(0)
        if self._libc.syscall(self._setup, count, ctypes.byref(self._context)) != 0:
            raise OSError(ctypes.get_errno(), "io_setup")

    def submit(self, first, files):
        """Submits reads of `files` ((fd, size) each) into slots first, first+1, ...; how
        many were taken."""
        pack, iocbs, step, base = _FD_AND_LENGTH.pack_into, self._iocbs, _IOCB.size, self._base
        for index, (fd, size) in enumerate(files, first):
            # whole blocks up to the end of the file: asking past it costs a walk of a hole
            pack(iocbs, step * index + _FD_OFFSET, fd, base + SLOT * index,
                 max(BLOCK, -(-size // BLOCK) * BLOCK))
        pointers = ctypes.byref(self._pointers, first * ctypes.sizeof(ctypes.c_void_p))
        taken = self._libc.syscall(self._submit, self._context, len(files), pointers)
        return max(taken, 0)

    def reap(self, at_least):
        """[(slot, result)] of at least `at_least` finished reads (result < 0: -errno)."""
        count = self._libc.syscall(self._getevents, self._context, at_least,
                                   len(self._pointers), self._events, None)
        if count < 0:
            if ctypes.get_errno() == 4:  # EINTR
                return []
            raise OSError(ctypes.get_errno(), "io_getevents")
        view = memoryview(self._events)[:_EVENT.size * count]
        return [(slot, result) for slot, _, result, _ in _EVENT.iter_unpack(view)]

    def close(self):
        # waits for the reads still under way, so the buffers may go after it
        self._libc.syscall(self._destroy, self._context)
        self.buffers.close()


class _ReadAlready:
    """What read_ordinary gave for a file read the ordinary way while its batch opened."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _open_batch(paths, read_ordinary, changed_lately_after=None):
    """Per path: (fd, stamp) opened for a direct read, or a _ReadAlready of a file read the
    ordinary way here: one gone, too large for its slot, on a file system without O_DIRECT,
    or changed after `changed_lately_after` (ctime, ns). The loop of a first open: 200k
    files, so the system calls are looked up once."""
    opened = []
    append, open_, fstat = opened.append, os.open, os.fstat
    for path in paths:
        try:  # no access time to write back for 200k inodes; only the owner may ask for that
            fd = open_(path, _DIRECT_NOATIME)
        except PermissionError:
            fd = _open_direct_plain(path)
        except OSError:
            fd = None
        st = None
        if fd is not None:
            try:
                st = fstat(fd)
            except OSError:
                pass
        if st is None or st.st_size >= SLOT or (
                changed_lately_after is not None and st.st_ctime_ns > changed_lately_after):
            if fd is not None:
                os.close(fd)
            append(_ReadAlready(read_ordinary(path)))
            continue
        append((fd, (st.st_ino, st.st_mtime_ns, st.st_size)))
    return opened


_DIRECT = os.O_RDONLY | getattr(os, "O_DIRECT", 0)
_DIRECT_NOATIME = _DIRECT | getattr(os, "O_NOATIME", 0)


def _open_direct(path):
    try:
        return os.open(path, _DIRECT_NOATIME)
    except PermissionError:
        return os.open(path, _DIRECT)


def _open_direct_plain(path):
    try:
        return os.open(path, _DIRECT)
    except OSError:
        return None


def _read(paths, read_ordinary, ring, batch, changed_lately_after):
    paths = iter(paths)
    batches = {}  # batch index -> its paths, until its results are given
    flight = []   # (batch index, slot base, opened, reads taken) in submission order
    done = {}     # slot -> read result
    index = 0
    try:
        while part := list(islice(paths, batch)):
            batches[index] = part
            # opened here, between the waits: opener threads cost more in handing the
            # interpreter lock back and forth than the opens block (see the docstring)
            opened = _open_batch(part, read_ordinary, changed_lately_after)
            base = (index % IN_FLIGHT) * batch
            files = [(entry[0], entry[1][2]) for entry in opened if entry.__class__ is tuple]
            try:
                taken = ring.submit(base, files) if files else 0
            except BaseException:
                _close_all(opened)
                raise
            flight.append((index, base, opened, taken))
            index += 1
            if len(flight) == IN_FLIGHT:
                yield from _finish(flight.pop(0), batches, ring, done, read_ordinary)
        while flight:
            yield from _finish(flight.pop(0), batches, ring, done, read_ordinary)
    except _RingBroken as broken:
        # no word on the reads under way: this batch and every later one the ordinary way
        for later in range(broken.index, index):
            yield from map(read_ordinary, batches.pop(later))
        yield from map(read_ordinary, paths)
    finally:
        for _, _, opened, _ in flight:
            _close_all(opened)
        ring.close()


def _finish(entry, batches, ring, done, read_ordinary):
    """The results of one submitted batch, in its paths' order."""
    index, base, opened, taken = entry
    end = base + taken
    try:
        missing = sum(1 for slot in range(base, end) if slot not in done)
        while missing:
            for slot, result in ring.reap(1):
                done[slot] = result
                missing -= base <= slot < end
    except OSError:
        raise _RingBroken(index) from None
    finally:
        _close_all(opened)
    results = []
    slot = base
    for path, opened_one in zip(batches.pop(index), opened):
        if opened_one.__class__ is _ReadAlready:
            results.append(opened_one.value)
            continue
        stamp = opened_one[1]
        got = done.pop(slot, None) if slot < base + taken else None
        slot += 1
        if got == stamp[2]:  # all of it, as large as fstat said
            start = (slot - 1) * SLOT
            results.append((ring.buffers[start:start + got], stamp))
        else:  # failed, or the file changed meanwhile: read it the ordinary way
            results.append(read_ordinary(path))
    return results


class _RingBroken(Exception):
    def __init__(self, index):
        super().__init__(index)
        self.index = index  # of the first batch not given to the caller


def _close_all(opened):
    for entry in opened:
        if entry.__class__ is tuple:
            try:
                os.close(entry[0])
            except OSError:
                pass

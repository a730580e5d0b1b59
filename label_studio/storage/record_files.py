"""Reading many small completion record files fast: raw system calls, and threads only
when the files come from the disk. Standard library only: the summarizer children
(record_summarizer.py) read with it too."""
import os
import threading
import time
from itertools import chain, islice

READ_PROBE = 256
SLOW_READ_SECONDS = 40e-6  # a read from the page cache takes about 8 us, from a disk 100+
READ_THREADS = 4
READ_CHUNK = 128
ADVISE_AHEAD = 256  # chunks: 32k files, 128 MB of pages at most
_END = object()


def read_with_stamp(path):
    """(bytes, stamp) of a small file with raw system calls: a record is read per task in
    listings and exports, and io.open's buffered objects cost more than the read itself."""
    fd = os.open(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        data = os.read(fd, st.st_size + 1)
        if len(data) > st.st_size:  # it grew since fstat (an edit in place): read the rest
            chunks = [data]
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data, (st.st_ino, st.st_mtime_ns, st.st_size)
    finally:
        os.close(fd)


def read_or_none(path):
    try:
        return read_with_stamp(path)
    except OSError:
        return None


def _read_chunk(paths):
    return [read_or_none(path) for path in paths]


def read_all(paths, direct=True):
    """(bytes, stamp) or None per path, in order. When the first reads show the files come
    from the disk rather than the page cache, the rest are read directly, many to a device
    request (direct_reads.py: `direct`, for files read once, since it leaves them out of the
    cache), or by a few threads, a chunk each, so the waits on the device overlap; from the
    cache, threads would only contend for the interpreter lock. `paths` may be any
    iterable: it is taken as the reading goes on (but all at once by the threads)."""
    paths = iter(paths)
    started = time.perf_counter()
    probe = list(islice(paths, READ_PROBE))
    yield from _read_chunk(probe)
    following = next(paths, _END)
    if following is _END:
        return
    rest = chain((following,), paths)
    if time.perf_counter() - started < SLOW_READ_SECONDS * READ_PROBE:
        yield from map(read_or_none, rest)
        return
    reading = _read_directly(rest, probe) if direct else None
    yield from _read_in_threads(list(rest)) if reading is None else reading


def _read_directly(paths, samples):
    from . import direct_reads  # not above: record_reader.py imports this file as a script
    return direct_reads.read_all(paths, read_or_none, samples[-8:])


def _read_in_threads(paths):
    from concurrent.futures import ThreadPoolExecutor  # here: summarizer children read directly
    chunks = [paths[start:start + READ_CHUNK] for start in range(0, len(paths), READ_CHUNK)]
    ahead = 2 * READ_THREADS  # chunks read ahead: bounds the bytes held at once
    advising = hasattr(os, "posix_fadvise")
    room = threading.Semaphore(ADVISE_AHEAD)  # chunks the advisor may be ahead of the readers
    done = threading.Event()
    with ThreadPoolExecutor(READ_THREADS + advising, thread_name_prefix="completion-read") as pool:
        try:
            if advising:
                pool.submit(_advise, chunks[ahead:], room, done)
            pending = [pool.submit(_read_chunk, chunk) for chunk in chunks[:ahead]]
            for index in range(len(chunks)):
                yield from pending[index].result()
                pending[index] = None
                if index >= ahead:
                    room.release()
                if index + ahead < len(chunks):
                    pending.append(pool.submit(_read_chunk, chunks[index + ahead]))
        finally:
            done.set()  # the advisor stops too when the reading is given up


def _advise(chunks, room, done):
    """Asks the kernel to start reading the files of `chunks` (posix_fadvise WILLNEED) without
    waiting for them, at most ADVISE_AHEAD chunks ahead of the readers: the device gets many
    reads at once, and the readers find the pages there or on their way. A first open of
    1M tasks / 200k records from a cold cache took 8.4-8.8 s with the 4 reader threads alone,
    6.7-7.0 s with the advisor 256 chunks ahead (7.4-7.6 s at 16 or 64 chunks)."""
    for chunk in chunks:
        while not room.acquire(timeout=0.05):
            if done.is_set():
                return
        if done.is_set():
            return
        for path in chunk:
            read_ahead(path)


def read_ahead(path):
    """Asks the kernel to read the file into the page cache now, without waiting for it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except (OSError, AttributeError):
        pass
    finally:
        os.close(fd)

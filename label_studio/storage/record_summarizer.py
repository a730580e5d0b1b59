"""Child processes that read and summarize many completion records while the parent does
other work: the first open of a folder with nothing of ours beside it (200k records).

In one process that open read and summarized the records (3.2 s of CPU at 200k, 10 s
from a cold disk), then scanned tasks.json (2.5 s). Here the records are split between
CHILDREN processes, each reading its share (with threads when the disk is cold: a process
reads 11k cold files/s alone, 4 threads 24k/s, two processes of 4 threads 37k/s) and
summarizing it with the very code the parent uses (record_summary.py), while the parent
scans tasks.json. A share whose child failed is summarized by the parent, as before.

Measured at 1M tasks / 200k records (`python benchmarks/bench_core.py`): the first open went
from 13.8 to 7.6-9.3 s with a cold page cache, 5.8 to 3.7-4.1 s with a warm one. Cold, a
read through the page cache cost ~47 us of system CPU per file on the 2-core test machine;
the children now read the records directly, in inode order (direct_reads.py), and the
cold first open takes 4.8 s. What is left is CPU on both cores: opening 200k files (the
inodes and directory blocks, ~10 us each), the records' parsing, and the tasks.json scan.

A first open (no summaries at all) does not wait for the parent's listing of the folder
(0.3 s at 200k records, on the parent's core): start_listing() starts both children at
once; the first lists the folder (record_listing.py) and gives the second the listing
itself, through a pipe the parent made between them, while the parent reads tasks.json.
`label-studio start` starts them even before it loads the server's modules
(first_open.py). The two then share the records a chunk at a time (SHARE_CHUNK records,
contiguous in inode order) through a second pipe of chunk numbers, which the listing child
fills: each takes the next chunk as its reading needs more, so both end together however
the parent's work falls on their CPUs. With a static split (47 % to the listing child),
one had ended 0.3-0.5 s before the other in half the runs.

Protocol: a child reads one pickle on its stdin (written by the parent, or by the listing
child): (folder, task ids as int64 bytes or None, {task id: path} of the records not at
<folder>/<id>.json, the digest function as "module:qualname" or None, the child's place
among its siblings (0 or 1: the CPU it keeps to, see _keep_to_one_cpu), and how it gets its
records: None (all the ids given), (descriptor of the chunk pipe, chunk size) (the chunks of
the ids given that it takes from the pipe), or for a listing child (descriptor of the second
child's stdin, of the chunk pipe's write end, of its read end, MIN_RECORDS, SHARE_CHUNK).
With None for the ids the child lists the folder, writes the chunk numbers, then (folder,
all the ids, their paths elsewhere, the digest, 1, (chunk pipe, chunk size)) to the second
child, and takes chunks as the second does. The child answers one pickle when done: (the ids
it summarized as int64 bytes; int64 bytes, WIDTH values per id in that order: inode,
mtime_ns, size, count, cancelled, completed_at, max_id, digest number; {task id: why} of
broken records; [digest values]; the listing or None). The listing, from a listing child:
(all the ids in inode order, their paths elsewhere, {folder: stamp}). A record that is gone
or empty has NONE for its inode; NONE also stands for None. The parent reads every child's
answer as it comes (a selector over their pipes), and summarizes itself whatever no child
answered for.
"""
import atexit
import importlib
import os
import pickle
import struct
import sys
from array import array
from operator import itemgetter

from .record_reader import start_child, stop_child

CHILDREN = 2
MIN_RECORDS = 20_000  # below this, summarizing in the parent costs less than starting children
# a folder holding MIN_RECORDS names is this many times as large or more (ext4: ~29 bytes a
# name at 200k records; tmpfs counts 20)
FOLDER_BYTES_PER_NAME = 20
WIDTH = 8
SHARE_CHUNK = 2048  # records a child takes at a time (~30 ms of reading and summarizing)
MAX_CHUNKS = 8192   # their numbers fit the chunk pipe at once (4 bytes each)
_CHUNK_NUMBER = struct.Struct("<I")
PIPE_READ = 1 << 20
NONE = -(1 << 63)  # column_map.NONE, without importing numpy here
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the child imports from where the parent does (-I: no current folder, no environment; -S: no
# site, whose .pth files cost ~25 ms a start: the parent gives its sys.path)
_CHILD_CODE = ("import sys; sys.path[:] = sys.argv[1:]; "
               "from label_studio.storage.record_summarizer import main; main()")


def start(folder, task_ids, elsewhere, digest):
    """Summarizers for the records of `task_ids` (a list), or None when they are too few,
    the digest cannot be named for a child, or no child can be started."""
    if len(task_ids) < MIN_RECORDS or not sys.executable:
        return None
    digest_name = _name_of(digest)
    if digest_name is False:
        return None
    size = -(-len(task_ids) // CHILDREN)
    shares = [task_ids[at:at + size] for at in range(0, len(task_ids), size)]
    children = []
    for place, share in enumerate(shares):
        mine = {task_id: elsewhere[task_id] for task_id in share if task_id in elsewhere} \
            if elsewhere else {}
        children.append(_start_child((folder, array("q", share).tobytes(), mine, digest_name,
                                      place, None)))
    return Summarizers(shares, children)


def start_listing(folder, digest):
    """Summarizers that list `folder` themselves (a first open: see above), or None when the
    folder looks small, the digest cannot be named for a child, or no child can be started.
    Their results() give the listing too."""
    digest_name = _name_of(digest)
    return None if digest_name is False else _start_listing(folder, digest_name)


def start_early(folder, digest_name):
    """start_listing() for a project about to be opened, before the modules of the project
    and of the server load (first_open.py); the open takes them over with claim(). Unclaimed
    children are stopped at exit."""
    listing = _start_listing(folder, digest_name)
    if listing is not None:
        _early[os.path.realpath(folder)] = (digest_name, listing)
        atexit.register(listing.close)


def claim(folder, digest):
    """The summarizers start_early() started for `folder` with this digest, or None (ones
    started with another digest are stopped)."""
    found = _early.pop(os.path.realpath(folder), None)
    if found is None:
        return None
    digest_name, listing = found
    if digest_name != _name_of(digest):
        listing.close()
        return None
    return listing


_early = {}  # folder -> (digest name, Listing)


def _start_listing(folder, digest_name):
    try:
        if os.stat(folder).st_size < MIN_RECORDS * FOLDER_BYTES_PER_NAME or not sys.executable:
            return None
    except OSError:
        return None
    read_end, write_end = os.pipe()
    chunks_read, chunks_write = os.pipe()
    try:
        second = _start_child(None, stdin=read_end, pass_fds=(chunks_read,))
        first = _start_child(
            (folder, None, {}, digest_name, 0, (write_end, chunks_write, chunks_read,
                                                 MIN_RECORDS, SHARE_CHUNK)),
            pass_fds=(write_end, chunks_write, chunks_read))
    finally:  # the children hold the ends they use: a pipe ends when they are done with it
        for end in (read_end, write_end, chunks_read, chunks_write):
            os.close(end)
    if first is None:
        if second is not None:
            stop_child(second)
        return None
    return Listing([first, second])


def _name_of(digest):
    """"module:qualname" of a function a child can import; None for no digest, False when
    there is none to give."""
    if digest is None:
        return None
    name = f"{getattr(digest, '__module__', '')}:{getattr(digest, '__qualname__', '')}"
    try:
        return name if _resolve(name) is digest else False
    except (ImportError, AttributeError, ValueError):
        return False


def _resolve(name):
    if name is None:
        return None
    module, _, qualname = name.partition(":")
    found = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _start_child(request, stdin=None, pass_fds=()):
    paths = [_PACKAGE_ROOT] + [path for path in sys.path if path]
    return start_child([sys.executable, "-I", "-S", "-c", _CHILD_CODE, *paths], request,
                       widen=True, stdin=stdin, pass_fds=pass_fds)


class Summarizers:
    def __init__(self, shares, children):
        self.shares = shares        # the task ids each child was given
        self._children = children   # a Popen, or None where it could not start

    def results(self):
        """Per share: (values as int64 bytes, broken, digests) from its child, or None when
        the child failed (the caller summarizes that share itself)."""
        answers = _answers(self._children)
        self._children = [None] * len(self._children)
        return [None if found is None or found[0] != array("q", share).tobytes() else found[1:4]
                for found, share in zip(answers, self.shares)]

    def close(self):
        """Stops children whose results were not taken."""
        for child in self._children:
            if child is not None:
                stop_child(child)
        self._children = [None] * len(self._children)


class Listing(Summarizers):
    """The two children of start_listing()."""

    def __init__(self, children):
        super().__init__([], children)

    def results(self):
        """(listing, [(ids, (values, broken, digests))] per child that answered); listing
        is None when the listing child failed (the caller lists and summarizes everything
        itself), else (ids in inode order as an int64 array, {task id: path} elsewhere,
        {folder: stamp}). The ids of each answer are an int64 array of those it summarized;
        ids no child answered for are the caller's to summarize."""
        found = _answers(self._children)
        self._children = [None, None]
        if found[0] is None or found[0][4] is None:
            return None, []
        import numpy as np  # here: the children import this file with the standard library
        ids, elsewhere, folders = found[0][4]
        return (np.frombuffer(ids, dtype=np.int64), elsewhere, folders), \
            [(np.frombuffer(answer[0], dtype=np.int64), answer[1:4])
             for answer in found if answer is not None]


def _answers(children):
    """What each child answered: (ids, values as int64 bytes, broken, digests, listing), or None
    where it failed. The children's pipes are read together, each as it is written: the
    first to finish is not kept waiting on a full pipe until the others are done."""
    raws = _read_together([child for child in children if child is not None])
    found = []
    for child in children:
        if child is None:
            found.append(None)
            continue
        answer = None
        try:
            if child.wait() == 0 and raws[child]:
                answer = pickle.loads(raws[child])
        except (OSError, ValueError, TypeError, EOFError, pickle.UnpicklingError):
            pass
        finally:
            stop_child(child)
        ok = (isinstance(answer, tuple) and len(answer) == 5 and isinstance(answer[0], bytes)
              and isinstance(answer[1], bytes)
              and len(answer[1]) == len(answer[0]) * WIDTH)  # 8 bytes an id, WIDTH of 8 a row
        found.append(answer if ok else None)
    return found


def _read_together(children):
    """{child: all its stdout}, read from every child at once until each closes it."""
    import selectors
    chunks = {child: [] for child in children}
    with selectors.DefaultSelector() as selector:
        for child in children:
            selector.register(child.stdout.fileno(), selectors.EVENT_READ, child)
        while selector.get_map():
            for key, _ in selector.select():
                try:
                    data = os.read(key.fd, PIPE_READ)
                except OSError:
                    data = b""
                if data:
                    chunks[key.data].append(data)
                else:
                    selector.unregister(key.fd)
    return {child: b"".join(parts) for child, parts in chunks.items()}


# ---------------------------------------------------------------- the child

def summarize_all(folder, task_ids, elsewhere, digest):
    """(the ids summarized, their values, broken, digests) of `task_ids`, any iterable of
    ids: it is taken as the reading goes on."""
    from .record_files import read_all
    from .record_summary import summarize_read
    values, broken, digests, numbers = array("q"), {}, [], {}
    name = ("%d.json" if folder == os.curdir else f"{folder}{os.sep}%d.json").__mod__
    taken = array("q")

    def paths():
        for task_id in task_ids:
            taken.append(task_id)
            yield (elsewhere.get(task_id) or name(task_id)) if elsewhere else name(task_id)
    for at, read in enumerate(read_all(paths())):  # `taken` grows ahead of the reads
        task_id = taken[at]
        summary = summarize_read(read, digest)
        if summary is None:
            values.extend((NONE,) * WIDTH)
            continue
        if summary.broken:
            broken[task_id] = summary.broken
        number = NONE
        if summary.digest is not None:
            number = numbers.get(summary.digest)
            if number is None:
                number = numbers[summary.digest] = len(digests)
                digests.append(summary.digest)
        values.extend((*summary.stamp, summary.count, summary.cancelled,
                       NONE if summary.completed_at is None else summary.completed_at,
                       summary.max_id, number))
    return taken, values, broken, digests


def chunks_taken(ids, pipe, size):
    """The ids of the chunks this child takes from the chunk pipe, one chunk at a time as
    the reading asks for more (the other child takes from the same pipe)."""
    while len(number := os.read(pipe, _CHUNK_NUMBER.size)) == _CHUNK_NUMBER.size:
        at = _CHUNK_NUMBER.unpack(number)[0] * size
        yield from ids[at:at + size]


def list_and_share(folder, peer, digest_name):
    """The listing child's first part: the folder's records in inode order, in chunks put
    in the chunk pipe, and the listing given to the other child through `peer`
    ((descriptor, chunk pipe write end, its read end, MIN_RECORDS, SHARE_CHUNK): fewer
    records than MIN_RECORDS are all kept). Returns (the ids this child takes, as an
    iterable; elsewhere; listing)."""
    peer, chunks_write, chunks_read, min_records, chunk = peer
    from .record_listing import list_records
    found, folders = list_records(folder)
    listed, places = list(found), list(found.values())
    inodes = list(map(itemgetter(1), places))
    ids = list(map(listed.__getitem__, sorted(range(len(listed)), key=inodes.__getitem__)))
    paths = list(map(itemgetter(0), places))
    elsewhere = ({task_id: path for task_id, path in zip(listed, paths) if path}
                 if any(paths) else {})
    listing = (array("q", ids).tobytes(), elsewhere, folders)
    mine = ids
    try:
        with os.fdopen(peer, "wb") as pipe:  # closed unwritten: too few to share
            if len(ids) >= min_records:
                size = max(chunk, -(-len(ids) // MAX_CHUNKS))
                # every number is in the chunk pipe before either child reads one
                os.write(chunks_write, b"".join(map(_CHUNK_NUMBER.pack,
                                                    range(-(-len(ids) // size)))))
                os.close(chunks_write)
                mine = chunks_taken(ids, chunks_read, size)
                pipe.write(pickle.dumps((folder, listing[0], elsewhere, digest_name, 1,
                                         (chunks_read, size)), pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # the other child is gone: this one takes every chunk it left
    return mine, elsewhere, listing


def _keep_to_one_cpu(index):
    """Each of two children on its own CPU: each then shares its CPU with the parent's work
    for about the same time, where the scheduler moved them about unevenly (one finished up
    to 0.17 s before the other). 1M tasks / 200k records, cold, 10 alternating runs each:
    3.10-3.31 s unpinned, 2.88-3.23 s pinned."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= 2:
            os.sched_setaffinity(0, {cpus[index % len(cpus)]})
    except (AttributeError, OSError):
        pass


def main():
    import gc
    gc.disable()  # a short life making no garbage cycles: the collections would be all cost
    folder, raw_ids, elsewhere, digest_name, place, how = pickle.loads(sys.stdin.buffer.read())
    _keep_to_one_cpu(place)
    listing = None
    if raw_ids is None:
        task_ids, elsewhere, listing = list_and_share(folder, how, digest_name)
    else:
        ids = array("q")
        ids.frombytes(raw_ids)
        task_ids = ids.tolist() if how is None else chunks_taken(ids.tolist(), *how)
    digest = _resolve(digest_name)
    elsewhere = {task_id: os.path.abspath(path) for task_id, path in elsewhere.items()}
    try:  # names relative to the folder: each open walks one path component, not all
        os.chdir(folder)
        folder = os.curdir
    except OSError:
        pass
    taken, values, broken, digests = summarize_all(folder, task_ids, elsewhere, digest)
    out = sys.stdout.buffer
    out.write(pickle.dumps((taken.tobytes(), values.tobytes(), broken, digests, listing),
                           pickle.HIGHEST_PROTOCOL))
    out.flush()
    # the parent waits for the end of the pipe and for the exit: skip the interpreter's
    # teardown of everything read (10-30 ms)
    os._exit(0)

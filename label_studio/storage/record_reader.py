"""RecordReader: a child process that reads many small record files ahead of the caller.

An export reads one completions record per completed task: at 200k tasks, open, fstat, read
and close cost ~1.1 s of system calls, on the core that also parses and converts. Threads
cannot take that share (each call must win the GIL back from the converting thread), so a
child Python process (this file run as a script: stdlib only, started in ~20 ms) reads the
files in the order given and streams back their bytes and stamps, on the second core. From a
cold disk it reads with threads (record_files.read_all), not directly: exports come in runs,
and the next one finds the records in the page cache.

The caller checks every stamp against what it knows (a record changed since is read again
by the caller); the reader only saves the reading, never decides what a record says.

Protocol: the parent sends one pickle on stdin and closes it: the records' folder, their
task ids as int64 bytes and {task id: path} for those not at <folder>/<id>.json; the child
answers, in the ids' order, chunks `count (8 bytes) | count x (length, inode, mtime_ns, size) int64 | the bytes`,
length -1 where a file could not be read.
"""
import os
import sys
from array import array
from itertools import islice

CHUNK = 256
PIPE_SIZE = 1 << 20
F_SETPIPE_SZ = 1031  # Linux
MIN_FILES = 2000     # below this a child costs more than it saves


def start(folder, task_ids, elsewhere):
    """A RecordReader streaming the records of `task_ids` (an array('q')), in that order;
    `elsewhere`: {task id: path} of the records not at <folder>/<id>.json. None when there
    are few or no child process can be started here."""
    if len(task_ids) < MIN_FILES or not sys.executable or not os.path.isfile(__file__):
        return None
    child = start_child([sys.executable, "-I", "-S", __file__],
                        (folder, task_ids.tobytes(), elsewhere), widen=True)
    return None if child is None else RecordReader(child, len(task_ids))


def start_child(argv, request, widen=False, stdin=None, pass_fds=()):
    """A child process started with `argv`, given the pickle of `request` on its stdin (then
    closed), its stdout a pipe (`widen`: a larger one); None when it cannot be started.
    With `stdin` (a descriptor) the child reads its request from there instead, written by
    someone else; `pass_fds` are descriptors the child keeps."""
    import pickle
    import subprocess  # here: the summarizer children import this file and start nothing
    from ..cpu_affinity import on_every_cpu  # here: this file also runs as the child's script
    try:
        with on_every_cpu():
            child = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is None else stdin,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     pass_fds=pass_fds)
    except OSError:
        return None
    if widen:
        _widen_pipe(child.stdout)
    if stdin is not None:
        return child
    _widen_pipe(child.stdin)  # the request fits: no wait here for the child to start reading
    try:
        child.stdin.write(pickle.dumps(request, pickle.HIGHEST_PROTOCOL))
        child.stdin.close()
    except OSError:
        stop_child(child)
        return None
    return child


def _widen_pipe(pipe):
    try:
        import fcntl
        fcntl.fcntl(pipe.fileno(), F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, OSError):
        pass


def stop_child(child):
    if child.poll() is None:
        child.kill()
    child.wait()
    for pipe in (child.stdin, child.stdout):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass


class RecordReader:
    def __init__(self, child, count):
        self._child = child
        self._left = count     # entries not yet received
        self._ready = []  # (bytes, stamp) or None received, not yet taken

    def take(self, count):
        """The next `count` entries: (bytes, (inode, mtime_ns, size)) each, None for a file
        that could not be read or when the child is gone (the caller reads those itself)."""
        ready = self._ready
        while len(ready) < count and self._receive():
            pass
        taken = ready[:count]
        del ready[:count]
        return taken + [None] * (count - len(taken))

    def _receive(self):
        if self._left <= 0 or self._child is None:
            return False
        stdout = self._child.stdout
        head = stdout.read(8)
        if len(head) < 8:
            self.close()
            return False
        count = int.from_bytes(head, "little")
        meta = array("q")
        raw_meta = stdout.read(32 * count)
        if len(raw_meta) < 32 * count:
            self.close()
            return False
        meta.frombytes(raw_meta)
        values = meta.tolist()
        total = sum(length for length in values[0::4] if length > 0)
        blob = stdout.read(total)
        if len(blob) < total:
            self.close()
            return False
        view = memoryview(blob)
        at = 0
        for index in range(0, 4 * count, 4):
            length = values[index]
            if length < 0:
                self._ready.append(None)
                continue
            self._ready.append((view[at:at + length], tuple(values[index + 1:index + 4])))
            at += length
        self._left -= count
        return True

    def close(self):
        if self._child is not None:
            stop_child(self._child)
            self._child = None
        self._left = 0


# ---------------------------------------------------------------- the child (stdlib only)

def _serve(folder, task_ids, elsewhere, out):
    # run as a script without the package (-I -S): its stdlib-only reader, by file
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from record_files import read_all
    paths = [elsewhere.get(task_id) or f"{folder}{os.sep}{task_id}.json" for task_id in task_ids]
    # from a cold disk, by threads into the page cache: a next export reads from there
    reads = read_all(paths, direct=False)
    for start_at in range(0, len(paths), CHUNK):
        meta = array("q")
        datas = []
        for read in islice(reads, CHUNK):
            if read is None:
                meta.extend((-1, 0, 0, 0))
                continue
            data, stamp = read
            meta.extend((len(data), *stamp))
            datas.append(data)
        out.write((len(meta) // 4).to_bytes(8, "little"))
        out.write(meta.tobytes())
        out.write(b"".join(datas))


def _main():
    import pickle
    folder, raw_ids, elsewhere = pickle.loads(sys.stdin.buffer.read())
    task_ids = array("q")
    task_ids.frombytes(raw_ids)
    out = sys.stdout.buffer
    try:
        _serve(folder, task_ids, elsewhere, out)
        out.flush()
    except (BrokenPipeError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    _main()

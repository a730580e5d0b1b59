"""ZipProcess: a ZipStream run by a child Python process, so that an export uses two cores.

The converting thread keeps the GIL busy; reading, checksumming and writing thousands of
image files, and deflating result.json, then run beside it in the child (zipstream.py run as
a script: stdlib only, started in about 20 ms) rather than taking turns on one core. The
parent sends batches of operations down a pipe, which blocks when the child lags, so the
work in flight stays small. The child's first error is raised by finish().
"""
import os
import pickle
import subprocess
import sys

from . import zipstream
from ..cpu_affinity import on_every_cpu

BATCH_WEIGHT = 1024 * 1024   # operations sent at a time: their bytes, or OP_WEIGHT each
OP_WEIGHT = 16 * 1024


class ZipWriterFailed(Exception):
    pass


def start(path, date_time, spool_dir, level):
    """A ZipProcess writing `path`, or None when no child process can be started here."""
    if not sys.executable or not os.path.isfile(zipstream.__file__):
        return None
    stamp = ",".join(str(part) for part in date_time[:6])
    try:
        with on_every_cpu():
            child = subprocess.Popen(
                [sys.executable, "-I", "-S", zipstream.__file__, path, spool_dir or "",
                 str(level), stamp],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    return ZipProcess(child)


class ZipProcess:
    def __init__(self, child):
        self._child = child
        self._batch = []
        self._weight = 0

    def do(self, op, *args, size=0):
        self._batch.append((op, args))
        self._weight += size or OP_WEIGHT
        if self._weight >= BATCH_WEIGHT:
            self._send()

    def _send(self):
        if not self._batch:
            return
        data = pickle.dumps(self._batch, pickle.HIGHEST_PROTOCOL)
        self._batch, self._weight = [], 0
        try:
            self._child.stdin.write(len(data).to_bytes(8, "little") + data)
        except BrokenPipeError:
            self._failed()

    def finish(self):
        """Waits for the child to write everything; raises what went wrong there."""
        self._send()
        try:
            self._child.stdin.close()
        except BrokenPipeError:
            pass
        answer = self._child.stdout.read()
        self._child.stdout.close()
        self._child.wait()
        problem = pickle.loads(answer) if answer else ("", None, None, None, "no answer")
        if problem is not None or self._child.returncode != 0:
            raise _error(problem or ("", None, None, None, f"exit {self._child.returncode}"))

    def _failed(self):
        self.finish()
        raise ZipWriterFailed("the zip writer stopped")   # finish() raised if it said why

    def abort(self):
        if self._child.poll() is None:
            self._child.kill()
        for pipe in (self._child.stdin, self._child.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        self._child.wait()


def _error(problem):
    kind, errno, strerror, filename, message = problem
    if errno is not None:
        return OSError(errno, strerror or message, filename)   # FileNotFoundError etc.
    return ZipWriterFailed(f"writing the zip failed: {kind} {message}".strip())

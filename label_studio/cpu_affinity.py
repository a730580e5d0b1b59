"""The server's request threads share one CPU; child processes run on any.

Python threads take turns at the GIL, and each request thread releases it at every system
call (about 30 for a completion POST). When the threads are spread over two CPUs, each turn
wakes a thread on the other CPU: an inter-processor interrupt and a context switch, which a
virtual machine pays dearly for. Kept on one CPU, a turn is a switch on the same CPU, and
the threads lose nothing they had: the GIL lets only one of them run Python at a time.
Measured with 4 clients posting completions to a 100k-task project on 2 cores, 9 runs each
way, alternating: 811 -> 956 req/s on average, server CPU per POST 1.2 -> 0.95 ms (vmstat
counted about 50 context switches per POST with the threads spread).

Child processes (the record readers and summarizers, the zip writer) do work of their own
and are started on every CPU the process may use. LABEL_STUDIO_ONE_CPU=0 turns this off.
"""
import os
from contextlib import contextmanager

ENV_SWITCH = "LABEL_STUDIO_ONE_CPU"

_process_cpus = None  # the CPUs the process may use, before any thread was kept to one


def _supported():
    return hasattr(os, "sched_getaffinity") and hasattr(os, "sched_setaffinity")


def _current_cpu():
    """The CPU this thread last ran on (Linux), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[36])  # field 39, "processor"; the split starts at field 3
    except (OSError, IndexError, ValueError):
        return None


def enabled():
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


@contextmanager
def threads_started_on_one_cpu():
    """Threads started inside this block (by this thread) run on one CPU: the one this
    thread is on. The calling thread is as before afterwards."""
    global _process_cpus
    if not (_supported() and enabled()):
        yield
        return
    before = os.sched_getaffinity(0)
    if len(before) < 2:
        yield
        return
    cpu = _current_cpu()
    if cpu not in before:
        cpu = min(before)
    if _process_cpus is None:
        _process_cpus = before
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@contextmanager
def on_every_cpu():
    """Processes started inside this block (by this thread) may run on every CPU the
    process could use before threads_started_on_one_cpu()."""
    if _process_cpus is None or not _supported():
        yield
        return
    before = os.sched_getaffinity(0)
    if before == _process_cpus:
        yield
        return
    try:
        os.sched_setaffinity(0, _process_cpus)
    except OSError:  # the CPUs allowed were narrowed from outside since
        yield
        return
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)

"""The server's request threads share one CPU and do not preempt each other; child
processes run on any CPU.

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

On that one CPU, the request threads run under SCHED_BATCH (threads_started_as_batch): a
thread the kernel wakes does not preempt the running one. A thread that releases the GIL for
a short system call (a stat, a rename) wakes a thread waiting for the GIL; under the default
policy the woken thread preempted it at once, took the GIL, and the first thread then waited
for the GIL to come back. Under SCHED_BATCH the first thread finishes its call, usually takes
the GIL again before the woken one runs, and runs on until it blocks. Measured with 4
clients posting completions, 4 runs each way, alternating: 100k tasks 858 -> 924 req/s,
server CPU per POST 1.07 -> 1.00 ms, context switches per POST 11.1 voluntary and 5.9
forced -> 7.1 and 0.1; 1M tasks 938 -> 976 req/s (3 runs). Child processes started by a
request thread inherit the policy: they too are work that need not preempt anyone.
LABEL_STUDIO_BATCH_THREADS=0 turns it off.
"""
import os
from contextlib import contextmanager

ENV_SWITCH = "LABEL_STUDIO_ONE_CPU"
BATCH_SWITCH = "LABEL_STUDIO_BATCH_THREADS"

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


def enabled(switch=ENV_SWITCH):
    return os.environ.get(switch, "1").strip().lower() not in ("0", "false", "no", "off")


@contextmanager
def threads_started_as_batch():
    """Threads started inside this block (by this thread) run under SCHED_BATCH when this
    thread runs under the default policy; the calling thread is as before afterwards."""
    if not (hasattr(os, "SCHED_BATCH") and enabled(BATCH_SWITCH)):
        yield
        return
    try:
        if os.sched_getscheduler(0) != os.SCHED_OTHER:  # a policy chosen from outside
            yield
            return
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except OSError:
        yield
        return
    try:
        yield
    finally:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


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

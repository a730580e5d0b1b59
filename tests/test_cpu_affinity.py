"""The server's request threads run on one CPU under SCHED_BATCH; the child processes it
starts, on all CPUs."""
import os
import subprocess
import sys
import threading

import pytest
import requests

from label_studio import cpu_affinity
from label_studio.storage.record_reader import start_child, stop_child

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs a process allowed on two CPUs or more")

PRINT_CPUS = "import os, sys; sys.stdin.buffer.read(); print(sorted(os.sched_getaffinity(0)))"


@pytest.fixture(autouse=True)
def switched_on(monkeypatch):
    monkeypatch.delenv(cpu_affinity.ENV_SWITCH, raising=False)
    monkeypatch.delenv(cpu_affinity.BATCH_SWITCH, raising=False)


def in_new_thread(ask):
    """What ask() answers in a thread started now."""
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ask()))
    thread.start()
    thread.join()
    return seen[0]


def cpus_of_new_thread():
    return in_new_thread(lambda: os.sched_getaffinity(0))


def child_cpus():
    child = start_child([sys.executable, "-c", PRINT_CPUS], request=None)
    try:
        return set(eval(child.stdout.read()))
    finally:
        stop_child(child)


def test_threads_started_in_the_block_share_one_cpu_and_the_caller_is_restored():
    every = os.sched_getaffinity(0)
    with cpu_affinity.threads_started_on_one_cpu():
        inside = cpus_of_new_thread()
    assert len(inside) == 1 and inside <= every
    assert os.sched_getaffinity(0) == every
    assert cpus_of_new_thread() == every


def test_children_of_a_one_cpu_thread_run_on_every_cpu():
    every = os.sched_getaffinity(0)
    seen = {}

    def pinned_thread():
        seen["thread"] = os.sched_getaffinity(0)
        seen["child"] = child_cpus()
        completed = subprocess.run([sys.executable, "-c", PRINT_CPUS], input=b"",
                                   capture_output=True, check=True)
        seen["plain child"] = set(eval(completed.stdout))

    with cpu_affinity.threads_started_on_one_cpu():
        thread = threading.Thread(target=pinned_thread)
        thread.start()
    thread.join()
    assert len(seen["thread"]) == 1
    assert seen["child"] == every
    assert seen["plain child"] == seen["thread"]  # what start_child undoes


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv(cpu_affinity.ENV_SWITCH, "0")
    every = os.sched_getaffinity(0)
    with cpu_affinity.threads_started_on_one_cpu():
        assert cpus_of_new_thread() == every


def policy_of_new_thread():
    return in_new_thread(lambda: os.sched_getscheduler(0))


def test_threads_started_in_the_batch_block_run_as_batch_and_the_caller_is_restored():
    assert os.sched_getscheduler(0) == os.SCHED_OTHER
    with cpu_affinity.threads_started_as_batch():
        inside = policy_of_new_thread()
    assert inside == os.SCHED_BATCH
    assert os.sched_getscheduler(0) == os.SCHED_OTHER
    assert policy_of_new_thread() == os.SCHED_OTHER


def test_batch_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv(cpu_affinity.BATCH_SWITCH, "0")
    with cpu_affinity.threads_started_as_batch():
        assert policy_of_new_thread() == os.SCHED_OTHER


def _thread_policies(pid):
    """{thread id: scheduling policy} of a live process (field 41 of /proc's stat)."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except FileNotFoundError:
            continue
        found[int(tid)] = int(fields[38])  # the split starts at field 3
    return found


def test_live_server_request_threads_run_as_batch(live_server):
    requests.get(live_server.url + "/api/health", timeout=10)
    pid = live_server.process.pid
    policies = _thread_policies(pid)
    main = policies.pop(pid)
    batch = [tid for tid, policy in policies.items() if policy == os.SCHED_BATCH]
    # cheroot's 8 workers and the accepting thread
    assert len(batch) >= 9, policies
    assert main == os.SCHED_OTHER


def _thread_cpus(pid):
    """{thread id: allowed CPUs as /proc lists them} of a live process."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except FileNotFoundError:
            continue
        found[int(tid)] = status["Cpus_allowed_list"].strip()
    return found


def test_live_server_request_threads_share_one_cpu(live_server):
    every = os.sched_getaffinity(0)
    requests.post(live_server.url + "/api/project/import", json=[{"image": "a"}], timeout=10)
    pid = live_server.process.pid
    threads = _thread_cpus(pid)
    main = threads.pop(pid)
    single = [cpus for cpus in threads.values() if cpus.isdigit()]
    # cheroot's 8 workers and the accepting thread, on the same CPU
    assert len(single) >= 9 and len(set(single)) == 1, threads
    assert int(single[0]) in every
    assert not main.isdigit(), main  # the main thread is left as it was

"""A write reads its task's record into the page cache before it takes the project lock, so
a record on a cold disk does not keep every other writer waiting (ProjectState.writing)."""
import ctypes
import mmap
import os
import sys
import threading
import time

import pytest

from label_studio.project import Project


def evict(path):
    """Drops the file's pages from the page cache; False when this system keeps them."""
    with open(path, "rb") as f:
        os.fsync(f.fileno())
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    return not cached(path)


def cached(path):
    """Whether the file's first page is in the page cache (mincore: looking reads nothing)."""
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        address = _libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if address in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap")
        try:
            pages = ctypes.create_string_buffer(-(-size // mmap.PAGESIZE))
            if _libc.mincore(ctypes.c_void_p(address), size, pages) != 0:
                raise OSError(ctypes.get_errno(), "mincore")
            return bool(pages.raw[0] & 1)
        finally:
            _libc.munmap(ctypes.c_void_p(address), size)
    finally:
        os.close(fd)


_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long)
_libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p)
_libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)


@pytest.fixture
def project(project_dir):
    if not sys.platform.startswith("linux"):
        pytest.skip("mincore tells what is in the page cache on Linux")
    project = Project(project_dir)
    project.import_tasks([{"image": f"{n}.jpg"} for n in range(3)])
    project.add_completion(1, {"result": []})
    return project


def record_path(project, task_id):
    return os.path.join(project.path, "completions", f"{task_id}.json")


def test_warm_reads_a_record_into_the_page_cache(project):
    path = record_path(project, 1)
    if not evict(path):
        pytest.skip("this file system keeps the pages of a file asked to drop them")
    project.completions.warm(1)
    assert cached(path)


def test_warm_of_a_task_without_a_record_does_nothing(project):
    project.completions.warm(2)
    project.completions.warm(10 ** 30)
    assert not os.path.exists(record_path(project, 2))


def test_warm_of_a_task_without_a_known_record_looks_nothing_up(project, monkeypatch):
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *args: opened.append(path) or
                        real_open(path, *args))
    project.completions.warm(2)
    project.completions.warm(1)
    assert opened == [record_path(project, 1)]


def test_a_writer_waiting_for_the_lock_has_read_its_record(project):
    path = record_path(project, 1)
    if not evict(path):
        pytest.skip("this file system keeps the pages of a file asked to drop them")
    done = threading.Event()

    def post():
        project.add_completion(1, {"result": []})
        done.set()

    with project.lock.exclusive():  # as another writer would hold it
        writer = threading.Thread(target=post)
        writer.start()
        deadline = time.monotonic() + 5
        while not cached(path) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cached(path)
        assert not done.is_set()  # still waiting for the lock
    writer.join(10)
    assert done.is_set()
    assert len(project.get_task(1)["completions"]) == 2


def test_warm_does_not_wait_on_a_fifo(project):
    path = record_path(project, 2)
    os.mkfifo(path)
    try:
        done = threading.Event()
        thread = threading.Thread(target=lambda: (project.completions.warm(2), done.set()),
                                  daemon=True)
        thread.start()
        assert done.wait(5)
    finally:
        os.remove(path)

"""Direct (O_DIRECT, native AIO) reads of many small files: the same bytes and stamps as
ordinary reads, in the order asked, whatever the files are."""
import os
import subprocess
import sys
import threading

import pytest

from label_studio.storage import direct_reads, record_files

pytestmark = pytest.mark.skipif(not direct_reads.available(),
                                reason="direct reads are for Linux on x86_64 or aarch64")


@pytest.fixture(autouse=True)
def no_pages_waiting(monkeypatch):
    """Whatever else the machine writes, these files count as written (tests below say
    otherwise where they mean to)."""
    monkeypatch.setattr(direct_reads, "UNWRITTEN_LIMIT", float("inf"))


def make_files(folder, sizes):
    """Files named 0..n-1 with the given sizes (None: no file), each with its own bytes."""
    paths = []
    for index, size in enumerate(sizes):
        path = str(folder / f"{index}.json")
        if size is not None:
            body = (b"%d:" % index) * (size // 2 + 1)
            with open(path, "wb") as f:
                f.write(body[:size])
        paths.append(path)
    return paths


def read_direct(paths):
    reading = direct_reads.read_all(paths, record_files.read_or_none)
    assert reading is not None, "direct reads could not be set up"
    return list(reading)


def test_many_files_come_back_in_order_with_their_stamps(tmp_path):
    sizes = [(index * 37) % 3000 for index in range(800)]
    paths = make_files(tmp_path, sizes)
    assert read_direct(paths) == [record_files.read_or_none(path) for path in paths]


def test_odd_sizes_missing_files_and_folders_read_as_ordinary_reads_do(tmp_path):
    slot, block = direct_reads.SLOT, direct_reads.BLOCK
    sizes = [0, 1, block - 1, block, block + 1, slot - 1, slot, slot + 1, 100_000, None, 5]
    paths = make_files(tmp_path, sizes * 20)
    os.mkdir(tmp_path / "a-folder")
    paths.insert(7, str(tmp_path / "a-folder"))  # opens, but cannot be read
    got = read_direct(paths)
    assert got == [record_files.read_or_none(path) for path in paths]
    assert got[7] is None
    assert [len(r[0]) for r in got[:7]] == sizes[:7]


def test_the_order_asked_is_kept_whatever_it_is(tmp_path):
    paths = make_files(tmp_path, [100 + index % 50 for index in range(700)])
    shuffled = paths[1::2] + paths[::2][::-1]
    assert read_direct(shuffled) == [record_files.read_or_none(path) for path in shuffled]


def test_giving_up_half_way_closes_every_file(tmp_path):
    paths = make_files(tmp_path, [200] * 900)
    before = len(os.listdir("/proc/self/fd"))
    threads = threading.active_count()
    reading = direct_reads.read_all(paths, record_files.read_or_none)
    for _ in range(300):
        next(reading)
    reading.close()
    assert len(os.listdir("/proc/self/fd")) == before
    assert threading.active_count() == threads


def test_a_file_system_without_direct_reads_leaves_them_to_the_caller(tmp_path):
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    # /proc files take no O_DIRECT opens
    assert direct_reads.read_all(["/proc/self/status"], record_files.read_or_none) is None


def test_few_file_descriptors_leave_the_reads_to_the_caller(tmp_path):
    paths = make_files(tmp_path, [10] * 20)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (60, 60)); "
            "from label_studio.storage import direct_reads, record_files; "
            "print(direct_reads.read_all(sys.argv[1:], record_files.read_or_none))")
    out = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "None"


def test_cold_reads_go_direct_and_give_what_ordinary_reads_give(tmp_path, monkeypatch):
    monkeypatch.setattr(record_files, "SLOW_READ_SECONDS", 0.0)  # every read counts as cold
    monkeypatch.setattr(record_files, "READ_PROBE", 3)
    used = []
    real = direct_reads.read_all
    monkeypatch.setattr(direct_reads, "read_all",
                        lambda paths, read_ordinary, samples: used.append(list(paths))
                        or real(used[-1], read_ordinary, samples))
    paths = make_files(tmp_path, [None if index % 9 == 0 else 300 for index in range(400)])
    assert list(record_files.read_all(paths)) == [record_files.read_or_none(p) for p in paths]
    assert used == [paths[3:]]


def test_direct_reads_take_their_paths_as_the_reading_goes_on(tmp_path):
    paths = make_files(tmp_path, [100 + index for index in range(300)])
    given = []

    def giving():
        for path in paths:
            given.append(path)
            yield path
    reading = direct_reads.read_all(giving(), record_files.read_or_none, paths[:3])
    first = next(reading)
    # a few batches ahead of what was read, not all of them
    assert first == record_files.read_or_none(paths[0]) and len(given) < 300
    assert [first, *reading] == [record_files.read_or_none(path) for path in paths]


def test_a_file_that_changes_after_it_was_opened_is_read_again(tmp_path, monkeypatch):
    paths = make_files(tmp_path, [100] * 300)
    real_open_batch = direct_reads._open_batch

    def open_then_someone_writes(batch, read_ordinary, changed_lately_after):
        opened = real_open_batch(batch, read_ordinary, changed_lately_after)
        for path in batch[::5]:
            with open(path, "ab") as f:
                f.write(b"+" * 50)
        return opened
    monkeypatch.setattr(direct_reads, "_open_batch", open_then_someone_writes)
    got = read_direct(paths)
    assert got == [record_files.read_or_none(path) for path in paths]
    assert [len(r[0]) for r in got[:6]] == [150, 100, 100, 100, 100, 150]


def test_reads_whose_fate_is_unknown_are_read_again_the_ordinary_way(tmp_path, monkeypatch):
    paths = make_files(tmp_path, [100 + index for index in range(500)])
    real_reap = direct_reads._Ring.reap
    calls = []

    def reap_failing_once_under_way(ring, at_least):
        calls.append(at_least)
        if len(calls) == 3:
            raise OSError(14, "io_getevents")
        return real_reap(ring, at_least)
    monkeypatch.setattr(direct_reads._Ring, "reap", reap_failing_once_under_way)
    assert read_direct(paths) == [record_files.read_or_none(path) for path in paths]
    assert len(calls) == 3  # after the failure, no more direct reads


def test_aio_calls_that_are_refused_leave_the_reads_to_the_caller(tmp_path, monkeypatch):
    paths = make_files(tmp_path, [10] * 20)
    monkeypatch.setattr(direct_reads._Ring, "submit", lambda ring, first, files: 0)
    assert direct_reads.read_all(paths, record_files.read_or_none) is None


def test_reads_meant_for_the_page_cache_never_go_direct(tmp_path, monkeypatch):
    monkeypatch.setattr(record_files, "SLOW_READ_SECONDS", 0.0)  # every read counts as cold
    monkeypatch.setattr(record_files, "READ_PROBE", 3)
    monkeypatch.setattr(direct_reads, "read_all", lambda *args: 1 / 0)
    paths = make_files(tmp_path, [300] * 40)
    got = list(record_files.read_all(paths, direct=False))
    assert got == [record_files.read_or_none(path) for path in paths]


def submitted_sizes(monkeypatch):
    """The number of files in each batch given to the kernel, as a list that grows."""
    sizes = []
    real_submit = direct_reads._Ring.submit

    def noting_submit(ring, first, files):
        sizes.append(len(files))
        return real_submit(ring, first, files)
    monkeypatch.setattr(direct_reads._Ring, "submit", noting_submit)
    return sizes


def test_files_changed_lately_are_read_from_the_cache_while_pages_wait_to_be_written(
        tmp_path, monkeypatch):
    # a direct read of a file with pages to write waits for them to be written first
    monkeypatch.setattr(direct_reads, "UNWRITTEN_LIMIT", -1)
    sizes = submitted_sizes(monkeypatch)
    paths = make_files(tmp_path, [120] * 200)
    assert read_direct(paths) == [record_files.read_or_none(path) for path in paths]
    assert sizes == [1]  # only the probe of whether direct reads work here


def test_files_changed_long_ago_go_direct_while_pages_wait_to_be_written(
        tmp_path, monkeypatch):
    monkeypatch.setattr(direct_reads, "UNWRITTEN_LIMIT", -1)
    monkeypatch.setattr(direct_reads, "RECENT_SECONDS", -3600)  # every file counts as old
    sizes = submitted_sizes(monkeypatch)
    paths = make_files(tmp_path, [120] * 200)
    assert read_direct(paths) == [record_files.read_or_none(path) for path in paths]
    assert sum(sizes) == 1 + 200


def test_pages_waiting_to_be_written_are_read_from_meminfo(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_bytes(b"MemTotal: 24000000 kB\nDirty:   925456 kB\n"
                        b"Writeback:   1024 kB\nWritebackTmp: 7 kB\n")
    monkeypatch.setattr(direct_reads, "MEMINFO", str(meminfo))
    assert direct_reads.unwritten_bytes() == (925456 + 1024) * 1024
    monkeypatch.setattr(direct_reads, "MEMINFO", str(tmp_path / "missing"))
    assert direct_reads.unwritten_bytes() == 0

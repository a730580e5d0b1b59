"""storage/files.py: atomic writes, extending a JSON object file, the cross-process lock."""
import json
import os
import subprocess
import sys
import time

import pytest

from label_studio.storage.files import (KeptFolder, ProjectLock, StateFile, TEMP_MARK,
                                        atomic_extend_object, atomic_write)


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    path = str(tmp_path / "f.json")
    atomic_write(path, b'{"a": 1}')
    inode = os.stat(path).st_ino
    atomic_write(path, b'{"a": 2}')
    assert open(path, "rb").read() == b'{"a": 2}'
    assert os.stat(path).st_ino != inode  # a new file renamed over the old one
    assert os.listdir(tmp_path) == ["f.json"]


@pytest.mark.parametrize("old", ['{"0": {"id": 0}}', '{\n  "0": {\n    "id": 0\n  }\n}\n\n'])
def test_extend_object_keeps_old_bytes_and_adds_entries(tmp_path, old):
    path = str(tmp_path / "tasks.json")
    with open(path, "w") as f:
        f.write(old)
    assert atomic_extend_object(path, b'"1":{"id":1},"2":{"id":2}')
    with open(path) as f:
        text = f.read()
    assert text.startswith(old.rstrip()[:-1])
    assert json.loads(text) == {"0": {"id": 0}, "1": {"id": 1}, "2": {"id": 2}}
    assert not [n for n in os.listdir(tmp_path) if n.startswith(TEMP_MARK)]


@pytest.mark.parametrize("old", ["{}", "{ \n}", "[1, 2]", "", '{"a": 1'])
def test_extend_object_refuses_what_it_cannot_extend(tmp_path, old):
    path = str(tmp_path / "tasks.json")
    with open(path, "w") as f:
        f.write(old)
    assert atomic_extend_object(path, b'"1":{}') is False
    with open(path) as f:
        assert f.read() == old
    assert atomic_extend_object(str(tmp_path / "missing.json"), b'"1":{}') is False


HOLDER = """
import sys, time
from label_studio.storage.files import ProjectLock
lock = ProjectLock(sys.argv[1])
with lock.exclusive():
    print("locked", flush=True)
    time.sleep(1.0)
"""


def test_lock_keeps_a_second_process_out(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                              stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"locked"
    started = time.monotonic()
    with ProjectLock(str(tmp_path)).exclusive():
        waited = time.monotonic() - started
    holder.wait()
    assert holder.returncode == 0
    assert waited > 0.3  # we got the lock only after the other process let it go


def test_state_file_removed_by_hand_is_made_again_at_its_path(tmp_path):
    state = StateFile(str(tmp_path))
    state.read()
    state.write({"completions_gen": 1})
    os.unlink(tmp_path / ".ls-state.json")
    assert state.read() == {}  # the read notices the removal...
    state.write({"completions_gen": 2})  # ...so the write after it lands at the path
    assert json.loads((tmp_path / ".ls-state.json").read_text()) == {"completions_gen": 2}
    assert state.read() == {"completions_gen": 2}
    state.close()


def test_kept_folder_is_given_only_for_the_folder_it_was_opened_on(tmp_path):
    folder = tmp_path / "completions"
    folder.mkdir()
    kept = KeptFolder(str(folder))
    ino = os.stat(folder).st_ino
    first = kept.ticket(ino)
    assert first is not None and os.fstat(kept._fd).st_ino == ino
    fd = kept._fd
    assert kept.ticket(ino) == first + 1 and kept._fd == fd  # kept, not opened again
    kept.sync(first + 1)
    folder.rename(tmp_path / "old")
    folder.mkdir()
    new_ino = os.stat(folder).st_ino
    assert new_ino != ino
    assert kept.ticket(new_ino) is None  # another folder now: fsync that one by name
    kept.close()
    assert KeptFolder(str(tmp_path / "missing")).ticket(ino) is None


@pytest.fixture
def counted_fsyncs(monkeypatch):
    """os.fsync as storage/files.py calls it, noting each call; `gate`, when set, is an
    Event each fsync waits for."""
    from label_studio.storage import files
    calls = []
    real = os.fsync

    class Fsyncs:
        gate = None
        fail = False

    def fsync(fd):
        calls.append(fd)
        if Fsyncs.gate is not None:
            assert Fsyncs.gate.wait(10)
        if Fsyncs.fail:
            raise OSError(5, "Input/output error")
        real(fd)
    monkeypatch.setattr(files.os, "fsync", fsync)
    Fsyncs.calls = calls
    return Fsyncs


def kept_folder(tmp_path):
    folder = tmp_path / "completions"
    folder.mkdir()
    return KeptFolder(str(folder)), os.stat(folder).st_ino


def test_one_fsync_of_the_folder_covers_the_renames_made_before_it(tmp_path, counted_fsyncs):
    kept, ino = kept_folder(tmp_path)
    first, second = kept.ticket(ino), kept.ticket(ino)
    kept.sync(second)
    assert len(counted_fsyncs.calls) == 1
    kept.sync(first)   # its rename came before that fsync began: nothing to do
    assert len(counted_fsyncs.calls) == 1
    third = kept.ticket(ino)
    kept.sync(third)
    assert len(counted_fsyncs.calls) == 2
    kept.close()


def test_a_rename_after_an_fsync_began_waits_for_the_next_one(tmp_path, counted_fsyncs):
    import threading
    kept, ino = kept_folder(tmp_path)
    counted_fsyncs.gate = threading.Event()
    early = kept.ticket(ino)
    done = []
    first = threading.Thread(target=lambda: done.append(("early", kept.sync(early))))
    first.start()
    while not counted_fsyncs.calls:   # the early writer's fsync is under way
        time.sleep(0.001)
    late = kept.ticket(ino)            # a rename that fsync may have missed
    second = threading.Thread(target=lambda: done.append(("late", kept.sync(late))))
    second.start()
    time.sleep(0.05)
    assert done == [] and len(counted_fsyncs.calls) == 1  # the late writer waits
    counted_fsyncs.gate.set()
    first.join(5)
    second.join(5)
    assert [name for name, _ in done] == ["early", "late"]
    assert len(counted_fsyncs.calls) == 2  # the late writer's own fsync, after the first
    kept.close()


def test_a_failed_fsync_of_the_folder_is_not_counted_as_done(tmp_path, counted_fsyncs):
    kept, ino = kept_folder(tmp_path)
    ticket = kept.ticket(ino)
    counted_fsyncs.fail = True
    with pytest.raises(OSError):
        kept.sync(ticket)
    counted_fsyncs.fail = False
    kept.sync(ticket)   # tried again, not taken as durable
    assert len(counted_fsyncs.calls) == 2
    kept.close()

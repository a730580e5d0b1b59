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
    fd = kept.descriptor(ino)
    assert fd is not None and os.fstat(fd).st_ino == ino
    assert kept.descriptor(ino) == fd  # kept, not opened again
    os.fsync(fd)
    folder.rename(tmp_path / "old")
    folder.mkdir()
    new_ino = os.stat(folder).st_ino
    assert new_ino != ino
    assert kept.descriptor(new_ino) is None  # another folder now: fsync that one by name
    kept.close()
    assert KeptFolder(str(tmp_path / "missing")).descriptor(ino) is None

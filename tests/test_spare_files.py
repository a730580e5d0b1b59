"""Temp files made ahead for completion writes (storage/files.py SpareFiles): a write made
after another fills one instead of making a file in the project lock; whatever happens to
a spare, the record is written, and none is left behind."""
import json
import os

import pytest
import requests

from conftest import LiveServer
from label_studio.project import Project
from label_studio.storage.files import SPARE_MARK, SpareFiles


def spares_in(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith(SPARE_MARK))


def record(project_dir, task_id):
    with open(os.path.join(project_dir, "completions", f"{task_id}.json")) as f:
        return json.load(f)


@pytest.fixture
def project(project_dir):
    project = Project(project_dir)
    project.import_tasks([{"data": {"image": f"{i}.jpg"}} for i in range(4)])
    return project


def test_a_write_leaves_a_spare_that_the_next_write_fills(project, project_dir):
    project.add_completion(0, {"result": []})
    spares = spares_in(project_dir)
    assert len(spares) == 1
    assert not [n for n in os.listdir(os.path.join(project_dir, "completions"))
                if n.startswith(".")]  # made beside completions/, whose stamp other processes watch
    spare_inode = os.stat(os.path.join(project_dir, spares[0])).st_ino
    project.add_completion(1, {"result": [], "lead_time": 3})
    assert os.stat(os.path.join(project_dir, "completions", "1.json")).st_ino == spare_inode
    assert record(project_dir, 1)["completions"][0]["lead_time"] == 3
    assert spares_in(project_dir) and spares_in(project_dir) != spares


def test_a_spare_removed_by_another_process_is_not_missed(project, project_dir):
    project.add_completion(0, {"result": []})
    for name in spares_in(project_dir):
        os.unlink(os.path.join(project_dir, name))  # as remove_stale_temp_files may
    project.add_completion(1, {"result": [], "lead_time": 5})
    assert record(project_dir, 1)["completions"][0]["lead_time"] == 5
    assert Project(project_dir).completed_task_ids() == [0, 1]


def test_an_old_spare_is_removed_not_used(project, project_dir, monkeypatch):
    project.add_completion(0, {"result": []})
    old = spares_in(project_dir)
    monkeypatch.setattr(SpareFiles, "MAX_AGE", 0.0)
    project.add_completion(1, {"result": []})
    assert not set(old) & set(spares_in(project_dir))
    inode = os.stat(os.path.join(project_dir, "completions", "1.json")).st_ino
    assert inode not in {os.stat(os.path.join(project_dir, n)).st_ino
                         for n in spares_in(project_dir)}


def test_completions_on_another_device_are_written_without_spares(project, project_dir):
    elsewhere = "/dev/shm"
    if not os.path.isdir(elsewhere) or os.stat(elsewhere).st_dev == os.stat(project_dir).st_dev:
        pytest.skip("no second file system to put completions/ on")
    import tempfile
    target = tempfile.mkdtemp(dir=elsewhere)
    try:
        completions = os.path.join(project_dir, "completions")
        if os.path.isdir(completions):
            os.rmdir(completions)
        os.symlink(target, completions)
        for task_id in range(3):  # the first spare fails to move (EXDEV): no more are made
            project.add_completion(task_id, {"result": [], "lead_time": task_id})
        assert [record(project_dir, i)["completions"][0]["lead_time"] for i in range(3)] == \
            [0, 1, 2]
        assert spares_in(project_dir) == []
    finally:
        import shutil
        shutil.rmtree(target, ignore_errors=True)


def test_a_server_leaves_no_spare_when_it_stops(project, project_dir):
    server = LiveServer(project_dir).start()
    try:
        for task_id in range(3):
            answer = requests.post(f"{server.url}/api/tasks/{task_id}/completions",
                                   json={"result": []}, timeout=10)
            assert answer.status_code == 201
        assert spares_in(project_dir)
    finally:
        server.stop()
    assert spares_in(project_dir) == []
    assert sorted(os.listdir(os.path.join(project_dir, "completions"))) == \
        ["0.json", "1.json", "2.json"]

"""Exports read the completion records ahead in a child process (storage/record_reader.py).

What an export gives must be what plain reads give, whatever happens to the records while
it runs: written or deleted through the server, kept in a subfolder, or the child gone.
The child here is the real one; only its size threshold is lowered so small projects use it.
"""
import json
import os

import pytest

from label_studio.project import Project
from label_studio.storage import record_reader
from test_export_helpers import completion, new_project

TASKS = 40
BATCH = 8


def label(name):
    return {"from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rectanglelabels": [name]}}


@pytest.fixture
def started(monkeypatch):
    """The readers started, in order; every reader is used whatever the project's size."""
    readers = []
    real_start = record_reader.start

    def start(*args):
        reader = real_start(*args)
        readers.append(reader)
        return reader

    monkeypatch.setattr(record_reader, "MIN_FILES", 1)
    monkeypatch.setattr(record_reader, "start", start)
    return readers


@pytest.fixture
def project_dir(tmp_path):
    from conftest import BBOX_CONFIG
    tasks = [{"data": {"image": f"/img/{n}.jpg"}} for n in range(TASKS)]
    for n, task in enumerate(tasks):
        if n % 3 != 2:  # a third without completions: the reader must skip them
            task["completions"] = [completion(label("Car"), created_at=1_600_000_000 + n)]
    return new_project(tmp_path / "proj", BBOX_CONFIG, tasks)


def labels_of(view):
    return [[r["value"]["rectanglelabels"][0] for r in c["result"]]
            for c in view.get("completions", [])]


def exported(project, on_first=None):
    views = []
    for view in project.iter_tasks(batch=BATCH):
        if not views and on_first:
            on_first()
        views.append(view)
    return views


def test_read_ahead_gives_what_plain_reads_give(project_dir, started, monkeypatch):
    ahead = exported(Project(project_dir))
    assert started and started[0] is not None
    monkeypatch.setattr(record_reader, "MIN_FILES", 10 ** 9)
    plain = exported(Project(project_dir))
    assert started[-1] is None
    assert ahead == plain
    assert len(ahead) == TASKS
    assert sum(1 for view in ahead if view.get("completions")) == TASKS - TASKS // 3


def test_a_completion_added_during_the_export_is_in_it(project_dir, started):
    project = Project(project_dir)
    ids = project.task_ids()  # in the last batch: 38 has no completion yet, 39 has one

    def add_two():
        project.add_completion(ids[-2], completion(label("Airplane")))
        project.add_completion(ids[-1], completion(label("Airplane")))

    views = exported(project, on_first=add_two)
    assert started[0] is not None
    assert labels_of(views[-2]) == [["Airplane"]]
    assert labels_of(views[-1]) == [["Car"], ["Airplane"]]


def test_a_record_deleted_during_the_export_is_not_in_it(project_dir, started):
    project = Project(project_dir)
    late = project.task_ids()[-3]
    assert project.get_task(late)["completions"]
    views = exported(project, on_first=lambda: project.delete_task_completions(late))
    assert not views[-3].get("completions")
    assert labels_of(views[-1]) == [["Car"]]  # the records after it still line up


def test_a_record_in_a_subfolder_is_exported(project_dir, started):
    folder = os.path.join(project_dir, "completions")
    os.makedirs(os.path.join(folder, "older"))
    os.rename(os.path.join(folder, "4.json"), os.path.join(folder, "older", "4.json"))
    views = exported(Project(project_dir))
    assert started[0] is not None
    assert labels_of(views[4]) == [["Car"]]


def test_the_export_completes_when_the_child_dies(project_dir, started):
    project = Project(project_dir)
    before = exported(project)

    def kill_child():
        started[-1]._child.kill()

    after = exported(project, on_first=kill_child)
    assert after == before


def test_a_hand_edit_before_the_export_is_in_it(project_dir, started):
    path = os.path.join(project_dir, "completions", "7.json")
    with open(path) as f:
        record = json.load(f)
    record["completions"][0]["result"] = [label("Airplane"), label("Car")]
    with open(path, "w") as f:  # in place: the folder's stamp does not change
        json.dump(record, f)
    views = exported(Project(project_dir))
    assert labels_of(views[7]) == [["Airplane", "Car"]]


def test_few_records_start_no_child(tmp_path):
    ids = record_reader.array("q", range(5))
    assert record_reader.start(str(tmp_path), ids, {}) is None

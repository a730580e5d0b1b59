"""The summary cache: a restart reads only the records that changed, and still sees them all."""
import json
import os

from conftest import make_project
from label_studio.project import Project
from label_studio.storage import summary_cache


def write_record(project_dir, task_id, completions):
    path = os.path.join(project_dir, "completions", f"{task_id}.json")
    tmp = path + ".new"
    with open(tmp, "w") as f:
        json.dump({"id": task_id, "data": {"image": str(task_id)}, "completions": completions}, f)
    os.replace(tmp, path)  # a new inode, as any editor's save-as-rename gives


def state_of(project):
    page = project.tasks_page(page=1, page_size=1000, order="-has_cancelled_completions")
    return ([t["id"] for t in page], project.completed_task_ids(),
            {t["id"]: len(t.get("completions", [])) for t in page})


def test_a_restart_uses_the_cache_and_still_sees_changes(tmp_path, monkeypatch):
    project_dir = make_project(str(tmp_path / "p"))
    Project(project_dir).import_tasks([{"data": {"image": str(i)}} for i in range(300)])
    for task_id in range(250):
        write_record(project_dir, task_id, [{"id": task_id + 1, "result": [],
                                             "created_at": 1000 + task_id}])
    Project(project_dir).completions.flush_cache()
    cache = os.path.join(project_dir, summary_cache.CACHE_NAME)
    assert os.path.exists(cache)

    # changes made while no server runs
    write_record(project_dir, 3, [{"id": 900, "result": [], "was_cancelled": True},
                                  {"id": 901, "result": [], "was_cancelled": True}])
    os.unlink(os.path.join(project_dir, "completions", "4.json"))
    write_record(project_dir, 299, [{"id": 950, "result": []}])

    from label_studio.storage import record_files
    reads = []
    real_read = record_files.read_with_stamp
    monkeypatch.setattr(record_files, "read_with_stamp",
                        lambda path: reads.append(os.path.basename(path)) or real_read(path))
    restarted = Project(project_dir)
    assert sorted(reads) == ["299.json", "3.json"]  # only the changed files were read
    assert 3 in restarted.completions.summaries and restarted.completions.summaries[3].cancelled == 2
    os.unlink(cache)
    from_scratch = Project(project_dir)
    assert state_of(restarted) == state_of(from_scratch)
    ids, completed, _ = state_of(restarted)
    assert ids[0] == 3 and 4 not in completed and 299 in completed


def test_a_broken_cache_is_ignored(tmp_path):
    project_dir = make_project(str(tmp_path / "p"))
    project = Project(project_dir)
    project.import_tasks([{"data": {"image": "a"}}])
    project.add_completion(0, {"result": []})
    for garbage in (b"{not json", b'{"version": 1, "records": [[1, 2]]}', b"[]"):
        with open(os.path.join(project_dir, summary_cache.CACHE_NAME), "wb") as f:
            f.write(garbage)
        assert Project(project_dir).completed_task_ids() == [0]


def test_records_read_by_threads_from_a_slow_disk_are_all_seen_in_order(tmp_path, monkeypatch):
    from label_studio.storage import record_files
    # every read counts as slow, as on a cold disk cache, so the threaded path is taken
    monkeypatch.setattr(record_files, "SLOW_READ_SECONDS", 0.0)
    project_dir = make_project(str(tmp_path / "p"))
    Project(project_dir).import_tasks([{"data": {"image": str(i)}} for i in range(1500)])
    for task_id in range(1200):
        write_record(project_dir, task_id, [{"id": task_id + 1, "result": [],
                                             "created_at": 5000 - task_id}] * (task_id % 3 + 1))
    with open(os.path.join(project_dir, "completions", "700.json"), "w") as f:
        f.write("{not json")

    project = Project(project_dir)
    summaries = project.completions.summaries
    assert len(summaries) == 1200
    assert summaries[700].broken
    assert all(summaries[i].count == i % 3 + 1 for i in range(1200) if i != 700)
    assert all(summaries[i].completed_at == 5000 - i for i in range(1200) if i != 700)
    page = project.tasks_page(page=1, page_size=3, order="-completed_at")
    assert [t["id"] for t in page] == [0, 1, 2]


def test_cold_reads_with_the_advisor_ahead_give_every_file_in_order(tmp_path, monkeypatch):
    import threading
    import time
    from label_studio.storage import direct_reads, record_files
    monkeypatch.setattr(record_files, "SLOW_READ_SECONDS", 0.0)  # every read counts as cold
    monkeypatch.setattr(record_files, "READ_PROBE", 3)
    monkeypatch.setattr(record_files, "READ_CHUNK", 4)
    monkeypatch.setattr(record_files, "ADVISE_AHEAD", 2)
    # as where direct reads cannot be had (tests/test_direct_reads.py covers those)
    monkeypatch.setattr(direct_reads, "read_all", lambda *args: None)  # the advisor waits for the readers
    paths = []
    for i in range(500):
        path = str(tmp_path / f"{i}.json")
        if i % 7:  # every 7th file is missing
            with open(path, "wb") as f:
                f.write(b'{"n": %d}' % i)
        paths.append(path)
    got = list(record_files.read_all(paths))
    assert [None if r is None else r[0] for r in got] == \
        [None if i % 7 == 0 else b'{"n": %d}' % i for i in range(500)]
    assert all(r is None or r[1][2] == len(r[0]) for r in got)  # stamp: (ino, mtime, size)

    threads = threading.active_count()

    def give_up_half_way():
        reading = record_files.read_all(paths)
        for _ in range(50):
            next(reading)
        time.sleep(0.2)  # the advisor is now waiting for the readers to catch up
        reading.close()  # the readers and the advisor stop
    closer = threading.Thread(target=give_up_half_way, daemon=True)
    closer.start()
    closer.join(10)
    assert not closer.is_alive()
    deadline = time.monotonic() + 5
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == threads

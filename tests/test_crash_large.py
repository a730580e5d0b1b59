"""SIGKILL a server importing into a project of 1M tasks: tasks.json is extended in place
there (task_store.py), and after every kill the next open finds the old file or the new
one, with every acknowledged import in it."""
import os
import threading
import time

import orjson
import requests

from conftest import LiveServer, make_project
from label_studio.storage.task_store import APPEND_IN_PLACE_BYTES
from label_studio.storage.tasks_json import TasksJson

SIZE = 1_000_000
BATCH = 1000


def write_tasks(project_dir, count):
    with open(os.path.join(project_dir, "tasks.json"), "wb") as f:
        f.write(b"{")
        for start in range(0, count, 100_000):
            chunk = {str(i): {"id": i, "data": {"image": f"http://x/{i}.jpg"}}
                     for i in range(start, min(start + 100_000, count))}
            f.write((b"," if start else b"") + orjson.dumps(chunk)[1:-1])
        f.write(b"}")


def import_until_stopped(url, stop, acknowledged):
    session = requests.Session()
    n = 0
    while not stop.is_set():
        batch = [{"image": f"http://new/{n}-{i}.jpg"} for i in range(BATCH)]
        n += 1
        try:
            r = session.post(url + "/api/project/import", json=batch, timeout=10)
        except requests.RequestException:
            continue
        if r.status_code == 201:
            acknowledged.update(r.json()["new_task_ids"])


def test_a_kill_mid_import_at_1m_tasks_leaves_the_old_or_the_new_file(tmp_path):
    project_dir = make_project(str(tmp_path / "big"))
    write_tasks(project_dir, SIZE)
    assert os.path.getsize(os.path.join(project_dir, "tasks.json")) > APPEND_IN_PLACE_BYTES
    server = LiveServer(project_dir)
    acknowledged = set()
    try:
        for round_ in range(3):
            server.start(timeout=120)
            stop = threading.Event()
            importer = threading.Thread(target=import_until_stopped,
                                        args=(server.url, stop, acknowledged))
            importer.start()
            time.sleep(1.0 + 0.4 * round_)
            server.kill()
            stop.set()
            importer.join()
            # what the next open does first: finish or undo a torn append
            source = TasksJson(project_dir, project_dir)
            source.recover()
            with open(os.path.join(project_dir, "tasks.json"), "rb") as f:
                on_disk = orjson.loads(f.read())
            ids = {int(key) for key in on_disk}
            lost = acknowledged - ids
            assert not lost, f"round {round_}: lost acknowledged tasks {sorted(lost)[:5]}"
            added = len(ids) - SIZE
            # whole imports only: the acknowledged ones, plus at most the one cut by each kill
            assert added % BATCH == 0 and 0 <= added - len(acknowledged) <= BATCH * (round_ + 1)
            store, warnings = source.load()
            assert warnings == [] and len(store) == len(ids)
        assert len(acknowledged) >= 2 * BATCH
        server.start(timeout=120)
        summary = requests.get(server.url + "/api/project").json()
        assert summary["task_count"] == len(ids)
    finally:
        server.stop()

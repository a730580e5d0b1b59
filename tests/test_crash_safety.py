"""SIGKILL the server while it imports and saves completions; nothing acknowledged is lost."""
import json
import os
import random
import threading
import time

import requests

from conftest import LiveServer, make_project


class Writer:
    """Imports and completion posts in a loop, remembering what the server acknowledged."""

    def __init__(self, url):
        self.url = url
        self.stop = threading.Event()
        self.task_ids = set()
        self.completions = {}  # completion id -> task id
        self.lock = threading.Lock()

    def importer(self):
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            batch = [{"image": f"http://x/{n}-{i}.jpg"} for i in range(50)]
            n += 1
            try:
                r = session.post(self.url + "/api/project/import", json=batch, timeout=5)
            except requests.RequestException:
                continue
            if r.status_code == 201:
                with self.lock:
                    self.task_ids.update(r.json()["new_task_ids"])

    def annotator(self, seed):
        session = requests.Session()
        rng = random.Random(seed)
        while not self.stop.is_set():
            with self.lock:
                known = list(self.task_ids)
            if not known:
                time.sleep(0.01)
                continue
            task_id = rng.choice(known)
            try:
                r = session.post(f"{self.url}/api/tasks/{task_id}/completions",
                                 json={"result": [], "lead_time": 1}, timeout=5)
            except requests.RequestException:
                continue
            if r.status_code == 201:
                with self.lock:
                    self.completions[r.json()["id"]] = task_id

    def run_for(self, seconds, server):
        threads = [threading.Thread(target=self.importer)]
        threads += [threading.Thread(target=self.annotator, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        server.kill()  # SIGKILL, mid-write with high probability
        self.stop.set()
        for t in threads:
            t.join()
        self.stop.clear()


def all_json_files_parse(project_dir):
    for folder, _, names in os.walk(project_dir):
        for name in names:
            if name.endswith(".json"):
                with open(os.path.join(folder, name), "rb") as f:
                    json.loads(f.read())


def test_acknowledged_writes_survive_sigkill(tmp_path):
    project_dir = make_project(str(tmp_path / "p"))
    server = LiveServer(project_dir).start()
    writer = Writer(server.url)
    try:
        for round_ in range(3):
            writer.run_for(0.8 + 0.3 * round_, server)
            all_json_files_parse(project_dir)
            server.start()
            writer.url = server.url
            listed = requests.get(server.url + "/api/tasks?page_size=1000000").json()
            on_server = {t["id"]: t for t in listed}
            missing_tasks = writer.task_ids - on_server.keys()
            assert not missing_tasks, f"round {round_}: lost tasks {sorted(missing_tasks)[:10]}"
            saved = {c["id"]: t["id"] for t in listed for c in t.get("completions", [])}
            for completion_id, task_id in writer.completions.items():
                assert saved.get(completion_id) == task_id, f"lost completion {completion_id}"
            assert len(saved) == sum(len(t.get("completions", [])) for t in listed)
        assert len(writer.task_ids) > 100 and len(writer.completions) > 50
    finally:
        server.stop()

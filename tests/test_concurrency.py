"""Writers in two processes on one project folder lose nothing."""
import json
import os
import subprocess
import sys
import threading

import requests

from conftest import LiveServer, make_project

SECOND_PROCESS = """
import json, sys
from label_studio.project import Project
project = Project(sys.argv[1])
acknowledged = []
for batch in range(int(sys.argv[2])):
    tasks = [{"data": {"image": f"http://other/{batch}-{i}.jpg"}} for i in range(25)]
    acknowledged += project.import_tasks(tasks)["new_task_ids"]
print(json.dumps(acknowledged))
"""


def test_completions_and_imports_from_two_processes(tmp_path):
    project_dir = make_project(str(tmp_path / "p"))
    server = LiveServer(project_dir).start()
    try:
        r = requests.post(server.url + "/api/project/import",
                          json=[{"image": f"http://x/{i}.jpg"} for i in range(40)])
        first_ids = r.json()["new_task_ids"]

        other = subprocess.Popen([sys.executable, "-c", SECOND_PROCESS, project_dir, "40"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        acknowledged = {}
        server_imports = []
        lock = threading.Lock()

        def annotator(k):
            session = requests.Session()
            for n in range(60):
                task_id = first_ids[(k * 60 + n) % len(first_ids)]
                r = session.post(f"{server.url}/api/tasks/{task_id}/completions",
                                 json={"result": [], "lead_time": n})
                assert r.status_code == 201, r.text
                with lock:
                    acknowledged[r.json()["id"]] = task_id
                if n % 15 == 0:
                    r = session.post(server.url + "/api/project/import",
                                     json=[{"image": f"http://server/{k}-{n}.jpg"}])
                    assert r.status_code == 201
                    with lock:
                        server_imports.extend(r.json()["new_task_ids"])

        threads = [threading.Thread(target=annotator, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out, err = other.communicate(timeout=120)
        assert other.returncode == 0, err.decode()
        other_ids = json.loads(out)

        all_ids = first_ids + server_imports + other_ids
        assert len(set(all_ids)) == len(all_ids), "a task id was handed out twice"
        listed = requests.get(server.url + "/api/tasks?page_size=100000").json()
        assert sorted(t["id"] for t in listed) == sorted(all_ids)
        with open(os.path.join(project_dir, "tasks.json")) as f:
            assert sorted(map(int, json.load(f))) == sorted(all_ids)
        saved = {c["id"]: t["id"] for t in listed for c in t.get("completions", [])}
        assert saved == acknowledged
        assert len(acknowledged) == 240
    finally:
        server.stop()

"""Completions: create, skip, update, delete, list; ids and timestamps."""
import json
import os
import time

import pytest

from conftest import folder_snapshot


@pytest.fixture
def tasks(client):
    client.post("/api/project/import", json=[{"image": f"http://x/{i}.jpg"} for i in range(3)])
    return client


def record(project_dir, task_id):
    with open(os.path.join(project_dir, "completions", f"{task_id}.json")) as f:
        return json.load(f)


def test_post_creates_a_record_with_a_copy_of_the_task(tasks, project_dir):
    before = int(time.time())
    r = tasks.post("/api/tasks/1/completions", json={"result": [], "lead_time": 2.5})
    assert r.status_code == 201
    assert r.headers["Content-Type"] == "application/json"
    cid = r.get_json()["id"]
    assert isinstance(cid, int) and cid > 0
    rec = record(project_dir, 1)
    assert rec["id"] == 1 and rec["data"] == {"image": "http://x/1.jpg"}
    [completion] = rec["completions"]
    assert completion["id"] == cid and completion["lead_time"] == 2.5
    assert completion["created_at"] >= before
    assert "was_cancelled" not in completion
    with open(os.path.join(project_dir, "completions", "1.json")) as f:
        text = f.read()
    assert text.startswith('{\n  "completions"')  # indented by 2, sorted keys


def test_completion_ids_are_unique_in_the_project_and_never_reused(tasks):
    first = tasks.post("/api/tasks/0/completions", json={"result": []}).get_json()["id"]
    second = tasks.post("/api/tasks/1/completions", json={"result": []}).get_json()["id"]
    third = tasks.post("/api/tasks/0/completions", json={"result": []}).get_json()["id"]
    assert first < second < third
    assert tasks.delete(f"/api/tasks/0/completions/{third}").status_code == 204
    fourth = tasks.post("/api/tasks/0/completions", json={"id": first, "result": []}).get_json()["id"]
    assert fourth > third
    ids = [c["id"] for c in tasks.get("/api/tasks/0").get_json()["completions"]]
    assert ids == [first, fourth]


def test_client_created_at_is_kept_when_valid(tasks, project_dir):
    tasks.post("/api/tasks/0/completions", json={"result": [], "created_at": 1500000000})
    tasks.post("/api/tasks/0/completions", json={"result": [], "created_at": "yesterday"})
    first, second = record(project_dir, 0)["completions"]
    assert first["created_at"] == 1500000000
    assert isinstance(second["created_at"], int) and second["created_at"] > 1500000000


@pytest.mark.parametrize("query,body,cancelled", [
    ("?was_cancelled=1", {}, True),
    ("?was_cancelled=true", {}, True),
    ("?was_cancelled=0", {}, False),
    ("?was_cancelled=false", {"was_cancelled": True}, False),
    ("", {"was_cancelled": True}, True),
    ("", {"skipped": True}, True),
    ("", {}, False),
])
def test_was_cancelled_parsing(tasks, project_dir, query, body, cancelled):
    r = tasks.post(f"/api/tasks/0/completions{query}", json={"result": [], **body})
    assert r.status_code == 201
    [completion] = record(project_dir, 0)["completions"]
    assert completion.get("was_cancelled", False) is cancelled
    assert "skipped" not in completion


def test_a_skip_takes_the_task_out_of_next(tasks):
    assert tasks.get("/api/project/next").get_json()["id"] == 0
    tasks.post("/api/tasks/0/completions?was_cancelled=1", json={"result": []})
    assert tasks.get("/api/project/next").get_json()["id"] == 1
    listed = tasks.get("/api/tasks").get_json()
    assert listed[0]["has_cancelled_completions"] == 1


def test_patch_updates_a_completion(tasks, project_dir):
    cid = tasks.post("/api/tasks/0/completions", json={"result": [], "lead_time": 1}).get_json()["id"]
    created = record(project_dir, 0)["completions"][0]["created_at"]
    r = tasks.patch(f"/api/tasks/0/completions/{cid}",
                    json={"lead_time": 5.0, "honeypot": True, "result": [{"type": "x"}]})
    assert r.status_code == 201
    assert r.get_json() == {"detail": "created"}
    [completion] = record(project_dir, 0)["completions"]
    assert completion["lead_time"] == 5.0 and completion["honeypot"] is True
    assert completion["result"] == [{"type": "x"}]
    assert completion["created_at"] == created
    assert completion["updated_at"] >= created
    assert completion["was_cancelled"] is False
    tasks.patch(f"/api/tasks/0/completions/{cid}?was_cancelled=1", json={})
    assert record(project_dir, 0)["completions"][0]["was_cancelled"] is True


def test_patch_unknown_completion_is_404_and_creates_nothing(tasks, project_dir):
    tasks.post("/api/tasks/0/completions", json={"result": []})
    before = folder_snapshot(project_dir)
    r = tasks.patch("/api/tasks/0/completions/999", json={"lead_time": 1})
    assert r.status_code == 404
    assert r.get_json()["detail"] == "Completion 999 not found in task 0"
    assert tasks.patch("/api/tasks/7/completions/1", json={}).status_code == 404
    assert tasks.patch("/api/tasks/0/completions/x", json={}).status_code == 400
    assert folder_snapshot(project_dir) == before


def test_null_completion_id_is_answered_without_change(tasks, project_dir):
    before = folder_snapshot(project_dir)
    r = tasks.patch("/api/tasks/0/completions/null", json={"result": []})
    assert r.status_code == 200
    assert r.get_json() == {"detail": "completion id is null"}
    assert folder_snapshot(project_dir) == before


def test_deleting_the_last_completion_removes_the_record(tasks, project_dir):
    a = tasks.post("/api/tasks/0/completions", json={"result": []}).get_json()["id"]
    b = tasks.post("/api/tasks/0/completions", json={"result": []}).get_json()["id"]
    assert tasks.delete(f"/api/tasks/0/completions/{a}").status_code == 204
    assert [c["id"] for c in record(project_dir, 0)["completions"]] == [b]
    r = tasks.delete(f"/api/tasks/0/completions/{b}")
    assert r.status_code == 204 and r.data == b""
    assert not os.path.exists(os.path.join(project_dir, "completions", "0.json"))
    assert tasks.get("/api/project/next").get_json()["id"] == 0
    assert tasks.delete(f"/api/tasks/0/completions/{b}").status_code == 404


def test_delete_all_completions_of_a_task(tasks, project_dir):
    tasks.post("/api/tasks/2/completions", json={"result": []})
    assert tasks.delete("/api/tasks/2/completions").status_code == 204
    assert not os.path.exists(os.path.join(project_dir, "completions", "2.json"))
    assert tasks.delete("/api/tasks/2/completions").status_code == 204
    assert tasks.delete("/api/tasks/9/completions").status_code == 404


def test_deleting_is_refused_when_the_config_forbids_it(tasks, project_dir):
    cid = tasks.post("/api/tasks/0/completions", json={"result": []}).get_json()["id"]
    path = os.path.join(project_dir, "config.json")
    with open(path) as f:
        config = json.load(f)
    del config["allow_delete_completions"]  # a missing key means false
    with open(path, "w") as f:
        json.dump(config, f)
    before = folder_snapshot(project_dir)
    for url in (f"/api/tasks/0/completions/{cid}", "/api/tasks/0/completions"):
        r = tasks.delete(url)
        assert r.status_code == 422
        assert r.get_json()["detail"] == "Completion removing is not allowed in server config"
    assert folder_snapshot(project_dir) == before


def test_completion_ids_endpoint_and_delete_all(tasks, project_dir):
    tasks.post("/api/tasks/2/completions", json={"result": []})
    tasks.post("/api/tasks/0/completions?was_cancelled=1", json={"result": []})
    assert tasks.get("/api/completions").get_json() == {"ids": [0, 2]}
    r = tasks.delete("/api/completions")
    assert r.status_code == 201 and r.get_json() == {"detail": "done"}
    assert tasks.get("/api/completions").get_json() == {"ids": []}
    assert os.listdir(os.path.join(project_dir, "completions")) == []


@pytest.mark.parametrize("body", ['{"result": [', '[1, 2]', '"text"', '{"result": "x"}', ""])
def test_bad_completion_bodies_are_400_and_write_nothing(tasks, project_dir, body):
    before = folder_snapshot(project_dir)
    r = tasks.post("/api/tasks/0/completions", data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["status"] == 400 and r.get_json()["detail"]
    assert folder_snapshot(project_dir) == before


def test_completion_on_unknown_task_is_404(tasks, project_dir):
    before = folder_snapshot(project_dir)
    r = tasks.post("/api/tasks/42/completions", json={"result": []})
    assert r.status_code == 404 and r.get_json()["detail"] == "Task 42 not found"
    assert folder_snapshot(project_dir) == before

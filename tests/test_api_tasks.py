"""GET/DELETE /api/tasks, /api/tasks/<id> GET/DELETE/PATCH/POST."""
import json
import os
import time

import pytest

from conftest import folder_snapshot


@pytest.fixture
def five_tasks(client):
    client.post("/api/project/import", json=[{"image": f"http://x/{i}.jpg"} for i in range(5)])
    return client


def complete(client, task_id, **extra):
    r = client.post(f"/api/tasks/{task_id}/completions", json={"result": [], **extra})
    assert r.status_code == 201
    return r.get_json()["id"]


def ids(response):
    assert response.status_code == 200
    return [t["id"] for t in response.get_json()]


def test_list_is_a_bare_array_paged_by_id(five_tasks):
    c = five_tasks
    assert ids(c.get("/api/tasks")) == [0, 1, 2, 3, 4]
    assert ids(c.get("/api/tasks?page=2&page_size=2")) == [2, 3]
    assert ids(c.get("/api/tasks?page=3&page_size=2")) == [4]
    assert ids(c.get("/api/tasks?page=9&page_size=2")) == []
    assert ids(c.get("/api/tasks?order=-id&page_size=3")) == [4, 3, 2]
    assert ids(c.get("/api/tasks?order=-tasks:id&page_size=3")) == [4, 3, 2]


def test_order_by_completed_at_puts_tasks_without_completions_last(five_tasks, app):
    c = five_tasks
    project = app.config["LS_PROJECTS"].current()
    # explicit timestamps make the order independent of the clock
    for task_id, ts in ((3, 1_600_000_300), (1, 1_600_000_100), (4, 1_600_000_200)):
        complete(c, task_id, created_at=ts)
    assert ids(c.get("/api/tasks?order=completed_at")) == [1, 4, 3, 0, 2]
    assert ids(c.get("/api/tasks?order=-completed_at")) == [3, 4, 1, 0, 2]
    assert ids(c.get("/api/tasks?order=-completed_at&page=2&page_size=2")) == [1, 0]
    assert ids(c.get("/api/tasks?order=tasks:completed_at&page_size=2")) == [1, 4]
    first = c.get("/api/tasks?order=-completed_at&page_size=1").get_json()[0]
    assert first["completed_at"] == time.strftime("%Y-%m-%d %H:%M:%S",
                                                  time.localtime(1_600_000_300))
    assert first["has_cancelled_completions"] == 0
    assert project.summary()["completion_count"] == 3


def test_order_by_cancelled_count(five_tasks):
    c = five_tasks
    complete(c, 2, was_cancelled=True)
    complete(c, 2, was_cancelled=True)
    complete(c, 0)
    complete(c, 4, was_cancelled=True)
    assert ids(c.get("/api/tasks?order=-has_cancelled_completions")) == [2, 4, 0, 1, 3]
    listed = {t["id"]: t for t in c.get("/api/tasks").get_json()}
    assert listed[2]["has_cancelled_completions"] == 2
    assert "completed_at" not in listed[1]


def test_equal_cancelled_counts_fall_back_to_id_ascending(five_tasks):
    c = five_tasks
    # completed in reverse id order, so a completion-time tie-break would reverse them
    for task_id, ts in ((4, 1_600_000_100), (3, 1_600_000_200), (1, 1_600_000_300)):
        complete(c, task_id, was_cancelled=True, created_at=ts)
    complete(c, 2, created_at=1_600_000_400)
    assert ids(c.get("/api/tasks?order=has_cancelled_completions")) == [2, 1, 3, 4, 0]
    assert ids(c.get("/api/tasks?order=-has_cancelled_completions")) == [1, 3, 4, 2, 0]
    assert ids(c.get("/api/tasks?order=-tasks:has_cancelled_completions&page=2&page_size=2")) \
        == [4, 2]


def test_equal_completion_times_fall_back_to_id_ascending(five_tasks):
    c = five_tasks
    for task_id in (4, 1, 3):
        complete(c, task_id, created_at=1_600_000_000)
    assert ids(c.get("/api/tasks?order=completed_at")) == [1, 3, 4, 0, 2]
    assert ids(c.get("/api/tasks?order=-completed_at")) == [1, 3, 4, 0, 2]


def test_fields_keep_only_the_named_keys(five_tasks):
    complete(five_tasks, 0)
    items = five_tasks.get("/api/tasks?fields=id,completed_at&page_size=2").get_json()
    assert items[0].keys() == {"id", "completed_at"}
    assert items[1] == {"id": 1}


@pytest.mark.parametrize("query,status,words", [
    ("page=0", 422, "Incorrect page or page_size"),
    ("page_size=0", 422, "Incorrect page or page_size"),
    ("page=abc", 400, "page must be an integer"),
    ("page_size=1.5", 400, "page_size must be an integer"),
    ("order=name", 400, "Incorrect order"),
])
def test_bad_list_parameters(five_tasks, query, status, words):
    r = five_tasks.get(f"/api/tasks?{query}")
    assert r.status_code == status
    assert words in r.get_json()["detail"]


def test_get_one_task_merges_record_and_source_predictions(client):
    client.post("/api/project/import", json=[{"data": {"image": "a"},
                                              "predictions": [{"result": [], "score": 0.5}]}])
    bare = client.get("/api/tasks/0")
    assert bare.status_code == 200 and bare.data.endswith(b"\n")
    assert bare.get_json() == {"id": 0, "data": {"image": "a"},
                               "predictions": [{"result": [], "score": 0.5}]}
    cid = complete(client, 0, lead_time=1.5)
    task = client.get("/api/tasks/0").get_json()
    assert [c["id"] for c in task["completions"]] == [cid]
    assert task["predictions"] == [{"result": [], "score": 0.5}]
    assert task["data"] == {"image": "a"}
    pretty = client.get("/api/tasks/0?pretty=1")
    assert b'\n  "' in pretty.data


def test_unknown_and_bad_task_ids(client):
    assert client.get("/api/tasks/5").status_code == 404
    assert client.get("/api/tasks/5").get_json()["detail"] == "Task 5 not found"
    r = client.get("/api/tasks/five")
    assert r.status_code == 400 and "integer" in r.get_json()["detail"]
    assert client.delete("/api/tasks/5").status_code == 404
    assert client.patch("/api/tasks/5", json={"data": {"image": "b"}}).status_code == 404


def test_delete_one_task_removes_its_completions(five_tasks, project_dir):
    complete(five_tasks, 1)
    assert os.path.exists(os.path.join(project_dir, "completions", "1.json"))
    r = five_tasks.delete("/api/tasks/1")
    assert r.status_code == 204 and r.data == b""
    assert not os.path.exists(os.path.join(project_dir, "completions", "1.json"))
    assert ids(five_tasks.get("/api/tasks")) == [0, 2, 3, 4]
    with open(os.path.join(project_dir, "tasks.json")) as f:
        assert sorted(json.load(f)) == ["0", "2", "3", "4"]


def test_delete_all_tasks_keeps_nothing_but_uploads(five_tasks, project_dir):
    complete(five_tasks, 0)
    r = five_tasks.delete("/api/tasks")
    assert r.status_code == 204 and r.data == b""
    assert five_tasks.get("/api/tasks").get_json() == []
    with open(os.path.join(project_dir, "tasks.json")) as f:
        assert json.load(f) == {}
    assert os.listdir(os.path.join(project_dir, "completions")) == []


def test_patch_rewrites_the_task(five_tasks, project_dir):
    body = {"data": {"image": "http://x/new.jpg"}, "meta": {"k": 1},
            "predictions": [{"result": [], "score": 0.9}]}
    r = five_tasks.patch("/api/tasks/2", json=body)
    assert r.status_code == 200
    assert r.get_json() == {"detail": "Task patched", "data": {**body, "id": 2}}
    assert five_tasks.get("/api/tasks/2").get_json() == {**body, "id": 2}
    r = five_tasks.post("/api/tasks/3", json={"image": "http://x/bare.jpg"})
    assert r.status_code == 200
    assert five_tasks.get("/api/tasks/3").get_json()["data"] == {"image": "http://x/bare.jpg"}
    with open(os.path.join(project_dir, "tasks.json")) as f:
        assert json.load(f)["2"]["meta"] == {"k": 1}


def test_patch_with_invalid_task_changes_nothing(five_tasks, project_dir):
    before = folder_snapshot(project_dir)
    r = five_tasks.patch("/api/tasks/2", json={"data": {"picture": "x"}})
    assert r.status_code == 400
    assert '"image" key is expected' in r.get_json()["detail"][0]
    for bad in ([1, 2], "text"):
        r = five_tasks.patch("/api/tasks/2", json=bad)
        assert r.status_code == 400
    assert folder_snapshot(project_dir) == before


def test_patched_data_is_served_with_existing_completions(five_tasks):
    complete(five_tasks, 2)
    five_tasks.patch("/api/tasks/2", json={"data": {"image": "http://x/fixed.jpg"}})
    task = five_tasks.get("/api/tasks/2").get_json()
    assert task["data"] == {"image": "http://x/fixed.jpg"}
    assert len(task["completions"]) == 1

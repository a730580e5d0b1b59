"""POST /api/project/import with JSON bodies."""
import json
import os

from conftest import folder_snapshot


def read_tasks(project_dir):
    with open(os.path.join(project_dir, "tasks.json")) as f:
        return json.load(f)


def test_import_list_of_bare_data_dicts(client, project_dir):
    r = client.post("/api/project/import",
                    json=[{"image": "http://x/a.jpg"}, {"image": "http://x/b.jpg"}])
    assert r.status_code == 201
    body = r.get_json()
    assert body["task_count"] == 2
    assert body["new_task_ids"] == [0, 1]
    assert body["formats"] == {"request": 2}
    assert {"completion_count", "prediction_count", "duration"} <= body.keys()
    on_disk = read_tasks(project_dir)
    assert on_disk == {"0": {"id": 0, "data": {"image": "http://x/a.jpg"}},
                       "1": {"id": 1, "data": {"image": "http://x/b.jpg"}}}


def test_import_single_dict_is_one_task(client):
    r = client.post("/api/project/import", json={"image": "http://x/a.jpg"})
    assert r.status_code == 201
    assert r.get_json()["new_task_ids"] == [0]


def test_import_full_tasks_with_completions_predictions_and_meta(client, project_dir):
    task = {"data": {"image": "http://x/a.jpg"}, "meta": {"source": "camera 2"},
            "predictions": [{"result": [], "score": 0.7}],
            "completions": [{"result": [], "lead_time": 3, "created_at": 1600000000},
                            {"result": [], "was_cancelled": True}]}
    r = client.post("/api/project/import", json=[task])
    assert r.status_code == 201
    body = r.get_json()
    assert (body["completion_count"], body["prediction_count"]) == (2, 1)
    stored = read_tasks(project_dir)["0"]
    assert stored["meta"] == {"source": "camera 2"}
    assert stored["predictions"] == [{"result": [], "score": 0.7}]
    with open(os.path.join(project_dir, "completions", "0.json")) as f:
        record = json.load(f)
    ids = [c["id"] for c in record["completions"]]
    assert len(set(ids)) == 2 and 0 not in ids
    assert record["completions"][0]["created_at"] == 1600000000
    assert record["completions"][1]["was_cancelled"] is True
    task = client.get("/api/tasks/0").get_json()
    assert len(task["completions"]) == 2
    assert task["predictions"] == [{"result": [], "score": 0.7}]


def test_ids_continue_after_the_largest_ever_used(client):
    client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}, {"image": "c"}])
    assert client.delete("/api/tasks/2").status_code == 204
    r = client.post("/api/project/import", json=[{"image": "d"}])
    assert r.get_json()["new_task_ids"] == [3]
    assert client.delete("/api/tasks").status_code == 204
    r = client.post("/api/project/import", json=[{"image": "e"}])
    assert r.get_json()["new_task_ids"] == [4]


def test_incoming_ids_are_ignored(client):
    r = client.post("/api/project/import", json=[{"id": 77, "data": {"image": "a"}}])
    assert r.get_json()["new_task_ids"] == [0]
    assert client.get("/api/tasks/0").get_json()["id"] == 0


def test_missing_data_key_names_item_and_key_and_writes_nothing(client, project_dir):
    client.post("/api/project/import", json=[{"image": "ok"}])
    before = folder_snapshot(project_dir)
    r = client.post("/api/project/import", json=[{"image": "fine"}, {"picture": "x"}])
    assert r.status_code == 400
    messages = r.get_json()
    assert isinstance(messages, list) and len(messages) == 1
    assert "item 1" in messages[0] and '"image" key is expected' in messages[0]
    assert "::" in messages[0]
    assert folder_snapshot(project_dir) == before


def test_bad_items_each_get_a_message(client, project_dir):
    before = folder_snapshot(project_dir)
    r = client.post("/api/project/import", json=[
        {"foo": "x"},
        {"data": {"image": 5}},
        {"data": {"image": "a"}, "completions": [{}]},
        7,
        {"data": {"image": "a"}, "predictions": [{"result": "no"}]},
        {"data": "not a dict"},
    ])
    assert r.status_code == 400
    messages = r.get_json()
    assert len(messages) == 6
    assert "item 0" in messages[0] and '"image" key is expected' in messages[0]
    assert "item 1" in messages[1] and "image" in messages[1]
    assert 'Completion must have "result" fields' in messages[2]
    assert "Task root must be dict" in messages[3]
    assert '"result" field in prediction must be list' in messages[4]
    assert "Task[data]" in messages[5]
    assert folder_snapshot(project_dir) == before


def test_empty_and_malformed_bodies_are_400(client, project_dir):
    before = folder_snapshot(project_dir)
    for body, expected in (("[]", "data is empty"), ("{}", "data is empty"),
                           ("[1, 2", "Invalid JSON"), ('"text"', "Incorrect task type"),
                           ("", "No data found")):
        r = client.post("/api/project/import", data=body, content_type="application/json")
        assert r.status_code == 400, body
        assert expected in r.get_json()[0], body
    assert folder_snapshot(project_dir) == before


def test_too_many_tasks_in_one_import(client, project_dir):
    client.application.config["LS_PROJECTS"].current().settings.raw["max_tasks_per_import"] = 3
    r = client.post("/api/project/import", json=[{"image": str(i)} for i in range(4)])
    assert r.status_code == 400
    assert "Maximum task number is 3" in r.get_json()[0]


def test_undefined_key_takes_the_first_data_key(client):
    r = client.post("/api/project/import", json=[{"$undefined$": "http://x/a.jpg"}])
    assert r.status_code == 201
    assert client.get("/api/tasks/0").get_json()["data"] == {"image": "http://x/a.jpg"}


def test_import_without_content_type_is_read_as_json(client):
    # curl --data without -H sends application/x-www-form-urlencoded
    r = client.post("/api/project/import", data='[{"image": "a"}]',
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 201
    assert r.get_json()["task_count"] == 1

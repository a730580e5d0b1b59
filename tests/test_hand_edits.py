"""Files edited or dropped in by hand while the server runs are seen on the next request."""
import json
import os
import time


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f)


def test_hand_edited_tasks_json_is_seen(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}])
    assert client.get("/api/project").get_json()["task_count"] == 1
    write_json(os.path.join(project_dir, "tasks.json"),
               {"0": {"id": 0, "data": {"image": "a"}}, "4": {"id": 4, "data": {"image": "e"}}})
    assert client.get("/api/project").get_json()["task_count"] == 2
    assert client.get("/api/tasks/4").get_json()["data"] == {"image": "e"}
    r = client.post("/api/project/import", json=[{"image": "f"}])
    assert r.get_json()["new_task_ids"] == [5]


def test_in_place_edit_of_tasks_json_with_same_size_is_seen(client, project_dir):
    client.post("/api/project/import", json=[{"image": "aaaa"}])
    path = os.path.join(project_dir, "tasks.json")
    with open(path) as f:
        text = f.read()
    time.sleep(0.01)
    with open(path, "r+") as f:  # same inode, same size
        f.write(text.replace("aaaa", "bbbb"))
    assert client.get("/api/tasks/0").get_json()["data"] == {"image": "bbbb"}


def test_dropped_in_completion_file_is_seen(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}])
    assert client.get("/api/project/next").get_json()["id"] == 0
    write_json(os.path.join(project_dir, "completions", "0.json"),
               {"id": 0, "data": {"image": "a"},
                "completions": [{"id": 500, "result": [], "created_at": 1600000000}]})
    assert client.get("/api/project/next").get_json()["id"] == 1
    assert client.get("/api/completions").get_json() == {"ids": [0]}
    assert client.get("/api/tasks/0").get_json()["completions"][0]["id"] == 500
    cid = client.post("/api/tasks/1/completions", json={"result": []}).get_json()["id"]
    assert cid == 501


def test_edited_completion_file_is_served_fresh(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}])
    client.post("/api/tasks/0/completions", json={"result": [], "lead_time": 1})
    path = os.path.join(project_dir, "completions", "0.json")
    with open(path) as f:
        record = json.load(f)
    record["completions"][0]["lead_time"] = 99
    record["completions"][0]["was_cancelled"] = True
    with open(path, "w") as f:  # edited in place, the folder does not change
        json.dump(record, f)
    assert client.get("/api/tasks/0").get_json()["completions"][0]["lead_time"] == 99
    listed = client.get("/api/tasks").get_json()[0]
    assert listed["has_cancelled_completions"] == 1


def test_removed_completion_file_makes_the_task_available_again(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}])
    client.post("/api/tasks/0/completions", json={"result": []})
    assert client.get("/api/project/next").status_code == 404
    os.unlink(os.path.join(project_dir, "completions", "0.json"))
    assert client.get("/api/project/next").get_json()["id"] == 0
    assert client.get("/api/project").get_json()["completion_count"] == 0


def test_hand_edited_config_files_are_seen(client, project_dir):
    path = os.path.join(project_dir, "config.json")
    with open(path) as f:
        config = json.load(f)
    config["instruction"] = "Label every car"
    write_json(path, config)
    assert client.get("/api/project").get_json()["instruction"] == "Label every car"
    with open(os.path.join(project_dir, "config.xml"), "w") as f:
        f.write('<View><Text name="t" value="$text"/></View>')
    assert client.get("/api/project").get_json()["data_types"] == {"text": "Text"}


def test_changes_by_another_project_object_are_seen(project_dir):
    # two Project objects on one folder stand for two processes
    from label_studio.project import Project
    first, second = Project(project_dir), Project(project_dir)
    first.import_tasks([{"data": {"image": "a"}}])
    second.import_tasks([{"data": {"image": "b"}}])
    assert first.task_ids() == [0, 1]
    first.add_completion(0, {"result": []})
    second.add_completion(0, {"result": []})
    assert len(first.get_task(0)["completions"]) == 2
    assert first.completed_task_ids() == [0]


def test_completions_folder_removed_by_hand_is_made_again(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}])
    folder = os.path.join(project_dir, "completions")
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)
    r = client.post("/api/tasks/0/completions", json={"result": []})
    assert r.status_code == 201
    with open(os.path.join(folder, "0.json")) as f:
        assert [c["id"] for c in json.load(f)["completions"]] == [r.get_json()["id"]]
    assert client.get("/api/tasks/0").get_json()["completions"][0]["id"] == r.get_json()["id"]


def test_completions_folder_swapped_by_hand_gets_the_next_records(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}])
    first = client.post("/api/tasks/0/completions", json={"result": []})
    assert first.status_code == 201  # the server now keeps completions/ open
    folder = os.path.join(project_dir, "completions")
    os.rename(folder, os.path.join(project_dir, "completions.old"))
    os.mkdir(folder)
    r = client.post("/api/tasks/1/completions", json={"result": []})
    assert r.status_code == 201
    assert os.listdir(folder) == ["1.json"]
    assert os.listdir(os.path.join(project_dir, "completions.old")) == ["0.json"]
    assert client.get("/api/tasks/1").get_json()["completions"][0]["id"] == r.get_json()["id"]
    assert not client.get("/api/tasks/0").get_json().get("completions")  # it went with the old one


def test_hand_edited_completion_time_shows_in_the_listing_that_reads_it(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}])
    for task_id in (0, 1):
        assert client.post(f"/api/tasks/{task_id}/completions",
                           json={"result": []}).status_code == 201
    page = "/api/tasks?page=1&page_size=10&order=-completed_at"
    path = os.path.join(project_dir, "completions", "0.json")
    # the folder's stamp does not change on an edit in place: only a read of the file sees it
    for created_at, year, order in ((946771200, "2000", [1, 0]), (4102531200, "2100", [0, 1])):
        with open(path) as f:
            record = json.load(f)
        record["completions"][0]["created_at"] = created_at
        with open(path, "r+") as f:
            f.write(json.dumps(record))
            f.truncate()
        listed = {t["id"]: t for t in client.get(page).get_json()}
        assert listed[0]["completed_at"].startswith(year)
        assert [t["id"] for t in client.get(page).get_json()] == order

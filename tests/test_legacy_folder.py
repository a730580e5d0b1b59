"""A project folder as 0.8.2/0.9.1 wrote it (spec/project-dir.md examples) opens unchanged,
and what we write back keeps its shape and unknown keys."""
import json
import os

import pytest

from label_studio.server import create_app

LEGACY_CONFIG = {
    "title": "Label Studio", "description": "default", "protocol": "http://",
    "host": "0.0.0.0", "port": 8080, "debug": False, "label_config": "config.xml",
    "input_path": "tasks.json", "output_dir": "completions",
    "instruction": "<img src='static/images/ls_logo.png'><br> Type some <b>hypertext</b>",
    "allow_delete_completions": True, "templates_dir": "examples", "editor": {"debug": False},
    "sampling": "sequential", "ml_backends": [], "task_page_auto_update_timer": 10000,
    "show_project_links_in_multisession": True,
    "source": {"name": "Tasks", "type": "tasks-json", "path": "tasks.json"},
    "target": {"name": "Completions", "type": "completions-dir", "path": "completions"},
    "some_future_key": {"kept": True},
}
LEGACY_XML = """<!-- {"title": "Bbox object detection", "category": "image", "complexity": "basic"} -->
<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Airplane" background="green"/>
    <Label value="Car" background="blue"/>
  </RectangleLabels>
</View>
"""
# tasks.json as `init` writes it: indented, ensure_ascii on
LEGACY_TASKS = """{
  "0": {
    "id": 0,
    "data": {
      "image": "http:\\/\\/example.com\\/a.jpg"
    }
  },
  "1": {
    "id": 1,
    "data": {
      "image": "http://example.com/b.jpg"
    },
    "predictions": [{"result": [], "score": 0.5}]
  },
  "2": {
    "id": 2,
    "data": {
      "image": "http://example.com/c.jpg"
    },
    "completions": [{"result": [], "lead_time": 3.5}]
  },
  "5": {"id": 5, "data": {"image": "http://example.com/caf\\u00e9.jpg"}, "custom": "kept"},
  "7": {"id": 7, "task_path": "/abs/dir/a.png", "data": {"image": "/data/a.png?d=%2Fabs%2Fdir"}}
}"""
# 0.9 writes records with ujson: `\\/` escapes, indent 2, sorted keys
LEGACY_RECORD_2 = """{
    "completions": [
        {
            "created_at": 1795815958,
            "id": 2001,
            "lead_time": 3.5,
            "result": [
                {"from_name": "label", "original_height": 480, "original_width": 640,
                 "to_name": "image", "type": "rectanglelabels",
                 "value": {"height": 40, "rectanglelabels": ["Car"], "rotation": 0,
                           "width": 30, "x": 10, "y": 20}}
            ]
        },
        {"created_at": 1795815970, "id": 2002, "lead_time": 1.0, "result": [],
         "was_cancelled": true, "reviewer_note": "kept"}
    ],
    "data": {"image": "http:\\/\\/example.com\\/c.jpg"},
    "id": 2,
    "record_extra": "kept"
}"""
# 0.8 left an empty record after deleting the last completion
LEGACY_RECORD_7 = '{"completions": [], "data": {"image": "/data/a.png?d=%2Fabs%2Fdir"}, "id": 7, "predictions": []}'
SOURCE_JSON = '{"0": {"key": "legacy/tasks.json/0", "exists": true}}'
TABS_JSON = '{"tabs": [{"id": 1, "title": "Tab 1", "hiddenColumns": null}]}'


@pytest.fixture
def legacy_dir(tmp_path):
    root = tmp_path / "legacy"
    (root / "completions").mkdir(parents=True)
    (root / "upload").mkdir()
    (root / "config.json").write_text(json.dumps(LEGACY_CONFIG, indent=2))
    (root / "config.xml").write_text(LEGACY_XML)
    (root / "tasks.json").write_text(LEGACY_TASKS)
    (root / "source.json").write_text(SOURCE_JSON)
    (root / "tabs.json").write_text(TABS_JSON)
    (root / "completions" / "2.json").write_text(LEGACY_RECORD_2)
    (root / "completions" / "7.json").write_text(LEGACY_RECORD_7)
    (root / "completions" / "notes.json").write_text("not a record")
    return str(root)


def test_legacy_folder_is_served_as_is(legacy_dir):
    client = create_app(legacy_dir).test_client()
    summary = client.get("/api/project").get_json()
    assert summary["task_count"] == 5
    assert summary["completion_count"] == 1  # the empty 0.8 record does not count
    assert summary["config"]["some_future_key"] == {"kept": True}
    assert summary["data_types"] == {"image": "Image"}
    assert "<!--" not in summary["label_config_line"]

    tasks = {t["id"]: t for t in client.get("/api/tasks?page_size=50").get_json()}
    assert tasks[0]["data"]["image"] == "http://example.com/a.jpg"
    assert tasks[5]["data"]["image"] == "http://example.com/café.jpg"
    assert tasks[5]["custom"] == "kept"
    assert [c["id"] for c in tasks[2]["completions"]] == [2001, 2002]
    assert tasks[2]["has_cancelled_completions"] == 1
    assert tasks[2]["record_extra"] == "kept"
    assert tasks[7]["task_path"] == "/abs/dir/a.png"
    assert "completed_at" not in tasks[7]

    assert client.get("/api/completions").get_json() == {"ids": [2]}
    seen = []
    for _ in range(4):
        task = client.get("/api/project/next").get_json()
        seen.append(task["id"])
        client.post(f"/api/tasks/{task['id']}/completions", json={"result": []})
    assert seen == [0, 1, 5, 7]


def test_what_we_write_keeps_the_legacy_shapes_and_unknown_keys(legacy_dir):
    client = create_app(legacy_dir).test_client()
    r = client.post("/api/tasks/2/completions", json={"result": [], "lead_time": 1})
    new_id = r.get_json()["id"]
    assert new_id == 2003  # max existing completion id + 1
    r = client.post("/api/project/import", json=[{"image": "http://example.com/d.jpg"}])
    assert r.get_json()["new_task_ids"] == [8]

    def load(name):
        with open(os.path.join(legacy_dir, name), encoding="utf-8") as f:
            return json.load(f)

    tasks = load("tasks.json")
    assert sorted(tasks, key=int) == ["0", "1", "2", "5", "7", "8"]
    assert tasks["5"]["custom"] == "kept"
    assert all(tasks[k]["id"] == int(k) for k in tasks)
    record = load("completions/2.json")
    assert record["record_extra"] == "kept"
    assert record["completions"][1]["reviewer_note"] == "kept"
    assert [c["id"] for c in record["completions"]] == [2001, 2002, 2003]
    source = load("source.json")
    assert set(source) == set(tasks)
    assert source["8"] == {"key": f"{legacy_dir}/tasks.json/8", "exists": True}
    assert load("config.json")["some_future_key"] == {"kept": True}
    with open(os.path.join(legacy_dir, "tabs.json")) as f:
        assert f.read() == TABS_JSON
    with open(os.path.join(legacy_dir, "completions", "notes.json")) as f:
        assert f.read() == "not a record"


def test_a_task_list_in_tasks_json_is_accepted(tmp_path, legacy_dir):
    with open(os.path.join(legacy_dir, "tasks.json"), "w") as f:
        json.dump([{"data": {"image": "a"}}, {"id": 10, "data": {"image": "b"}}], f)
    client = create_app(legacy_dir).test_client()
    assert [t["id"] for t in client.get("/api/tasks").get_json()] == [0, 10]


def test_broken_files_are_reported_not_fatal(legacy_dir):
    with open(os.path.join(legacy_dir, "completions", "2.json"), "w") as f:
        f.write('{"completions": [')
    with open(os.path.join(legacy_dir, "tasks.json"), "a") as f:
        f.write("trailing garbage")
    client = create_app(legacy_dir).test_client()
    assert client.get("/api/health").status_code == 200
    summary = client.get("/api/project").get_json()
    assert summary["task_count"] == 0
    assert any("tasks.json" in w for w in summary["warnings"])
    assert any("completions/2.json" in w for w in summary["warnings"])


def test_an_unreadable_tasks_json_is_never_overwritten(legacy_dir):
    path = os.path.join(legacy_dir, "tasks.json")
    with open(path, "a") as f:
        f.write("trailing garbage")
    with open(path, "rb") as f:
        broken = f.read()
    client = create_app(legacy_dir).test_client()
    for method, url, body in (("post", "/api/project/import", [{"image": "x"}]),
                              ("delete", "/api/tasks", None),
                              ("delete", "/api/tasks/0", None)):
        r = getattr(client, method)(url, json=body)
        assert r.status_code in (404, 409), url
    r = client.post("/api/project/import", json=[{"image": "x"}])
    assert r.status_code == 409 and "tasks.json" in r.get_json()["detail"]
    with open(path, "rb") as f:
        assert f.read() == broken


def test_records_named_with_other_digits_are_left_alone(legacy_dir):
    # "²" and "٣" are digits to str.isdigit(); only ASCII digits name a task's record
    for name in ("².json", "٣.json", "1٣.json"):
        with open(os.path.join(legacy_dir, "completions", name), "w") as f:
            f.write('{"completions": [{"id": 1, "result": []}]}')
    client = create_app(legacy_dir).test_client()
    assert client.get("/api/project").status_code == 200
    assert client.get("/api/completions").get_json() == {"ids": [2]}
    assert os.path.exists(os.path.join(legacy_dir, "completions", "².json"))

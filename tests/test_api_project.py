"""/api/project, /api/project/config, helpers and legacy aliases."""
import json
import os

from conftest import folder_snapshot

SUMMARY_KEYS = {
    "project_name", "task_count", "completion_count", "config", "instruction",
    "can_manage_tasks", "can_manage_completions", "can_delete_tasks", "source_storage",
    "target_storage", "available_storages", "source_syncing", "target_syncing", "data_types",
    "label_config_line", "multi_session_mode", "config_has_control_tags",
}
NEW_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>
</View>"""


def test_summary_has_the_legacy_keys(client):
    client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}])
    client.post("/api/tasks/1/completions", json={"result": []})
    r = client.get("/api/project")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    body = r.get_json()
    assert SUMMARY_KEYS <= body.keys()
    assert body["task_count"] == 2 and body["completion_count"] == 1
    assert body["data_types"] == {"image": "Image"}
    assert "\n" not in body["label_config_line"] and "RectangleLabels" in body["label_config_line"]
    assert body["multi_session_mode"] is False
    assert body["config_has_control_tags"] is True
    assert body["config"]["source"]["type"] == "tasks-json"
    assert client.get("/api/project/").status_code == 200


def test_summary_masks_secrets(client, project_dir):
    path = os.path.join(project_dir, "config.json")
    with open(path) as f:
        config = json.load(f)
    config["password"] = "hunter2"
    config["source"] = {"type": "tasks-json", "path": None,
                        "params": {"aws_secret_access_key": "s3cr3t", "prefix": "p"}}
    with open(path, "w") as f:
        json.dump(config, f)
    app_config = client.get("/api/project", headers={
        "Authorization": "Basic bHM6aHVudGVyMg=="}).get_json()["config"]
    assert app_config["password"] == "***"
    assert app_config["source"]["params"] == {"aws_secret_access_key": "***", "prefix": "p"}


def test_post_project_without_new_is_a_summary_and_with_new_is_refused(client):
    assert client.post("/api/project").status_code == 200
    r = client.post("/api/project?new=1&desc=x")
    assert r.status_code == 400
    assert "start-multi-session" in r.get_json()["detail"]


def test_patch_project_validates_ml_backend(client, project_dir):
    before = folder_snapshot(project_dir)
    r = client.patch("/api/project", json={"ml_backend": "not a url"})
    assert r.status_code == 400 and "doesn't look like URL" in r.get_json()["detail"]
    r = client.patch("/api/project", json={"ml_backend": "http://127.0.0.1:9"})
    assert r.status_code == 400 and "is not connected" in r.get_json()["detail"]
    assert client.patch("/api/project", data="", content_type="application/json").status_code == 400
    assert folder_snapshot(project_dir) == before
    assert client.patch("/api/project", json={"other": 1}).status_code == 201


def read(project_dir, name):
    with open(os.path.join(project_dir, name)) as f:
        return f.read()


def test_config_from_json_form_and_raw_xml(client, project_dir):
    r = client.post("/api/project/config", json={"label_config": NEW_CONFIG})
    assert r.status_code == 201 and r.data == b""
    assert read(project_dir, "config.xml") == NEW_CONFIG
    assert json.loads(read(project_dir, "config.json"))["label_config_updated"] is True
    assert client.get("/api/project").get_json()["data_types"] == {"text": "Text"}

    form_config = NEW_CONFIG.replace("Negative", "Neutral").replace("\n", "\r\n")
    r = client.post("/api/project/config", data={"label_config": form_config})
    assert r.status_code == 201
    assert read(project_dir, "config.xml") == form_config.replace("\r\n", "\n")

    for content_type in ("application/xml", "text/xml"):
        xml = NEW_CONFIG.replace("Positive", content_type)
        r = client.post("/api/project/config", data=xml, content_type=content_type)
        assert r.status_code == 201
        assert read(project_dir, "config.xml") == xml


def test_bad_configs_are_400_with_messages_and_not_saved(client, project_dir):
    before = folder_snapshot(project_dir)
    cases = [
        (dict(json={"label_config": "<View><Image"}), None),
        (dict(json={"other": 1}), "No label_config in request"),
        (dict(data="{not json", content_type="application/json"), "Invalid JSON body"),
        (dict(data="", content_type="application/xml"), None),
    ]
    for kwargs, message in cases:
        r = client.post("/api/project/config", **kwargs)
        assert r.status_code == 400, kwargs
        messages = r.get_json()["label_config"]
        assert isinstance(messages, list) and messages
        if message:
            assert messages == [message]
    assert folder_snapshot(project_dir) == before


def test_config_change_refused_when_it_drops_a_data_key_in_use(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a"}])
    before = folder_snapshot(project_dir)
    r = client.post("/api/project/config", json={"label_config": NEW_CONFIG})
    assert r.status_code == 400
    assert any("text" in m for m in r.get_json()["label_config"])
    assert folder_snapshot(project_dir) == before


def test_validate_config_does_not_save(client, project_dir):
    before = folder_snapshot(project_dir)
    assert client.post("/api/validate-config", data={"label_config": NEW_CONFIG}).status_code == 204
    r = client.post("/api/validate-config", data={"label_config": "<View><Image></View>"})
    assert r.status_code == 400 and r.get_json()["label_config"]
    assert client.post("/api/validate-config", data={}).status_code == 417
    assert folder_snapshot(project_dir) == before


def test_health_version_states(client):
    assert client.get("/api/health").get_json() == {"status": "up"}
    assert client.get("/api/states").get_json() == {"status": "done"}
    version = client.get("/version").get_json()
    assert {"label-studio-backend", "label-studio-frontend"} <= version.keys()
    for part in ("label-studio-frontend", "label-studio-datamanager"):
        assert {"branch", "commit", "date", "message"} <= version[part].keys()


def test_deprecated_aliases(client):
    client.post("/api/import", json=[{"image": "a"}, {"image": "b"}])
    client.post("/api/tasks/1/completions", json={"result": []})
    assert client.get("/api/projects/1/completions_ids/").get_json() == [1]
    assert client.get("/api/projects/1/next/").get_json()["id"] == 0
    r = client.post("/api/tasks/0/cancel")
    assert r.status_code == 410 and "was_cancelled=1" in r.get_json()["detail"]
    assert client.delete("/api/project/completions/").status_code == 201
    assert client.delete("/api/tasks/delete").status_code == 204
    assert client.get("/api/tasks").get_json() == []
    assert client.post("/api/save-config", json={"label_config": NEW_CONFIG}).status_code == 201


def test_the_export_alias_answers_the_same_zip(client):
    import io
    import zipfile
    client.post("/api/project/import", json=[{"image": "a.jpg"}])
    client.post("/api/tasks/0/completions", json={"result": []})
    answer = client.get("/api/export?format=JSON")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.data)) as archive:
        assert "result.json" in archive.namelist()

"""The import-state API: prepare, look, patch, apply; expiry; owners; limits; bad input."""
import os

import pytest

from dm_helpers import TEXT_CONFIG, dm_dir  # noqa: F401
from conftest import folder_snapshot, set_config
from label_studio.data_manager import import_states
from label_studio.project_init import InitOptions
from label_studio.server import create_app, create_multi_session_app


@pytest.fixture
def client(dm_dir):
    return create_app(dm_dir).test_client()


def test_prepare_stores_nothing_then_apply_stores_all(client, dm_dir):
    before = folder_snapshot(dm_dir)
    answer = client.post("/api/project/import/prepare",
                         json=[{"text": "a"}, {"data": {"text": "b"},
                                               "predictions": [{"result": [], "score": 1}]}])
    assert answer.status_code == 201
    state = answer.json
    assert len(state["id"]) >= 16 and state["total_tasks"] == 2
    assert state["total_predictions"] == 1 and state["formats"] == {"request": 2}
    assert state["task_preview"][0] == {"text": "a"}
    assert folder_snapshot(dm_dir) == before
    assert client.get(f"/api/project/import/{state['id']}").json["id"] == state["id"]
    patched = client.patch(f"/api/project/import/{state['id']}",
                           json={"files_as_tasks_list": {"type": None, "selected": False}})
    assert patched.status_code == 200
    assert patched.json["files_as_tasks_list"] == {"type": None, "selected": False}
    applied = client.post(f"/api/project/import/{state['id']}/apply")
    assert applied.status_code == 201 and applied.json["new_task_ids"] == [0, 1]
    assert client.get("/api/project").json["task_count"] == 2
    assert client.get(f"/api/project/import/{state['id']}").status_code == 404
    assert client.post(f"/api/project/import/{state['id']}/apply").status_code == 404


def test_prepare_with_files_stages_uploads_until_apply(client, dm_dir):
    answer = client.post("/api/project/import/prepare", data={
        "FileUpload": (__import__("io").BytesIO(b"one\ntwo\n"), "lines.txt")},
        content_type="multipart/form-data")
    assert answer.status_code == 201, answer.json
    assert answer.json["found_formats"] == {".txt": 1} and answer.json["total_tasks"] == 2
    applied = client.post(f"/api/project/import/{answer.json['id']}/apply")
    assert applied.json["task_count"] == 2


def test_same_validation_and_limits_as_import(client, dm_dir):
    before = folder_snapshot(dm_dir)
    answer = client.post("/api/project/import/prepare", json=[{"image": "x"}])
    assert answer.status_code == 400 and isinstance(answer.json, list)
    answer = client.post("/api/project/import/prepare", data="{bad",
                         content_type="application/json")
    assert answer.status_code == 400
    set_config(dm_dir, max_tasks_per_import=1)
    before = folder_snapshot(dm_dir)
    answer = client.post("/api/project/import/prepare", json=[{"text": "a"}, {"text": "b"}])
    assert answer.status_code == 400 and "Maximum task number" in answer.json[0]
    set_config(dm_dir, max_upload_size=100)
    before = folder_snapshot(dm_dir)
    answer = client.post("/api/project/import/prepare", json=[{"text": "x" * 500}])
    assert answer.status_code == 413
    assert folder_snapshot(dm_dir) == before


def test_apply_checks_against_the_config_of_now(client, dm_dir):
    state = client.post("/api/project/import/prepare", json=[{"text": "a"}]).json
    image = "<View><Image name='i' value='$image'/></View>"
    assert client.post("/api/project/config", json={"label_config": image}).status_code == 201
    before = folder_snapshot(dm_dir)
    answer = client.post(f"/api/project/import/{state['id']}/apply")
    assert answer.status_code == 400 and isinstance(answer.json, list)
    assert folder_snapshot(dm_dir) == before


def test_expiry(client, monkeypatch):
    state = client.post("/api/project/import/prepare", json=[{"text": "a"}]).json
    clock = [import_states.time.monotonic() + import_states.TTL + 1]
    monkeypatch.setattr(import_states.time, "monotonic", lambda: clock[0])
    assert client.get(f"/api/project/import/{state['id']}").status_code == 404
    assert client.post(f"/api/project/import/{state['id']}/apply").status_code == 404


def test_bad_ids_and_bodies(client, dm_dir):
    state = client.post("/api/project/import/prepare", json=[{"text": "a"}]).json
    before = folder_snapshot(dm_dir)
    assert client.get("/api/project/import/1").status_code == 404
    assert client.post("/api/project/import/nope/apply").status_code == 404
    answer = client.patch(f"/api/project/import/{state['id']}", json={"total_tasks": 9})
    assert answer.status_code == 400 and "total_tasks" in answer.json["detail"]
    assert client.patch(f"/api/project/import/{state['id']}", json=[1]).status_code == 400
    assert folder_snapshot(dm_dir) == before


def test_another_sessions_id_is_404(tmp_path):
    with open(tmp_path / "c.xml", "w") as f:
        f.write(TEXT_CONFIG)
    app = create_multi_session_app(str(tmp_path / "root"),
                                   InitOptions(label_config=str(tmp_path / "c.xml")))
    alice, bob = app.test_client(), app.test_client()
    state = alice.post("/api/project/import/prepare", json=[{"text": "a"}])
    assert state.status_code == 201, state.json
    state_id = state.json["id"]
    bob.get("/api/project")
    assert bob.get(f"/api/project/import/{state_id}").status_code == 404
    assert bob.post(f"/api/project/import/{state_id}/apply").status_code == 404
    assert alice.get(f"/api/project/import/{state_id}").status_code == 200
    assert alice.post(f"/api/project/import/{state_id}/apply").status_code == 201


def test_an_owner_keeps_at_most_a_few_states(client):
    ids = [client.post("/api/project/import/prepare", json=[{"text": "a"}]).json["id"]
           for _ in range(import_states.MAX_PER_OWNER + 2)]
    assert client.get(f"/api/project/import/{ids[0]}").status_code == 404
    assert client.get(f"/api/project/import/{ids[-1]}").status_code == 200

"""Drop-in folders: files added to the init input folder become tasks on the next request."""
import json
import os

import pytest
import requests

from conftest import LiveServer, make_project
from label_studio.project import Project
from label_studio.server import create_app


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f)


def drop(folder, name, value):
    """Writes under a hidden name, then renames: how a file should enter a drop folder."""
    hidden = os.path.join(folder, f".{name}.partial")
    write_json(hidden, value)
    os.replace(hidden, os.path.join(folder, name))


def images(client):
    return sorted(t["data"]["image"] for t in client.get("/api/tasks?page_size=100").get_json())


@pytest.fixture
def incoming(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    write_json(folder / "first.json", [{"image": "http://x/1.jpg"}])
    return str(folder)


@pytest.fixture
def dropin_project(tmp_path, incoming):
    return make_project(str(tmp_path / "proj"), input_path=incoming, input_format="json-dir")


@pytest.fixture
def dropin_client(dropin_project):
    return create_app(dropin_project).test_client()


def test_a_dropped_file_becomes_tasks_once(dropin_client, incoming):
    assert images(dropin_client) == ["http://x/1.jpg"]
    drop(incoming, "second.json", [{"image": "http://x/2.jpg"}, {"image": "http://x/3.jpg"}])
    assert images(dropin_client) == ["http://x/1.jpg", "http://x/2.jpg", "http://x/3.jpg"]
    assert dropin_client.get("/api/project").get_json()["task_count"] == 3
    assert images(dropin_client) == ["http://x/1.jpg", "http://x/2.jpg", "http://x/3.jpg"]


def test_files_in_new_subfolders_are_found(dropin_client, incoming):
    os.makedirs(os.path.join(incoming, "day2", "batch"))
    drop(os.path.join(incoming, "day2", "batch"), "more.json", {"image": "http://x/deep.jpg"})
    assert "http://x/deep.jpg" in images(dropin_client)
    drop(os.path.join(incoming, "day2"), "later.json", {"image": "http://x/later.jpg"})
    assert "http://x/later.jpg" in images(dropin_client)


def test_hidden_and_partial_names_wait_for_their_rename(dropin_client, incoming):
    write_json(os.path.join(incoming, "big.json.part"), [{"image": "http://x/p.jpg"}])
    write_json(os.path.join(incoming, ".big.json"), [{"image": "http://x/p.jpg"}])
    assert images(dropin_client) == ["http://x/1.jpg"]
    os.replace(os.path.join(incoming, "big.json.part"), os.path.join(incoming, "big.json"))
    assert images(dropin_client) == ["http://x/1.jpg", "http://x/p.jpg"]


def test_a_bad_file_is_a_warning_until_it_is_fixed(dropin_client, incoming):
    drop(incoming, "bad.json", [{"picture": "http://x/b.jpg"}])
    summary = dropin_client.get("/api/project").get_json()
    assert summary["task_count"] == 1
    assert any("bad.json" in w and '"image" key is expected' in w for w in summary["warnings"])
    drop(incoming, "bad.json", [{"image": "http://x/fixed.jpg"}])
    summary = dropin_client.get("/api/project").get_json()
    assert summary["task_count"] == 2
    assert not any("bad.json" in w for w in summary["warnings"])


def test_two_processes_on_one_folder_import_each_file_once(dropin_project, incoming):
    server_side, command_side = Project(dropin_project), Project(dropin_project)
    drop(incoming, "shared.json", [{"image": "http://x/s.jpg"}])
    assert len(server_side.task_ids()) == 2
    assert len(command_side.task_ids()) == 2
    with open(os.path.join(dropin_project, "tasks.json")) as f:
        assert len(json.load(f)) == 2


def test_image_dir_drops_become_served_image_tasks(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"first")
    path = make_project(str(tmp_path / "proj"), input_path=str(photos), input_format="image-dir",
                        allow_serving_local_files=True)
    client = create_app(path).test_client()
    (photos / "b.png").write_bytes(b"second")
    (photos / "notes.txt").write_text("not an image")
    urls = sorted(t["data"]["image"] for t in client.get("/api/tasks").get_json())
    assert [client.get(url).data for url in urls] == [b"first", b"second"]


def test_a_live_server_imports_drops_without_restart_and_never_twice(dropin_project, incoming):
    server = LiveServer(dropin_project).start()
    try:
        drop(incoming, "live.json", [{"image": "http://x/live.jpg"}])
        tasks = requests.get(f"{server.url}/api/tasks").json()
        assert [t["data"]["image"] for t in tasks] == ["http://x/1.jpg", "http://x/live.jpg"]
    finally:
        server.stop()
    drop(incoming, "offline.json", [{"image": "http://x/offline.jpg"}])
    server = LiveServer(dropin_project).start()
    try:
        tasks = requests.get(f"{server.url}/api/tasks").json()
        assert [t["data"]["image"] for t in tasks] == [
            "http://x/1.jpg", "http://x/live.jpg", "http://x/offline.jpg"]
        assert [t["id"] for t in tasks] == [0, 1, 2]
    finally:
        server.stop()
    with open(os.path.join(dropin_project, ".ls-drop-folder.json")) as f:
        assert sorted(json.load(f)[incoming]) == ["first.json", "live.json", "offline.json"]


def test_a_removed_bad_file_stops_being_a_warning(dropin_client, incoming):
    drop(incoming, "bad.json", [{"picture": "x"}])
    assert any("bad.json" in w for w in dropin_client.get("/api/project").get_json()["warnings"])
    os.remove(os.path.join(incoming, "bad.json"))
    assert not any("bad.json" in w
                   for w in dropin_client.get("/api/project").get_json()["warnings"])


def test_a_missing_drop_folder_is_a_warning(dropin_client, incoming):
    os.remove(os.path.join(incoming, "first.json"))
    os.rmdir(incoming)
    summary = dropin_client.get("/api/project").get_json()
    assert summary["task_count"] == 1
    assert any("the drop folder does not exist" in w for w in summary["warnings"])

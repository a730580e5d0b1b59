"""`/tasks`: the Data Manager page once its bundle is installed, the plain table otherwise (and
always at `/tasks-old`); the DM files are served from a fixed list."""
import hashlib

import pytest

from label_studio import dm_assets
from label_studio.web import pages

FILES = {"main.js": "exports.DataManager = function () {};",
         "main.js.LICENSE.txt": "MIT (fake)",
         "version.json": '{"commit": "abc"}'}


@pytest.fixture
def fake_dm(tmp_path, monkeypatch):
    folder = tmp_path / "dm"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text)
    monkeypatch.setattr(dm_assets, "DM_DIR", str(folder))
    monkeypatch.setattr(dm_assets, "EXPECTED", {
        name: (len(text), hashlib.sha256(text.encode()).hexdigest())
        for name, text in FILES.items()})
    monkeypatch.setattr(pages, "_verified", {})
    return folder


@pytest.fixture
def no_dm(tmp_path, monkeypatch):
    monkeypatch.setattr(dm_assets, "DM_DIR", str(tmp_path / "nothing"))
    monkeypatch.setattr(pages, "_verified", {})


def test_without_the_dm_tasks_is_the_plain_table(client, no_dm):
    client.post("/api/project/import", json=[{"image": "a.jpg"}])
    for path in ("/tasks", "/tasks-old"):
        page = client.get(path).get_data(as_text=True)
        assert "1 tasks, 0 completed" in page and "DataManager" not in page
    assert client.get("/static/dm/main.js").status_code == 404


def test_with_the_dm_tasks_boots_it_on_the_api(client, fake_dm):
    answer = client.get("/tasks?tab=1&labeling=1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert 'src="static/dm/main.js' in page and 'id="ls-dm"' in page
    assert 'apiGateway: "/api"' in page and 'href="tasks-old"' in page
    plain = client.get("/tasks-old?order=-completed_at").get_data(as_text=True)
    assert "0 tasks, 0 completed" in plain and 'href="tasks-old?order=id"' in plain


def test_a_changed_dm_file_falls_back_to_the_plain_table(client, fake_dm):
    assert "DataManager" in client.get("/tasks").get_data(as_text=True)
    (fake_dm / "main.js").write_text("exports.DataManager = 1;   /* edited */")
    assert "DataManager" not in client.get("/tasks").get_data(as_text=True)


def test_dm_files_come_from_a_fixed_list(client, fake_dm):
    answer = client.get("/static/dm/main.js")
    assert answer.status_code == 200 and answer.data == FILES["main.js"].encode()
    assert client.get("/static/dm/main.js.LICENSE.txt").data == b"MIT (fake)"
    for name in ("version.json", "..%2Fversion.json", "main.js.map", "main.css"):
        assert client.get("/static/dm/" + name).status_code == 404

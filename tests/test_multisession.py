"""label-studio start-multi-session: one project per browser session under a root folder."""
import json
import os
import stat
import subprocess
import sys
import time

import pytest
import requests

from conftest import BBOX_CONFIG, free_port
from label_studio import multisession
from label_studio.project_init import InitOptions
from label_studio.server import create_app, create_multi_session_app


@pytest.fixture
def root(tmp_path):
    return str(tmp_path / "projects")


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.xml"
    path.write_text(BBOX_CONFIG)
    return str(path)


@pytest.fixture
def app(root, config_file):
    return create_multi_session_app(root, InitOptions(label_config=config_file, port=9000))


def folders(root):
    """{user: sorted project ids} on disk."""
    return {user: sorted(os.listdir(os.path.join(root, user))) for user in os.listdir(root)
            if os.path.isdir(os.path.join(root, user))}


def who(client):
    user, project_id = client.get("/api/project").json["project_name"].split("/")
    return user, project_id


def test_a_new_browser_gets_its_own_project_on_its_first_api_request(app, root):
    browser = app.test_client()
    assert browser.get("/api/health").status_code == 200
    assert folders(root) == {}  # health checks create nothing
    answer = browser.get("/api/project")
    assert answer.status_code == 200
    assert answer.json["multi_session_mode"] is True
    user, project_id = answer.json["project_name"].split("/")
    assert folders(root) == {user: [project_id]}
    with open(os.path.join(root, user, project_id, "config.xml")) as f:
        assert f.read() == BBOX_CONFIG
    with open(os.path.join(root, user, project_id, "config.json")) as f:
        assert json.load(f)["port"] == 9000
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_two_browsers_work_on_separate_projects(app, root):
    first, second = app.test_client(), app.test_client()
    assert first.post("/api/project/import", json=[{"image": "a.jpg"}]).status_code == 201
    assert second.get("/api/project").json["task_count"] == 0
    assert first.get("/api/project").json["task_count"] == 1
    assert who(first)[0] != who(second)[0]
    assert len(folders(root)) == 2


def test_new_project_switches_the_session_and_keeps_its_own_description(app, root):
    browser = app.test_client()
    user, first_id = who(browser)
    answer = browser.post("/api/project?new=1&desc=My second")
    assert answer.status_code == 201
    assert answer.json["config"]["description"] == "My second"
    second_id = answer.json["project_name"].split("/")[1]
    assert second_id != first_id and who(browser) == (user, second_id)
    third = browser.post("/api/project?new=true")
    assert third.json["config"]["description"] != "My second"  # no leak to later projects
    other_browser = app.test_client()
    assert other_browser.get("/api/project").json["config"]["description"] != "My second"
    listing = browser.get("/api/projects").json
    assert listing["own"][second_id] == "My second"
    assert set(listing["own"]) == set(folders(root)[user])
    assert listing["shared"] == {}


def test_a_project_id_shared_with_another_browser_opens_there(app):
    owner, guest = app.test_client(), app.test_client()
    owner.post("/api/project/import", json=[{"image": "a.jpg"}, {"image": "b.jpg"}])
    _, project_id = who(owner)
    guest_user, guest_project = who(guest)

    answer = guest.post(f"/api/project-switch?uuid={project_id}")
    assert answer.status_code == 200
    assert answer.json["project_name"].endswith(project_id)  # the project switched to
    assert answer.json["task_count"] == 2
    assert [t["data"]["image"] for t in guest.get("/api/tasks").json] == ["a.jpg", "b.jpg"]
    guest.post("/api/tasks/0/completions", json={"result": []})
    assert owner.get("/api/project").json["completion_count"] == 1
    listing = guest.get("/api/projects").json
    assert list(listing["shared"]) == [project_id] and guest_project in listing["own"]
    # the guest can go back to its own project
    assert guest.get(f"/api/project-switch?uuid={guest_project}").status_code == 302
    assert who(guest) == (guest_user, guest_project)


def test_the_share_link_redirects_to_setup(app):
    owner, guest = app.test_client(), app.test_client()
    _, project_id = who(owner)
    answer = guest.get(f"/api/project-switch?uuid={project_id}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/setup")
    assert who(guest)[1] == project_id


@pytest.mark.parametrize("query, status, detail", [
    ("?uuid=3f0c5d3e-0000-4000-8000-000000000000", 404, "not found"),
    ("?uuid=../../etc", 400, "Not a valid UUID"),
    ("?uuid=", 400, "Not a valid UUID"),
    ("", 400, "Not a valid UUID"),
])
def test_a_bad_switch_leaves_the_session_where_it_was(app, root, query, status, detail):
    browser = app.test_client()
    before = who(browser)
    on_disk = folders(root)
    answer = browser.post("/api/project-switch" + query)
    assert answer.status_code == status and detail in answer.json["detail"]
    assert who(browser) == before  # not stuck, unlike legacy
    assert folders(root) == on_disk


def test_the_session_survives_a_restart_and_forged_cookies_are_not_trusted(app, root,
                                                                           config_file):
    browser = app.test_client()
    user, project_id = who(browser)
    secret = os.path.join(root, multisession.SECRET_NAME)
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600

    restarted = create_multi_session_app(root, InitOptions(label_config=config_file))
    cookie = browser.get_cookie("session")
    same_browser = restarted.test_client()
    same_browser.set_cookie("session", cookie.value)
    assert who(same_browser) == (user, project_id)

    from flask.sessions import SecureCookieSessionInterface
    from flask import Flask
    forger = Flask("forger")
    forger.secret_key = "a key every legacy installation shared"
    forged = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
        {"user": user, "project": project_id})
    intruder = restarted.test_client()
    intruder.set_cookie("session", forged)
    assert who(intruder)[0] != user


def test_projects_beyond_the_memory_limit_are_reloaded_from_disk(app, monkeypatch):
    monkeypatch.setattr(multisession, "MAX_LOADED", 2)
    browsers = [app.test_client() for _ in range(4)]
    for number, browser in enumerate(browsers):
        browser.post("/api/project/import", json=[{"image": f"{number}.jpg"}])
    for number, browser in enumerate(browsers):
        assert browser.get("/api/tasks/0").json["data"]["image"] == f"{number}.jpg"


def test_single_project_servers_refuse_session_routes(project_dir):
    client = create_app(project_dir).test_client()  # not this file's multi-session app
    for answer, detail in [
        (client.post("/api/project-switch?uuid=x"), "requires start-multi-session"),
        (client.get("/api/projects"), "requires start-multi-session"),
        (client.post("/api/project?new=1"), "start-multi-session"),
    ]:
        assert answer.status_code == 400 and detail in answer.json["detail"]
    assert client.get("/api/project").json["multi_session_mode"] is False


def test_start_multi_session_serves_browsers_over_http(root):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "label_studio", "start-multi-session", "--root-dir", root,
         "--port", str(port), "--template", "text_classification"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                assert time.time() < deadline and process.poll() is None
                time.sleep(0.05)
        browser = requests.Session()
        summary = browser.get(url + "/api/project").json()
        assert summary["multi_session_mode"] is True
        assert browser.post(url + "/api/project/import",
                            json=[{"text": "good"}]).status_code == 201
        user, project_id = summary["project_name"].split("/")
        with open(os.path.join(root, user, project_id, "tasks.json")) as f:
            assert json.load(f)["0"]["data"] == {"text": "good"}
        assert requests.get(url + "/api/project").json()["project_name"] != summary["project_name"]
    finally:
        process.terminate()
        process.wait(15)


def test_create_app_still_serves_one_folder(project_dir):
    assert create_app(project_dir).test_client().get("/api/project").json["task_count"] == 0

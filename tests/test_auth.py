"""Who gets in: Basic auth with the password, Token auth with the API token, or anyone when
neither is configured."""
import json
import os

from click.testing import CliRunner

from conftest import set_config
from label_studio.cli import main
from label_studio.server import ServerOptions, create_app


def user(*args):
    return CliRunner().invoke(main, ["user", *args])


def test_a_project_without_password_or_token_is_open(client):
    assert client.get("/api/project").status_code == 200


def test_the_user_command_creates_prints_and_removes_a_token(project_dir):
    assert user(project_dir).exit_code == 1  # none yet
    created = user(project_dir, "--new-token")
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert len(token) == 40
    with open(os.path.join(project_dir, "config.json")) as f:
        assert json.load(f)["api_token"] == token
    assert user(project_dir).output.strip() == token
    assert user(project_dir, "--new-token").output.strip() != token
    assert user(project_dir, "--remove-token").exit_code == 0
    assert user(project_dir).exit_code == 1
    assert user(str(project_dir) + "-missing").exit_code == 1


def test_a_token_lets_scripts_in_and_keeps_others_out(project_dir):
    client = create_app(project_dir).test_client()
    token = user(project_dir, "--new-token").output.strip()
    # the running server sees the token on its next request
    answer = client.get("/api/project")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Token"
    assert client.get("/api/project", headers={"Authorization": "Token wrong"}).status_code == 401
    assert client.get("/api/project",
                      headers={"Authorization": f"Token {token}"}).status_code == 200
    assert client.post("/api/project/import", json=[{"image": "a"}],
                       headers={"Authorization": f"Token {token}"}).status_code == 201
    # the token is a secret: GET /api/project does not show it
    shown = client.get("/api/project", headers={"Authorization": f"Token {token}"}).json
    assert token not in json.dumps(shown)


def test_with_a_password_and_a_token_either_one_works(project_dir):
    set_config(project_dir, password="s3cret", api_token="t0ken")
    client = create_app(project_dir).test_client()
    import base64
    basic = "Basic " + base64.b64encode(b"ls:s3cret").decode()
    assert client.get("/api/project", headers={"Authorization": basic}).status_code == 200
    assert client.get("/api/project", headers={"Authorization": "Token t0ken"}).status_code == 200
    answer = client.get("/api/project")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Basic")


def test_the_command_line_password_still_applies_beside_a_token(project_dir):
    set_config(project_dir, api_token="t0ken")
    client = create_app(project_dir, ServerOptions(username="al", password="pw")).test_client()
    import base64
    basic = "Basic " + base64.b64encode(b"al:pw").decode()
    assert client.get("/api/project", headers={"Authorization": basic}).status_code == 200
    assert client.get("/api/project", headers={"Authorization": "Token t0ken"}).status_code == 200
    assert client.get("/api/project", headers={"Authorization": "Token nope"}).status_code == 401


def test_the_credentials_check_does_not_queue_behind_a_write(project_dir):
    """Every request reads the credentials first: with config.json unchanged that must not
    wait for the project lock a writer holds, yet a change is still seen once it is free."""
    import threading
    from label_studio.project import Project
    project = Project(project_dir)
    held, release = threading.Event(), threading.Event()

    def writer():
        with project.lock.exclusive():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=writer)
    holder.start()
    try:
        assert held.wait(10)
        answers = []
        reader = threading.Thread(target=lambda: answers.append(project.current_settings()))
        reader.start()
        reader.join(5)
        assert not reader.is_alive() and answers[0].password == ""

        set_config(project_dir, username="u", password="secret")
        changed = []
        reader = threading.Thread(target=lambda: changed.append(project.current_settings()))
        reader.start()
    finally:
        release.set()
        holder.join(10)
    reader.join(10)
    assert changed[0].password == "secret"

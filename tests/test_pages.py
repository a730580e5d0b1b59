"""The labeling page and the welcome page, as HTML (the browser test is test_browser.py)."""
import hashlib
import json
import re

import pytest

from conftest import make_project
from label_studio import frontend_assets
from label_studio.server import create_app
from label_studio.web import pages

TEXT_CONFIG = """<View>
  <!-- a comment, a `backtick` and a ${template} must not break the page -->
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>
</View>
"""


@pytest.fixture
def fake_bundle(tmp_path, monkeypatch):
    folder = tmp_path / "lsf"
    folder.mkdir()
    expected = {}
    for name, text in (("main.js", "window.LabelStudio = function () {};"),
                       ("main.css", "body {}")):
        (folder / name).write_text(text)
        expected[name] = (len(text), hashlib.sha256(text.encode()).hexdigest())
    monkeypatch.setattr(frontend_assets, "LSF_DIR", str(folder))
    monkeypatch.setattr(frontend_assets, "EXPECTED", expected)
    monkeypatch.setattr(pages, "_verified", {})
    return folder


@pytest.fixture
def text_client(tmp_path):
    path = make_project(str(tmp_path / "text"), label_config=TEXT_CONFIG)
    client = create_app(path).test_client()
    return client


def page_value(html, name):
    """The JSON value the page hands the glue as `name: <value>`."""
    match = re.search(rf"\b{name}: (.*?)(,\n|\n\s*\}})", html, re.S)
    return json.loads(match.group(1))


def test_without_the_bundle_the_page_says_how_to_install_it(text_client, monkeypatch, tmp_path):
    monkeypatch.setattr(frontend_assets, "LSF_DIR", str(tmp_path / "nothing"))
    monkeypatch.setattr(pages, "_verified", {})
    text_client.post("/api/project/import", json=[{"text": "a"}])
    for page in ("/", "/?task_id=0", "/render-label-studio?config=" + TEXT_CONFIG):
        answer = text_client.get(page)
        assert answer.status_code == 200 and answer.mimetype == "text/html"
        assert "not installed" in answer.get_data(as_text=True)
        assert "label-studio setup-frontend" in answer.get_data(as_text=True)
    answer = text_client.post("/render-label-studio", data={"config": TEXT_CONFIG})
    assert answer.status_code == 200 and "label-studio setup-frontend" in answer.get_data(
        as_text=True)
    for answer in (text_client.get("/api/render-label-studio", query_string={"config": TEXT_CONFIG}),
                   text_client.post("/api/render-label-studio", data={"config": TEXT_CONFIG})):
        assert answer.status_code == 404 and answer.mimetype == "application/json"
        assert "label-studio setup-frontend" in answer.get_json()["detail"]
    assert text_client.get("/api/project").status_code == 200  # the API is unaffected


def test_an_empty_project_sends_the_browser_to_the_welcome_page(text_client, fake_bundle):
    answer = text_client.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("welcome")
    welcome = text_client.get("/welcome").get_data(as_text=True)
    assert "0 tasks" in welcome and "/api/project/import" in welcome


def test_the_stream_page_embeds_the_config_and_no_task(text_client, fake_bundle):
    text_client.post("/api/project/import", json=[{"text": "I love it"}])
    answer = text_client.get("/")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert page_value(html, "config") == TEXT_CONFIG
    assert page_value(html, "task") is None
    assert "static/lsf/main.js" in html and "static/lsf/main.css" in html
    assert "static/js/ls-glue.js" in html
    assert '<div id="label-studio">' in html
    assert "</script>" not in TEXT_CONFIG and "<!--" not in html.split("config: ")[1][:20]


def test_the_explore_page_embeds_the_task_with_its_completions(text_client, fake_bundle):
    text_client.post("/api/project/import", json=[{"text": "</script><script>alert(1)"}])
    text_client.post("/api/tasks/0/completions", json={"result": [], "lead_time": 1})
    html = text_client.get("/?task_id=0").get_data(as_text=True)
    task = page_value(html, "task")
    assert task["id"] == 0 and task["data"] == {"text": "</script><script>alert(1)"}
    assert [c["id"] for c in task["completions"]] == [1]
    assert "<script>alert(1)" not in html  # tojson escapes < and >


@pytest.mark.parametrize("task_id, status", [("99", 404), ("x", 400)])
def test_an_unknown_task_is_an_error_page(text_client, fake_bundle, task_id, status):
    text_client.post("/api/project/import", json=[{"text": "a"}])
    answer = text_client.get(f"/?task_id={task_id}")
    assert answer.status_code == status and "No such task" in answer.get_data(as_text=True)
    assert "<x" not in answer.get_data(as_text=True)


def test_the_instruction_reaches_the_page(tmp_path, fake_bundle):
    path = make_project(str(tmp_path / "p"), label_config=TEXT_CONFIG)
    client = create_app(path).test_client()
    client.post("/api/project/import", json=[{"text": "a"}])
    config = json.loads(open(f"{path}/config.json").read())
    config["instruction"] = "<b>Be kind</b>"
    with open(f"{path}/config.json", "w") as f:
        json.dump(config, f)
    assert page_value(client.get("/").get_data(as_text=True), "description") == "<b>Be kind</b>"


def test_the_bundle_and_the_glue_are_served_and_nothing_else(text_client, fake_bundle):
    assert text_client.get("/static/lsf/main.js").get_data(as_text=True).startswith(
        "window.LabelStudio")
    assert text_client.get("/static/lsf/main.css").status_code == 200
    assert text_client.get("/static/lsf/LICENSE").status_code == 404
    assert text_client.get("/static/lsf/..%2Fconfig.json").status_code == 404
    glue = text_client.get("/static/js/ls-glue.js")
    assert glue.status_code == 200 and "LSGlue" in glue.get_data(as_text=True)


def test_a_changed_bundle_file_is_checked_again(text_client, fake_bundle):
    text_client.post("/api/project/import", json=[{"text": "a"}])
    assert text_client.get("/").status_code == 200
    (fake_bundle / "main.js").write_text("tampered, and longer than before")
    answer = text_client.get("/")
    assert answer.status_code == 200 and "label-studio setup-frontend" in answer.get_data(
        as_text=True)
    assert "static/lsf/main.js" not in answer.get_data(as_text=True)


def test_the_config_preview_shows_an_example_task(text_client, fake_bundle):
    for route in ("/render-label-studio", "/api/render-label-studio"):
        answer = text_client.post(route, data={"config": TEXT_CONFIG})
        assert answer.status_code == 200
        html = answer.get_data(as_text=True)
        assert page_value(html, "preview") is True
        task = page_value(html, "task")
        assert task["id"] == 1 and isinstance(task["data"]["text"], str) and task["data"]["text"]
    answer = text_client.get("/render-label-studio", query_string={"config": TEXT_CONFIG})
    assert answer.status_code == 200


def test_the_config_preview_refuses_empty_and_invalid_configs(text_client, fake_bundle):
    answer = text_client.post("/render-label-studio", data={"config": " "})
    assert answer.status_code == 417 and answer.get_data(as_text=True) == "No config in POST"
    assert text_client.get("/render-label-studio").status_code == 417
    answer = text_client.post("/render-label-studio",
                              data={"config": '<View><Choices name="c" toName="<nope>"/></View>'})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "not valid" in html and "<nope>" not in html

"""label_studio/openapi.yaml describes every route the app answers, and nothing else; it is a
valid OpenAPI 3.1 document, served as JSON at /api/openapi.json and as a page at /api/docs."""
import os
import re

import pytest
import yaml

from conftest import LiveServer
from label_studio import __version__
from label_studio.api import openapi
from label_studio.project_init import InitOptions
from label_studio.server import create_app, create_multi_session_app

IGNORED_METHODS = {"HEAD", "OPTIONS"}
METHODS = ("get", "post", "put", "patch", "delete")


def described():
    with open(openapi.DESCRIPTION, encoding="utf-8") as f:
        return yaml.safe_load(f)


def openapi_path(rule):
    """/api/tasks/<int:task_id> -> /api/tasks/{task_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def app_operations(app):
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - IGNORED_METHODS:
            found.add((openapi_path(rule.rule), method.lower()))
    return found


def described_operations(spec):
    return {(path, method) for path, item in spec["paths"].items()
            for method in METHODS if method in item}


def test_openapi_path_conversion():
    assert openapi_path("/api/tasks/<int:task_id>/completions/<completion_id>") == \
        "/api/tasks/{task_id}/completions/{completion_id}"


def test_every_route_is_described_and_nothing_else(project_dir, tmp_path):
    single = create_app(project_dir)
    multi = create_multi_session_app(str(tmp_path / "multi"), InitOptions())
    served = app_operations(single) | app_operations(multi)
    spec = described_operations(described())
    assert sorted(served - spec) == [], "routes missing from label_studio/openapi.yaml"
    assert sorted(spec - served) == [], "described operations the app does not have"


def test_legacy_aliases_are_deprecated():
    spec = described()
    for path in ("/api/projects/1/next", "/api/projects/1/completions_ids", "/api/export",
                 "/api/projects/1/expert_instruction", "/api/tasks/delete", "/api/train",
                 "/api/import", "/api/save-config", "/predict", "/api/remove-ml-backend",
                 "/upload/{name}", "/api/tasks/{task_id}/cancel", "/api/render-label-studio"):
        for method in METHODS:
            if method in spec["paths"][path]:
                assert spec["paths"][path][method].get("deprecated") is True, (method, path)
    assert spec["paths"]["/api/project/completions"]["delete"]["deprecated"] is True
    assert "deprecated" not in spec["paths"]["/api/tasks"]["get"]


def test_every_operation_documents_auth_and_a_unique_id():
    ids = set()
    for path, item in described()["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                assert "401" in operation["responses"], (method, path)
                assert operation["operationId"] not in ids
                ids.add(operation["operationId"])


def test_the_description_is_valid_openapi_3_1():
    validator = pytest.importorskip("openapi_spec_validator")
    spec = described()
    assert spec["openapi"].startswith("3.1")
    validator.validate(spec)


def test_security_is_optional_basic_or_token():
    spec = described()
    assert {} in spec["security"]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {**schemes["basicAuth"], "type": "http", "scheme": "basic"}
    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"


def test_openapi_json_is_the_yaml_with_our_version(client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    spec = answer.get_json()
    assert spec["info"]["version"] == __version__
    expected = described()
    expected["info"]["version"] = __version__
    assert spec == expected
    assert client.get("/api/openapi.json/").status_code == 200


def test_docs_page_lists_every_operation_without_external_assets(client):
    answer = client.get("/api/docs")
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    for path, method in described_operations(described()):
        assert f'id="{method}-{path}"' in page, (method, path)
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "an external asset"


def test_docs_page_escapes_the_description(client, monkeypatch):
    spec = described()
    spec["paths"]["/api/health"]["get"]["summary"] = "<script>alert(1)</script>"
    monkeypatch.setattr(openapi, "document", lambda: spec)
    page = client.get("/api/docs").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page


def test_docs_need_the_password_like_every_route(project_dir):
    server = LiveServer(project_dir, "--password", "secret").start(ready_status=401)
    try:
        import requests
        assert requests.get(server.url + "/api/openapi.json", timeout=5).status_code == 401
        answer = requests.get(server.url + "/api/docs", auth=("ls", "secret"), timeout=5)
        assert answer.status_code == 200
    finally:
        server.stop()


def test_the_yaml_ships_with_the_package():
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "setup.py")) as f:
        setup = f.read()
    assert '"openapi.yaml"' in setup
    assert os.path.isfile(openapi.DESCRIPTION)

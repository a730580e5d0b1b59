"""The README's curl flow against a real `label-studio start` on 127.0.0.1."""
import requests

from conftest import LiveServer, make_project


def test_curl_flow_over_http(live_server):
    url = live_server.url
    r = requests.post(url + "/api/project/import", data='[{"image":"http://example.com/a.jpg"}]',
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 201 and r.json()["new_task_ids"] == [0]

    r = requests.get(url + "/api/tasks?page=1&page_size=10&order=-completed_at")
    assert r.status_code == 200
    assert r.json() == [{"data": {"image": "http://example.com/a.jpg"}, "id": 0}]

    r = requests.get(url + "/api/project/next")
    assert r.status_code == 200 and r.json()["id"] == 0

    r = requests.post(url + "/api/tasks/0/completions", data='{"result":[], "lead_time": 2.5}',
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 201
    completion_id = r.json()["id"]

    r = requests.get(url + "/api/project")
    assert r.status_code == 200
    body = r.json()
    assert body["task_count"] == 1 and body["completion_count"] == 1
    assert "config" in body

    task = requests.get(url + "/api/tasks/0").json()
    assert [c["id"] for c in task["completions"]] == [completion_id]
    assert requests.get(url + "/api/project/next").status_code == 404


def test_errors_over_http_are_json_without_traceback(live_server):
    url = live_server.url
    for method, path, status in (("get", "/api/tasks/abc", 400), ("get", "/api/tasks/12", 404),
                                 ("put", "/api/project", 405), ("get", "/api/nothing", 404)):
        r = getattr(requests, method)(url + path)
        assert r.status_code == status
        assert r.headers["Content-Type"] == "application/json"
        assert set(r.json()) == {"status", "detail"}
        assert "Traceback" not in r.text
    r = requests.post(url + "/api/tasks/0/completions", data="{oops",
                      headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 404) and "Traceback" not in r.text


def test_basic_auth_over_http(tmp_path):
    project = make_project(str(tmp_path / "p"))
    server = LiveServer(project, "--username", "alice", "--password", "s3cret")
    server.start(ready_status=401)
    try:
        r = requests.get(server.url + "/api/project")
        assert r.status_code == 401 and "WWW-Authenticate" in r.headers
        assert requests.get(server.url + "/api/project", auth=("alice", "wrong")).status_code == 401
        assert requests.get(server.url + "/api/project", auth=("alice", "s3cret")).status_code == 200
    finally:
        server.stop()


def test_https_with_cert_and_key(tmp_path):
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        import pytest
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    project = make_project(str(tmp_path / "p"))
    server = LiveServer(project, "--cert", str(cert), "--key", str(key))
    server.url = server.url.replace("http://", "https://")
    server.verify = str(cert)
    server.start()
    try:
        r = requests.post(server.url + "/api/project/import", json=[{"image": "a"}],
                          verify=str(cert))
        assert r.status_code == 201
        assert requests.get(server.url + "/api/tasks/0", verify=str(cert)).json()["id"] == 0
    finally:
        server.stop()

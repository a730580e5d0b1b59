"""Import from a URL: ?url=, form url=, {"url": ...}; http(s) only, private targets refused."""
import http.server
import json
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import folder_snapshot, make_project
from label_studio.server import create_app
from test_import_files import jpeg_bytes, tasks_on_disk
from conftest import set_config

URL_KEY_CONFIG = """<View>
  <Image name="image" value="$url"/>
  <Choices name="c" toName="image"><Choice value="A"/></Choices>
</View>"""


class FileServer:
    """A local HTTP server answering from a dict: path -> (status, headers, body)."""

    def __init__(self):
        self.routes = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, headers, body = routes.get(self.path, (404, {}, b"missing"))
                if callable(body):
                    body(self)
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)

    def add(self, path, body, content_type="application/octet-stream", status=200, **headers):
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, body)


@pytest.fixture
def files():
    server = FileServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def trusting(project_dir):
    """The project with "allow_private_urls": true, as the local test server needs."""
    set_config(project_dir, allow_private_urls=True)
    return project_dir


TASKS = [{"image": "http://x/a.jpg"}, {"data": {"image": "http://x/b.jpg"},
                                       "predictions": [{"result": [], "score": 0.5}]}]


def test_url_query_parameter_imports_a_json_file(client, trusting, files):
    files.add("/tasks.json", json.dumps(TASKS).encode(), "application/json")
    r = client.post(f"/api/project/import?url={files.url}/tasks.json")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["formats"] == {".json": 1} and body["prediction_count"] == 1
    stored = tasks_on_disk(trusting)
    assert stored["1"]["predictions"] == [{"result": [], "score": 0.5}]


def test_form_url_field_imports_a_csv(client, trusting, files):
    files.add("/t.csv", b"image,n\nhttp://x/1.jpg,4\n", "text/csv")
    r = client.post("/api/project/import", data={"url": f"{files.url}/t.csv"},
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 201, r.get_json()
    assert tasks_on_disk(trusting)["0"]["data"] == {"image": "http://x/1.jpg", "n": 4}


def test_multipart_url_field_without_files(client, trusting, files):
    files.add("/t.tsv", b"image\tn\nhttp://x/1.jpg\t2\n", "text/tab-separated-values")
    r = client.post("/api/project/import", data={"url": f"{files.url}/t.tsv"},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert tasks_on_disk(trusting)["0"]["data"] == {"image": "http://x/1.jpg", "n": 2}


def test_json_body_with_only_a_url_imports_from_it(client, trusting, files):
    files.add("/tasks.json", json.dumps(TASKS).encode(), "application/json")
    r = client.post("/api/project/import", json={"url": f"{files.url}/tasks.json"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["task_count"] == 2


def test_url_dict_is_a_task_when_the_config_has_a_url_key(tmp_path):
    path = make_project(str(tmp_path / "proj"), URL_KEY_CONFIG)
    client = create_app(path).test_client()
    r = client.post("/api/project/import", json={"url": "http://example.com/a.jpg"})
    assert r.status_code == 201
    assert tasks_on_disk(path)["0"]["data"] == {"url": "http://example.com/a.jpg"}


def test_content_type_decides_when_the_url_has_no_extension(client, trusting, files):
    files.add("/export?id=7", b"image\nhttp://x/9.jpg\n", "text/csv; charset=utf-8")
    r = client.post("/api/project/import", query_string={"url": f"{files.url}/export?id=7"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["formats"] == {".csv": 1}
    assert tasks_on_disk(trusting)["0"]["data"] == {"image": "http://x/9.jpg"}


def test_a_media_url_is_stored_in_upload(client, trusting, files):
    photo = jpeg_bytes()
    files.add("/photos/cat.jpg", photo, "image/jpeg")
    r = client.post("/api/project/import", query_string={"url": f"{files.url}/photos/cat.jpg"})
    assert r.status_code == 201, r.get_json()
    url = tasks_on_disk(trusting)["0"]["data"]["image"]
    assert url.startswith("/data/upload/") and url.endswith("-cat.jpg")
    assert client.get(url).data == photo


def test_redirects_are_followed(client, trusting, files):
    files.add("/old", b"", status=302, Location="/new.json")
    files.add("/new.json", json.dumps(TASKS).encode(), "application/json")
    r = client.post("/api/project/import", query_string={"url": f"{files.url}/old"})
    assert r.status_code == 201, r.get_json()


def test_private_addresses_are_refused_by_default(client, project_dir, files):
    files.add("/tasks.json", json.dumps(TASKS).encode(), "application/json")
    before = folder_snapshot(project_dir)
    for url in (f"{files.url}/tasks.json", "http://localhost:9/x.json", "http://[::1]:9/x.json",
                "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/x.json",
                "http://0.0.0.0:9/x.json"):
        r = client.post("/api/project/import", query_string={"url": url})
        assert r.status_code == 400, url
        [message] = r.get_json()
        assert message.startswith(f"Refused to import from {url}:"), message
        assert "allow_private_urls" in message
    assert folder_snapshot(project_dir) == before


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/tasks.json",
                                 "gopher://example.com/", "javascript:alert(1)", "tasks.json"])
def test_only_http_and_https_are_allowed(client, project_dir, url):
    before = folder_snapshot(project_dir)
    r = client.post("/api/project/import", query_string={"url": url})
    assert r.status_code == 400
    assert r.get_json() == [f"Refused to import from {url}: only http and https URLs are "
                            "allowed"]
    assert folder_snapshot(project_dir) == before


def test_a_redirect_to_another_scheme_is_refused(client, trusting, files):
    files.add("/sneaky", b"", status=302, Location="file:///etc/passwd")
    r = client.post("/api/project/import", query_string={"url": f"{files.url}/sneaky"})
    assert r.status_code == 400
    assert "only http and https URLs are allowed" in r.get_json()[0]


def test_unreachable_and_failing_urls_are_clear_400s(client, trusting, files):
    before = folder_snapshot(trusting)
    closed = f"http://127.0.0.1:{_closed_port()}/tasks.json"
    r = client.post("/api/project/import", query_string={"url": closed})
    assert r.status_code == 400
    assert r.get_json()[0].startswith(f"Could not import from {closed}:")
    r = client.post("/api/project/import", query_string={"url": f"{files.url}/missing.json"})
    assert r.status_code == 400
    assert r.get_json()[0].endswith("the server answered HTTP 404")
    assert folder_snapshot(trusting) == before


def test_downloads_above_the_size_limit_are_refused(client, trusting, files):
    set_config(trusting, allow_private_urls=True, max_upload_size=1000)
    files.add("/big.json", json.dumps([{"image": "x" * 100}] * 20).encode(), "application/json")
    r = client.post("/api/project/import", query_string={"url": f"{files.url}/big.json"})
    assert r.status_code == 400
    assert "at most 1000 are allowed" in r.get_json()[0]


def test_a_content_length_that_is_no_number_is_not_trusted(client, trusting, files):
    body = json.dumps(TASKS).encode()

    def superscript_length(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "\u00b2")  # a digit to str.isdigit()
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    files.add("/sup.json", superscript_length)
    r = client.post("/api/project/import", query_string={"url": f"{files.url}/sup.json"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["task_count"] == 2


def test_slow_downloads_stop_at_the_time_limit(client, trusting, files):
    set_config(trusting, allow_private_urls=True, url_import_timeout=0.5)
    release = threading.Event()

    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(b"[")
        handler.wfile.flush()
        release.wait(10)

    files.add("/slow.json", drip)
    try:
        r = client.post("/api/project/import", query_string={"url": f"{files.url}/slow.json"})
    finally:
        release.set()
    assert r.status_code == 400
    message = r.get_json()[0]
    assert "did not answer in time" in message or "took longer than 0.5 s" in message


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_an_https_server_with_an_invalid_certificate_is_refused(client, trusting, tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    files = FileServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    files.server.socket = context.wrap_socket(files.server.socket, server_side=True)
    files.add("/tasks.json", json.dumps(TASKS).encode(), "application/json")
    files.thread.start()
    try:
        url = f"https://localhost:{files.server.server_address[1]}/tasks.json"
        r = client.post("/api/project/import", query_string={"url": url})
    finally:
        files.server.shutdown()
        files.server.server_close()
    assert r.status_code == 400
    assert "its TLS certificate is not valid" in r.get_json()[0]


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

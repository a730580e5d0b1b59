"""Fixtures: a project folder in a temp dir, the app, its test client, and a live server."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from label_studio.project_init import InitOptions, init_project
from label_studio.server import create_app
from label_studio.storage.files import SPARE_MARK

BBOX_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car"/>
    <Label value="Airplane"/>
  </RectangleLabels>
</View>
"""


def make_project(path, label_config=BBOX_CONFIG, **options):
    config_file = os.path.join(os.path.dirname(path), "label_config_for_tests.xml")
    with open(config_file, "w") as f:
        f.write(label_config)
    init_project(path, InitOptions(label_config=config_file, **options))
    return path


@pytest.fixture(autouse=True)
def no_real_clouds(monkeypatch):
    """Cloud SDKs would look for AWS, Google and Azure on the internet: point them at a closed
    port of this machine unless a test gives its own server (storage_servers.py)."""
    closed = "http://127.0.0.1:9"
    monkeypatch.setenv("S3_ENDPOINT", closed)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "none")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "none")
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", closed)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING",
                       "DefaultEndpointsProtocol=http;AccountName=none;AccountKey=bm9uZQ==;"
                       f"BlobEndpoint={closed}/none;")


@pytest.fixture
def project_dir(tmp_path):
    return make_project(str(tmp_path / "proj"))


@pytest.fixture
def app(project_dir):
    return create_app(project_dir)


@pytest.fixture
def client(app):
    return app.test_client()


def set_config(project_dir, **values):
    """Edits config.json by hand, as a user would while the server runs."""
    path = os.path.join(project_dir, "config.json")
    with open(path) as f:
        config = json.load(f)
    config.update(values)
    with open(path, "w") as f:
        json.dump(config, f)


def folder_snapshot(path):
    """{relative path: bytes} of every file under path, for "nothing changed on disk" checks;
    not the empty temp files a server keeps ready for its next writes (SpareFiles)."""
    found = {}
    for folder, _, names in os.walk(path):
        for name in names:
            if name.startswith(SPARE_MARK):
                continue
            full = os.path.join(folder, name)
            with open(full, "rb") as f:
                found[os.path.relpath(full, path)] = f.read()
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`label-studio start` as a subprocess on a free port."""

    def __init__(self, project, *extra, cwd=None):
        self.project = project
        self.extra = extra
        self.cwd = cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.verify = True

    def start(self, timeout=30.0, ready_status=200):
        cmd = [sys.executable, "-m", "label_studio", "start", self.project,
               "--port", str(self.port), "--no-browser", *self.extra]
        self.process = subprocess.Popen(cmd, cwd=self.cwd, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode(errors="replace")
                raise RuntimeError(f"server exited with {self.process.returncode}: {output}")
            try:
                answer = requests.get(self.url + "/api/health", timeout=1, verify=self.verify)
                if answer.status_code == ready_status:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not answer in time")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def live_server(project_dir):
    server = LiveServer(project_dir).start()
    yield server
    server.stop()


class MLBackendStub:
    """tests/ml_backend_stub.py as a process on a free port: a real HTTP ML backend."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ml_backend_stub.py")
        self.process = subprocess.Popen([sys.executable, script, str(self.port)])
        deadline = time.time() + 20
        while True:
            try:
                requests.get(self.url + "/_calls", timeout=1)
                return
            except requests.RequestException:
                if time.time() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the ML backend stub did not start")
                time.sleep(0.05)

    def control(self, **changes):
        requests.post(self.url + "/_control", json=changes, timeout=5).raise_for_status()

    def calls(self, path=None):
        made = requests.get(self.url + "/_calls", timeout=5).json()
        return [call for call in made if path is None or call["path"] == path]

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture
def ml_backend():
    stub = MLBackendStub()
    yield stub
    stub.stop()


# ---------------------------------------------------------------- storage servers

def _storage_server(kind):
    from storage_servers import start_server
    server = start_server(kind)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    yield from _storage_server("s3")


@pytest.fixture(scope="session")
def gcs_server():
    yield from _storage_server("gcs")


@pytest.fixture(scope="session")
def azure_server():
    yield from _storage_server("azure")


@pytest.fixture(scope="session")
def redis_server():
    yield from _storage_server("redis")

"""The seed's two curl examples, run with real curl against a live server."""
import os
import shutil
import subprocess

import pytest
import requests

from conftest import LiveServer, make_project
from test_import_files import jpeg_bytes, tasks_on_disk
from conftest import set_config
from test_import_zip import make_zip

MY_KEY_CONFIG = """<View>
  <Text name="text" value="$my_key"/>
  <Choices name="c" toName="text"><Choice value="A"/></Choices>
</View>"""

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")


def curl(*args, cwd=None):
    done = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


@pytest.fixture
def serve():
    servers = []

    def start(path, avoid_port=None):
        server = LiveServer(path)
        while server.port == avoid_port:
            server = LiveServer(path)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize("label_config", [MY_KEY_CONFIG, "<View></View>"])
def test_seed_json_example(tmp_path, serve, label_config):
    path = make_project(str(tmp_path / "proj"), label_config)
    server = serve(path)
    status, body = curl("-X", "POST", "-H", "Content-Type:application/json",
                        f"{server.url}/api/project/import",
                        "--data", '[{"my_key": "my_value_1"}, {"my_key": "my_value_2"}]')
    assert status == 201, body
    tasks = requests.get(f"{server.url}/api/tasks").json()
    assert [t["data"] for t in tasks] == [{"my_key": "my_value_1"}, {"my_key": "my_value_2"}]


def test_seed_file_upload_example_and_the_upload_survives_a_port_change(tmp_path, serve,
                                                                        project_dir):
    content = jpeg_bytes()
    (tmp_path / "test.jpg").write_bytes(content)
    server = serve(project_dir)
    status, body = curl("-X", "POST", "-F", "FileUpload=@test.jpg",
                        f"{server.url}/api/project/import", cwd=str(tmp_path))
    assert status == 201, body
    url = requests.get(f"{server.url}/api/tasks/0").json()["data"]["image"]
    assert url.startswith("/data/upload/") and url.endswith("-test.jpg")
    answer = requests.get(server.url + url)
    assert answer.content == content and answer.headers["Content-Type"] == "image/jpeg"
    partial = requests.get(server.url + url, headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206 and partial.content == content[:10]
    server.stop()
    moved = serve(project_dir, avoid_port=server.port)
    assert requests.get(moved.url + url).content == content


def test_many_files_and_a_zip_in_one_curl_request(tmp_path, serve, project_dir):
    (tmp_path / "rows.csv").write_text("image\nhttp://x/1.jpg\n")
    (tmp_path / "more.json").write_text('[{"image": "http://x/2.jpg"}]')
    (tmp_path / "photos.zip").write_bytes(make_zip([("a.jpg", jpeg_bytes())]))
    server = serve(project_dir)
    status, body = curl("-X", "POST", "-F", "a=@rows.csv", "-F", "b=@more.json",
                        "-F", "c=@photos.zip", f"{server.url}/api/project/import",
                        cwd=str(tmp_path))
    assert status == 201, body
    data = [t["data"]["image"] for _, t in sorted(tasks_on_disk(project_dir).items())]
    assert data[:2] == ["http://x/1.jpg", "http://x/2.jpg"] and data[2].startswith("/data/")


def test_an_oversized_body_is_refused_by_the_live_server(tmp_path, serve, project_dir):
    set_config(project_dir, max_upload_size=100_000)
    (tmp_path / "big.jpg").write_bytes(os.urandom(300_000))
    server = serve(project_dir)
    status, body = curl("-X", "POST", "-F", "FileUpload=@big.jpg",
                        f"{server.url}/api/project/import", cwd=str(tmp_path))
    assert status == 413, body
    assert not os.path.exists(os.path.join(project_dir, "upload"))
    assert requests.get(f"{server.url}/api/project").json()["task_count"] == 0

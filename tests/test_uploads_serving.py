"""GET /data/upload/<name>, /upload/<name> and /data/<name>?d=<folder>."""
import os
from urllib.parse import quote

import pytest

from test_import_files import post_files
from conftest import set_config


@pytest.fixture
def uploaded(client, project_dir):
    """{extension: (url, bytes)} of one uploaded file per media type."""
    found = {}
    for extension in (".jpg", ".png", ".mp3", ".mp4", ".qqq"):
        content = os.urandom(64) + extension.encode()
        r = post_files(client, ("f", f"sample{extension}", content))
        assert r.status_code == 201, r.get_json()
        task_id = r.get_json()["new_task_ids"][0]
        url = client.get(f"/api/tasks/{task_id}").get_json()["data"]["image"]
        found[extension] = (url, content)
    return found


@pytest.mark.parametrize("extension,content_type", [
    (".jpg", "image/jpeg"), (".png", "image/png"), (".mp3", "audio/mpeg"),
    (".mp4", "video/mp4"), (".qqq", "application/octet-stream")])
def test_uploads_are_served_with_their_content_type(client, uploaded, extension, content_type):
    url, content = uploaded[extension]
    r = client.get(url)
    assert r.status_code == 200
    assert r.data == content
    assert r.mimetype == content_type
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_the_legacy_upload_path_serves_the_same_file(client, uploaded):
    url, content = uploaded[".jpg"]
    r = client.get(url.replace("/data/upload/", "/upload/"))
    assert r.status_code == 200 and r.data == content and r.mimetype == "image/jpeg"


@pytest.mark.parametrize("prefix", ["/data/upload/", "/upload/"])
def test_range_requests_serve_parts_for_seeking(client, uploaded, prefix):
    url, content = uploaded[".mp3"]
    r = client.get(prefix + url.rsplit("/", 1)[1], headers={"Range": "bytes=10-19"})
    assert r.status_code == 206
    assert r.data == content[10:20]
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(content)}"
    assert r.headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("prefix", ["/data/upload/", "/upload/"])
@pytest.mark.parametrize("name", [
    "..%2Fconfig.json", "..%2F..%2F..%2Fetc%2Fhostname", "%2E%2E", "..%5Cconfig.json",
    "missing.jpg", "%00config.json", "sub%2Fx.jpg", "."])
def test_names_outside_upload_are_404(client, uploaded, project_dir, prefix, name):
    r = client.get(prefix + name)
    assert r.status_code == 404
    assert r.get_json()["status"] == 404


def test_a_link_inside_upload_pointing_outside_is_404(client, uploaded, project_dir):
    os.symlink(os.path.join(project_dir, "config.json"),
               os.path.join(project_dir, "upload", "escape.jpg"))
    assert client.get("/data/upload/escape.jpg").status_code == 404


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat one.png").write_bytes(b"png bytes")
    (tmp_path / "secret.txt").write_text("not for the web")
    return str(folder)


def local_url(folder, name):
    return f"/data/{quote(name)}?d={quote(folder, safe='')}"


def test_local_files_are_refused_unless_allowed(client, photos):
    r = client.get(local_url(photos, "cat one.png"))
    assert r.status_code == 403
    assert "allow_serving_local_files" in r.get_json()["detail"]


def test_local_files_are_served_from_allowed_folders_only(client, project_dir, photos):
    set_config(project_dir, allow_serving_local_files=True)
    r = client.get(local_url(photos, "cat one.png"))
    assert r.status_code == 403
    set_config(project_dir, allow_serving_local_files=True, local_files_root=[photos])
    r = client.get(local_url(photos, "cat one.png"))
    assert r.status_code == 200 and r.data == b"png bytes" and r.mimetype == "image/png"
    assert client.get(local_url(os.path.dirname(photos), "secret.txt")).status_code == 403
    assert client.get(local_url(photos, "../secret.txt")).status_code == 404
    assert client.get(local_url(photos + "/..", "secret.txt")).status_code == 403
    assert client.get(local_url("photos", "cat one.png")).status_code == 403
    assert client.get("/data/x.png").status_code == 400

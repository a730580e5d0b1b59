"""GET /api/project/export and /api/project/export/formats: headers, names, errors, resources."""
import functools
import http.server
import io
import json
import os
import threading
import zipfile

import pytest
from PIL import Image

from conftest import BBOX_CONFIG, folder_snapshot, set_config
from label_studio.project import Project
from label_studio.server import create_app
from test_export_helpers import NOTES_FILE, box, completion, make_image, new_project

BOX = box(10, 10, 50, 50, "Car", from_name="label")


def client_for(project_dir):
    return create_app(project_dir).test_client()


@pytest.fixture
def bbox_project(tmp_path):
    return new_project(tmp_path / "proj", BBOX_CONFIG, [
        {"data": {"image": "http://example.com/a.jpg"}, "completions": [completion(BOX)]}])


def test_export_answers_a_zip_with_the_legacy_headers(bbox_project):
    response = client_for(bbox_project).get("/api/project/export?format=JSON")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    name = response.headers["filename"]
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert name.endswith("-JSON.zip") and len(name) == len("2020-01-31-12-00-00-JSON.zip")
    assert zipfile.ZipFile(io.BytesIO(response.data)).namelist() == ["result.json"]


def test_the_zip_is_kept_in_export_with_a_unique_name(bbox_project):
    client = client_for(bbox_project)
    names = [client.get("/api/project/export?format=JSON").headers["filename"] for _ in range(3)]
    assert len(set(names)) == 3
    kept = sorted(os.listdir(os.path.join(bbox_project, "export")))
    assert kept == sorted(names)   # no temp folder left behind
    with open(os.path.join(bbox_project, "export", names[0]), "rb") as f:
        assert zipfile.ZipFile(f).namelist() == ["result.json"]


def test_missing_format_means_json(bbox_project):
    response = client_for(bbox_project).get("/api/project/export")
    assert response.status_code == 200
    assert response.headers["filename"].endswith("-JSON.zip")


@pytest.mark.parametrize("asked,word", [("NOPE", "Unknown"), ("CONLL2003", "does not fit"),
                                        ("BRUSH_TO_PNG", "does not fit")])
def test_unknown_or_unfit_format_is_a_400_listing_the_fitting_ones(bbox_project, asked, word):
    client = client_for(bbox_project)
    before = folder_snapshot(bbox_project)
    response = client.get(f"/api/project/export?format={asked}")
    assert response.status_code == 400
    body = response.get_json()
    assert word in body["detail"]
    assert body["formats"] == ["JSON", "JSON_MIN", "CSV", "TSV", "COCO", "VOC", "YOLO"]
    assert folder_snapshot(bbox_project) == before


def test_format_names_are_matched_without_regard_to_case(bbox_project):
    response = client_for(bbox_project).get("/api/project/export?format=coco")
    assert response.headers["filename"].endswith("-COCO.zip")


def test_formats_lists_what_fits_the_config(bbox_project):
    body = client_for(bbox_project).get("/api/project/export/formats").get_json()
    assert body["formats"] == ["JSON", "JSON_MIN", "CSV", "TSV", "COCO", "VOC", "YOLO"]
    assert [d["name"] for d in body["details"]] == body["formats"]
    assert all(d["title"] and d["description"] for d in body["details"])


def test_broken_completions_give_warnings_not_a_500(tmp_path):
    project_dir = new_project(tmp_path / "proj", BBOX_CONFIG, [
        {"data": {"image": "http://example.com/a.jpg"}, "completions": [completion(
            "not a result item",
            {"from_name": "label", "value": "not a value"},
            box("ten", 10, 5, 5, "Car", from_name="label", size=(100, 100)),
            box(10, 10, 5, 5, "Car", from_name="label", size=("wide", None)),
            {"from_name": "label", "type": "rectanglelabels", "original_width": 100,
             "original_height": 100, "value": {"x": 1, "y": 1, "width": 1, "height": 1,
                                               "rectanglelabels": []}})]},
        {"data": {"image": ["a", "list"]}, "completions": [completion(BOX)]},
        {"data": "not a dict", "completions": [completion()]},
    ])
    client = client_for(project_dir)
    for export_format in ("JSON", "JSON_MIN", "CSV", "TSV", "COCO", "VOC", "YOLO"):
        response = client.get(f"/api/project/export?format={export_format}")
        assert response.status_code == 200, (export_format, response.get_data(as_text=True))
    assert int(response.headers["X-Export-Warnings"]) > 0


def test_old_absolute_upload_urls_are_read_from_upload(tmp_path):
    project_dir = str(tmp_path / "proj")
    new_project(project_dir, BBOX_CONFIG)
    make_image(os.path.join(project_dir, "upload", "93a1-red.png"), 50, 20)
    Project(project_dir).import_tasks([{
        "data": {"image": "http://localhost:8080/data/upload/93a1-red.png"},
        "completions": [completion(box(0, 0, 50, 50, "Car", from_name="label"))]}])
    response = client_for(project_dir).get("/api/project/export?format=COCO")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    coco = json.loads(archive.read("result.json"))
    assert coco["images"][0]["file_name"] == "images/93a1-red.png"
    assert (coco["images"][0]["width"], coco["images"][0]["height"]) == (50, 20)
    assert coco["annotations"][0]["bbox"] == [0.0, 0.0, 25.0, 10.0]


def local_file_project(tmp_path, allowed):
    folder = tmp_path / "pictures"
    make_image(str(folder / "cat.jpg"), 30, 10)
    project_dir = str(tmp_path / "proj")
    new_project(project_dir, BBOX_CONFIG)
    set_config(project_dir, allow_serving_local_files=allowed, local_files_root=str(folder))
    Project(project_dir).import_tasks([{"data": {"image": f"/data/cat.jpg?d={folder}"},
                                        "completions": [completion(BOX)]}])
    return project_dir


def test_local_files_are_copied_when_the_project_may_serve_them(tmp_path):
    response = client_for(local_file_project(tmp_path, True)).get("/api/project/export?format=VOC")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "images/cat.jpg" in archive.namelist()
    assert b"<width>30</width>" in archive.read("Annotations/cat.xml")


def test_local_files_are_not_read_when_serving_them_is_off(tmp_path):
    response = client_for(local_file_project(tmp_path, False)).get("/api/project/export?format=VOC")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "images/cat.jpg" not in archive.namelist()
    assert b"outside the folders" in archive.read(NOTES_FILE)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class ImageServer:
    """A local HTTP server with one image, /photo.png, and a 404 for anything else."""

    def __init__(self, folder):
        make_image(os.path.join(folder, "photo.png"), 32, 16)
        handler = functools.partial(QuietHandler, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def image_server(tmp_path):
    server = ImageServer(tmp_path / "served")
    yield server
    server.close()


def remote_project(tmp_path, server):
    return new_project(tmp_path / "proj", BBOX_CONFIG, [
        {"data": {"image": f"{server.url}/photo.png"}, "completions": [completion(BOX)]},
        {"data": {"image": f"{server.url}/missing.png"}, "completions": [completion(BOX)]}])


def test_remote_images_are_downloaded_only_when_asked(tmp_path, image_server):
    project_dir = remote_project(tmp_path, image_server)
    set_config(project_dir, allow_private_urls=True)   # the test server is on 127.0.0.1
    client = client_for(project_dir)
    plain = zipfile.ZipFile(io.BytesIO(client.get("/api/project/export?format=COCO").data))
    assert [n for n in plain.namelist() if n.startswith("images/") and n != "images/"] == []
    fetched = client.get("/api/project/export?format=COCO&download_resources=1")
    archive = zipfile.ZipFile(io.BytesIO(fetched.data))
    coco = json.loads(archive.read("result.json"))
    first, second = coco["images"]
    assert first["file_name"] == "images/photo.png"
    assert (first["width"], first["height"]) == (32, 16)       # read from the downloaded file
    with Image.open(io.BytesIO(archive.read("images/photo.png"))) as image:
        assert image.size == (32, 16)
    assert second["file_name"] == f"{image_server.url}/missing.png"
    assert b"HTTP 404" in archive.read(NOTES_FILE)


def test_downloads_from_private_addresses_are_refused_as_for_url_import(tmp_path, image_server):
    client = client_for(remote_project(tmp_path, image_server))
    response = client.get("/api/project/export?format=COCO&download_resources=1")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "images/photo.png" not in archive.namelist()
    assert b"private, loopback or link-local" in archive.read(NOTES_FILE)


def test_a_scratch_folder_left_by_a_crash_is_cleaned_up(bbox_project):
    stale = os.path.join(bbox_project, "export", ".ls-tmp-export-crashed")
    os.makedirs(stale)
    with open(os.path.join(stale, "export.zip"), "wb") as f:
        f.write(b"half a zip")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    client_for(bbox_project).get("/api/project/export?format=JSON")
    assert not os.path.exists(stale)

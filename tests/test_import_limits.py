"""Import limits: request size (413), tasks per import (400), many parts in one request."""
import io
import json
import os

from conftest import folder_snapshot, make_project, set_config
from label_studio.server import create_app
from test_import_files import multipart, post_files, tasks_on_disk


def small_limit_client(tmp_path, limit):
    path = make_project(str(tmp_path / "proj"))
    set_config(path, max_upload_size=limit)
    return create_app(path).test_client(), path


def test_a_json_body_above_the_limit_is_413_and_changes_nothing(tmp_path):
    client, path = small_limit_client(tmp_path, 1000)
    before = folder_snapshot(path)
    body = json.dumps([{"image": f"http://x/{i}.jpg"} for i in range(100)])
    r = client.post("/api/project/import", data=body, content_type="application/json")
    assert r.status_code == 413
    assert r.get_json() == {"status": 413,
                            "detail": "Maximum total size of all files is 1000 bytes"}
    assert folder_snapshot(path) == before


def test_an_upload_above_the_limit_is_413_and_changes_nothing(tmp_path):
    client, path = small_limit_client(tmp_path, 1000)
    before = folder_snapshot(path)
    r = post_files(client, ("file", "big.jpg", os.urandom(5000)))
    assert r.status_code == 413
    assert folder_snapshot(path) == before


def test_the_limit_in_config_json_applies_without_a_restart(client, project_dir):
    set_config(project_dir, max_upload_size=500)
    r = post_files(client, ("file", "big.jpg", os.urandom(1000)))
    assert r.status_code == 413
    set_config(project_dir, max_upload_size=10_000)
    r = post_files(client, ("file", "big.jpg", os.urandom(1000)))
    assert r.status_code == 201


def test_the_default_limit_is_200_mib(client, project_dir):
    before = folder_snapshot(project_dir)
    too_big = 200 * 1024 * 1024 + 1
    r = client.post("/api/project/import", input_stream=io.BytesIO(b"[]"),
                    content_type="application/json",
                    environ_overrides={"CONTENT_LENGTH": str(too_big)})
    assert r.status_code == 413
    assert r.get_json()["detail"] == "Maximum total size of all files is 209715200 bytes"
    assert folder_snapshot(project_dir) == before


def test_tasks_per_import_are_limited_by_config(client, project_dir):
    set_config(project_dir, max_tasks_per_import=3)
    before = folder_snapshot(project_dir)
    rows = "image\n" + "".join(f"http://x/{i}.jpg\n" for i in range(4))
    r = post_files(client, ("file", "rows.csv", rows.encode()))
    assert r.status_code == 400
    assert r.get_json() == ["Maximum task number is 3, current task number is more than 3"]
    assert folder_snapshot(project_dir) == before
    r = post_files(client, ("file", "rows.csv", rows.encode()), ("file", "more.csv", b"image\n"))
    assert r.status_code == 400
    r = client.post("/api/project/import", json=[{"image": "a"}] * 3)
    assert r.status_code == 201


def test_more_than_a_thousand_files_in_one_request(client, project_dir):
    files = [("files", f"img{i:04}.jpg", b"fake image %d" % i) for i in range(1200)]
    body, content_type = multipart(files)
    r = client.post("/api/project/import", data=body, content_type=content_type)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["task_count"] == 1200
    assert len(os.listdir(os.path.join(project_dir, "upload"))) == 1200
    assert tasks_on_disk(project_dir)["1199"]["data"]["image"].endswith("-img1199.jpg")


def test_a_chunked_json_body_above_the_limit_is_413_on_a_live_server(tmp_path):
    import requests

    from conftest import LiveServer
    path = make_project(str(tmp_path / "proj"))
    set_config(path, max_upload_size=10_000)
    before = folder_snapshot(path)

    def chunks(count):  # a generator body is sent chunked, with no Content-Length
        yield b"["
        for i in range(count):
            yield b'{"image": "http://x/%d.jpg"},' % i
        yield b'{"image": "last"}]'

    server = LiveServer(path).start()
    try:
        r = requests.post(server.url + "/api/project/import", data=chunks(2000),
                          headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "10000 bytes" in r.json()["detail"]
        assert folder_snapshot(path) == before
        r = requests.post(server.url + "/api/project/import", data=chunks(10),
                          headers={"Content-Type": "application/json"})
        assert r.status_code == 201 and r.json()["task_count"] == 11
    finally:
        server.stop()


def test_a_text_file_of_millions_of_lines_is_refused_without_making_them_all(client, project_dir):
    import tracemalloc
    set_config(project_dir, max_tasks_per_import=1000)
    before = folder_snapshot(project_dir)
    tracemalloc.start()
    r = post_files(client, ("file", "lines.txt", b"\n" * 3_000_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.status_code == 400
    assert r.get_json() == ["Maximum task number is 1000, current task number is more than 1000"]
    assert folder_snapshot(project_dir) == before
    # 3M line tasks would take several hundred MB; the file itself is 3 MB (decoded: 3 MB more)
    assert peak < 60_000_000


def test_lines_are_cut_like_splitlines():
    from label_studio.importers.file_formats import line_items
    text = "a\r\nb\rc\n\nd\x0be\u2028f"
    assert [item["$undefined$"] for item in line_items(text.encode())] == text.splitlines()
    assert len(line_items(("x\n" * 50).encode(), at_most=10)) == 11

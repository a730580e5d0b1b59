"""POST /api/project/import with multipart files: the file name decides the format."""
import hashlib
import io
import json
import os
import re

import pytest
from PIL import Image

from conftest import folder_snapshot, make_project
from label_studio.server import create_app

TEXT_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
</View>"""
TWO_KEYS_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Text name="caption" value="$caption"/>
  <Choices name="c" toName="image"><Choice value="A"/></Choices>
</View>"""
AUDIO_CONFIG = """<View>
  <Audio name="audio" value="$audio"/>
  <Choices name="c" toName="audio"><Choice value="Speech"/></Choices>
</View>"""
VIDEO_CONFIG = """<View>
  <HyperText name="video" value="$video"/>
  <Choices name="c" toName="video"><Choice value="A"/></Choices>
</View>"""
HTML_CONFIG = """<View>
  <HyperText name="page" value="$page"/>
  <Choices name="c" toName="page"><Choice value="A"/></Choices>
</View>"""
TIME_SERIES_CONFIG = """<View>
  <TimeSeries name="ts" value="$series" valueType="url">
    <Channel column="value"/>
  </TimeSeries>
  <TimeSeriesLabels name="label" toName="ts"><Label value="Peak"/></TimeSeriesLabels>
</View>"""


def jpeg_bytes(color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buffer, "JPEG")
    return buffer.getvalue()


def multipart(files, boundary="test-boundary-7f3a"):
    """A multipart body with the parts in the given order (the test client groups by field)."""
    body = b""
    for field, name, content in files:
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                 f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 ).encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_files(client, *files):
    """files: (field name, file name, bytes); sent as one multipart request."""
    body, content_type = multipart(files)
    return client.post("/api/project/import", data=body, content_type=content_type)


def tasks_on_disk(project_dir):
    with open(os.path.join(project_dir, "tasks.json")) as f:
        return json.load(f)


def client_for(tmp_path, label_config):
    path = make_project(str(tmp_path / "proj"), label_config)
    return create_app(path).test_client(), path


def test_image_upload_is_stored_and_becomes_an_image_task(client, project_dir):
    content = jpeg_bytes()
    r = post_files(client, ("FileUpload", "test.jpg", content))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["task_count"] == 1 and body["new_task_ids"] == [0]
    assert body["formats"] == {".jpg": 1}
    stored = os.listdir(os.path.join(project_dir, "upload"))
    assert stored == [hashlib.md5(content).hexdigest()[:6] + "-test.jpg"]
    task = client.get("/api/tasks/0").get_json()
    assert task["data"] == {"image": f"/data/upload/{stored[0]}"}
    assert client.get(task["data"]["image"]).data == content


def test_field_name_decides_when_the_part_has_no_file_name(client, project_dir):
    r = client.post("/api/project/import", content_type="multipart/form-data", data={
        "a.csv": (io.BytesIO(b"image\nhttp://x/1.jpg\n"), "")})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["formats"] == {".csv": 1}
    assert tasks_on_disk(project_dir)["0"]["data"] == {"image": "http://x/1.jpg"}


def test_extensions_are_case_insensitive(client, project_dir):
    r = post_files(client, ("f", "PHOTO.JPG", jpeg_bytes()), ("g", "more.JSON",
                                                            b'[{"image": "http://x/2.jpg"}]'))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["formats"] == {".jpg": 1, ".json": 1}
    assert re.fullmatch(r"/data/upload/[0-9a-f]{6}-PHOTO\.JPG",
                        tasks_on_disk(project_dir)["0"]["data"]["image"])


def test_unsafe_upload_names_are_sanitized_and_keep_the_extension(client, project_dir):
    r = post_files(client, ("a", "../../etc/évil name.jpg", jpeg_bytes("red")),
                   ("b", "日本.png", jpeg_bytes("blue")))
    assert r.status_code == 201, r.get_json()
    names = sorted(n.split("-", 1)[1] for n in os.listdir(os.path.join(project_dir, "upload")))
    assert names == ["evil_name.jpg", "file.png"]


def test_same_content_twice_is_stored_once(client, project_dir):
    content = jpeg_bytes()
    post_files(client, ("a", "x.jpg", content))
    r = post_files(client, ("a", "x.jpg", content))
    assert r.get_json()["new_task_ids"] == [1]
    assert len(os.listdir(os.path.join(project_dir, "upload"))) == 1
    data = tasks_on_disk(project_dir)
    assert data["0"]["data"] == data["1"]["data"]


def test_json_file_with_full_tasks_completions_predictions_and_meta(client, project_dir):
    tasks = [{"data": {"image": "http://x/a.jpg"}, "meta": {"camera": 2},
              "predictions": [{"result": [], "score": 0.4}],
              "completions": [{"result": [], "lead_time": 1.5, "created_at": 1600000000}]},
             {"image": "http://x/b.jpg"}]
    r = post_files(client, ("file", "tasks.json", json.dumps(tasks).encode()))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["task_count"], body["completion_count"], body["prediction_count"]) == (2, 1, 1)
    stored = tasks_on_disk(project_dir)
    assert stored["0"]["meta"] == {"camera": 2}
    assert stored["0"]["predictions"] == [{"result": [], "score": 0.4}]
    assert stored["1"] == {"id": 1, "data": {"image": "http://x/b.jpg"}}
    task = client.get("/api/tasks/0").get_json()
    assert task["completions"][0]["created_at"] == 1600000000
    assert task["completions"][0]["lead_time"] == 1.5


def test_json_file_with_one_dict(client, project_dir):
    r = post_files(client, ("file", "one.json", b'{"image": "http://x/a.jpg"}'))
    assert r.status_code == 201
    assert tasks_on_disk(project_dir)["0"]["data"] == {"image": "http://x/a.jpg"}


def test_csv_header_gives_keys_and_numbers_are_typed(client, project_dir):
    csv_text = ("image,count,score,code,note\n"
                "http://x/1.jpg,3,0.5,007,hello\n"
                "http://x/2.jpg,,2,12,\n"
                '"http://x/3.jpg",10,1e3,x9,"quoted, with comma"\n')
    r = post_files(client, ("file", "tasks.csv", csv_text.encode()))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["formats"] == {".csv": 1}
    stored = tasks_on_disk(project_dir)
    assert [stored[str(i)]["data"] for i in range(3)] == [
        {"image": "http://x/1.jpg", "count": 3, "score": 0.5, "code": "007", "note": "hello"},
        {"image": "http://x/2.jpg", "count": "", "score": 2.0, "code": "12", "note": ""},
        {"image": "http://x/3.jpg", "count": 10, "score": 1000.0, "code": "x9",
         "note": "quoted, with comma"},
    ]


def test_tsv_and_utf8_bom(client, project_dir):
    tsv = "\ufeffimage\tlabel\nhttp://x/1.jpg\tcat\nhttp://x/2.jpg\tdog\n".encode()
    r = post_files(client, ("file", "tasks.tsv", tsv))
    assert r.status_code == 201, r.get_json()
    stored = tasks_on_disk(project_dir)
    assert stored["1"]["data"] == {"image": "http://x/2.jpg", "label": "dog"}


def test_csv_duplicate_and_empty_headers_are_named(client, project_dir):
    r = post_files(client, ("file", "t.csv", b"image,a,a,\nu,1,2,3\n"))
    assert r.status_code == 201, r.get_json()
    assert tasks_on_disk(project_dir)["0"]["data"] == {"image": "u", "a": 1, "a.1": 2,
                                                       "Unnamed: 3": 3}


def test_csv_row_with_too_many_fields_is_refused(client, project_dir):
    before = folder_snapshot(project_dir)
    r = post_files(client, ("file", "t.csv", b"image\nu,extra\n"))
    assert r.status_code == 400
    assert r.get_json() == ["Failed to parse input file t.csv: line 2 has 2 fields, "
                            "the header has 1"]
    assert folder_snapshot(project_dir) == before


def test_txt_gives_one_task_per_line_for_the_data_key(tmp_path):
    client, path = client_for(tmp_path, TEXT_CONFIG)
    r = post_files(client, ("file", "lines.txt", "first line\nsecond ünïcode\n".encode()))
    assert r.status_code == 201, r.get_json()
    stored = tasks_on_disk(path)
    assert [stored[k]["data"] for k in ("0", "1")] == [{"text": "first line"},
                                                       {"text": "second ünïcode"}]


def test_txt_with_two_data_keys_is_refused_naming_them(tmp_path):
    client, path = client_for(tmp_path, TWO_KEYS_CONFIG)
    before = folder_snapshot(path)
    r = post_files(client, ("file", "lines.txt", b"a\nb\n"))
    assert r.status_code == 400
    [message] = r.get_json()
    assert "more than one data key" in message and "image, caption" in message
    assert folder_snapshot(path) == before


def test_media_upload_with_two_data_keys_is_refused(tmp_path):
    client, path = client_for(tmp_path, TWO_KEYS_CONFIG)
    before = folder_snapshot(path)
    r = post_files(client, ("file", "a.jpg", jpeg_bytes()))
    assert r.status_code == 400
    assert "direct file upload supports only one data key" in r.get_json()[0]
    assert folder_snapshot(path) == before


def test_txt_that_is_not_utf8_is_refused(tmp_path):
    client, _ = client_for(tmp_path, TEXT_CONFIG)
    r = post_files(client, ("file", "latin.txt", "café".encode("latin-1")))
    assert r.status_code == 400
    assert r.get_json() == ["Failed to parse input file latin.txt: it is not UTF-8 text "
                            "(bad byte at position 3)"]


def test_html_file_is_one_task_with_whitespace_collapsed(tmp_path):
    client, path = client_for(tmp_path, HTML_CONFIG)
    page = b"<html>\n  <body>\n    <p>Hello   <b>world</b></p>\n  </body>\n</html>\n"
    r = post_files(client, ("file", "page.html", page))
    assert r.status_code == 201, r.get_json()
    assert tasks_on_disk(path)["0"]["data"] == {
        "page": "<html><body><p>Hello <b>world</b></p></body></html>"}


@pytest.mark.parametrize("config,name,key", [
    (AUDIO_CONFIG, "speech.mp3", "audio"), (AUDIO_CONFIG, "speech.WAV", "audio"),
    (VIDEO_CONFIG, "clip.mp4", "video")])
def test_audio_and_video_files_are_stored(tmp_path, config, name, key):
    client, path = client_for(tmp_path, config)
    content = os.urandom(2048)
    r = post_files(client, ("file", name, content))
    assert r.status_code == 201, r.get_json()
    url = tasks_on_disk(path)["0"]["data"][key]
    assert url.startswith("/data/upload/") and url.endswith(name)
    assert client.get(url).data == content


def test_media_with_the_empty_default_config_keeps_the_undefined_key(tmp_path):
    client, path = client_for(tmp_path, "<View></View>")
    r = post_files(client, ("FileUpload", "test.jpg", jpeg_bytes()))
    assert r.status_code == 201
    [(key, value)] = tasks_on_disk(path)["0"]["data"].items()
    assert key == "$undefined$" and value.startswith("/data/upload/")


def test_csv_for_a_time_series_only_config_is_stored_as_a_file(tmp_path):
    client, path = client_for(tmp_path, TIME_SERIES_CONFIG)
    content = b"time,value\n0,1.5\n1,2.5\n"
    r = post_files(client, ("file", "series.csv", content))
    assert r.status_code == 201, r.get_json()
    url = tasks_on_disk(path)["0"]["data"]["series"]
    assert url.startswith("/data/upload/") and url.endswith("-series.csv")
    assert client.get(url).data == content


def test_many_files_in_one_request_keep_request_order(client, project_dir):
    files = [("f", f"img{i}.jpg", jpeg_bytes((i * 40, 0, 0))) for i in range(5)]
    files.insert(2, ("g", "rows.csv", b"image\nhttp://x/r1.jpg\nhttp://x/r2.jpg\n"))
    r = post_files(client, *files)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["formats"] == {".jpg": 5, ".csv": 1}
    assert r.get_json()["task_count"] == 7
    stored = tasks_on_disk(project_dir)
    values = [stored[str(i)]["data"]["image"] for i in range(7)]
    assert values[2:4] == ["http://x/r1.jpg", "http://x/r2.jpg"]
    assert len(os.listdir(os.path.join(project_dir, "upload"))) == 5


def test_a_bad_file_among_good_ones_writes_nothing(client, project_dir):
    client.post("/api/project/import", json=[{"image": "http://x/first.jpg"}])
    before = folder_snapshot(project_dir)
    r = post_files(client, ("a", "good.jpg", jpeg_bytes()),
                   ("b", "bad.csv", b"picture\nhttp://x/1.jpg\n"))
    assert r.status_code == 400
    [message] = r.get_json()
    assert message.startswith("Error at item 1 (bad.csv #1):")
    assert '"image" key is expected in task data' in message
    assert folder_snapshot(project_dir) == before
    assert not os.path.exists(os.path.join(project_dir, "upload"))


@pytest.mark.parametrize("name,content,expected", [
    ("bad.json", b"[{", "Failed to parse input file bad.json: invalid JSON"),
    ("null.json", b"null", "null in null.json is not allowed"),
    ("scalar.json", b'"text"', 'Incorrect task type in scalar.json: "text". It is allowed'),
    ("data.rar", b"Rar!", "data.rar: .rar archives are not supported; use .zip"),
])
def test_unreadable_files_are_one_message(client, project_dir, name, content, expected):
    before = folder_snapshot(project_dir)
    r = post_files(client, ("file", name, content))
    assert r.status_code == 400
    messages = r.get_json()
    assert len(messages) == 1 and messages[0].startswith(expected), messages
    assert folder_snapshot(project_dir) == before


def test_files_without_any_task_are_refused(client, project_dir):
    before = folder_snapshot(project_dir)
    r = post_files(client, ("file", "empty.csv", b"image\n"))
    assert r.status_code == 400
    assert r.get_json() == ["data is empty: no tasks found in the input"]
    assert folder_snapshot(project_dir) == before


def test_an_empty_form_is_refused(client, project_dir):
    r = client.post("/api/project/import", data={"note": "no files"},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert r.get_json() == ["load_tasks: No data found in values or in files"]

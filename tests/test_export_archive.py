"""The export zip itself: media stored byte for byte, text deflated, image sizes from the
file headers, and the streaming zip writer read back with zipfile."""
import datetime
import json
import os
import random
import zipfile

import pytest
from PIL import Image

from test_export_helpers import completion, export, make_image, new_project
from label_studio import exporting
from label_studio.converters import json_array, zip_process, zipstream
from label_studio.converters.geometry import bounds, plain_box, rectangle
from label_studio.converters.json_array import JsonArrayWriter
from label_studio.converters.output import ArchiveWriter
from label_studio.converters.zipstream import ZipStream
from label_studio.project import Project

CONFIG = """<View><Image name="image" value="$image"/>
<RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels></View>"""
MOMENT = datetime.datetime(2024, 5, 6, 7, 8, 10)


def box(size=None):
    item = {"from_name": "box", "to_name": "image", "type": "rectanglelabels",
            "value": {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0,
                      "rectanglelabels": ["Car"]}}
    if size:
        item["original_width"], item["original_height"] = size
    return item


def save_with_orientation(path, width, height, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", (width, height), (20, 90, 160)).save(path, exif=exif.tobytes())


@pytest.fixture(scope="module")
def uploads_export(tmp_path_factory):
    """COCO of uploaded images whose completions do not say the image size."""
    root = tmp_path_factory.mktemp("archive")
    project_dir = str(root / "proj")
    upload = os.path.join(project_dir, "upload")
    make_image(os.path.join(upload, "wide.jpg"), 123, 45)
    make_image(os.path.join(upload, "tall.png"), 67, 89)
    os.makedirs(upload, exist_ok=True)
    save_with_orientation(os.path.join(upload, "turned.jpg"), 40, 30, 6)
    save_with_orientation(os.path.join(upload, "sideways.png"), 40, 30, 8)
    with open(os.path.join(upload, "notes.bmp"), "wb") as f:
        Image.new("RGB", (16, 8), (255, 255, 255)).save(f, "BMP")
    names = ["wide.jpg", "tall.png", "turned.jpg", "sideways.png", "notes.bmp"]
    new_project(project_dir, CONFIG, [
        {"data": {"image": f"/data/upload/{name}"}, "completions": [completion(box())]}
        for name in names])
    return upload, export(project_dir, "COCO", root / "out")


def test_uploaded_jpeg_and_png_are_stored_byte_for_byte(uploads_export):
    upload, result = uploads_export
    for name in ("wide.jpg", "tall.png", "turned.jpg", "sideways.png"):
        info = result.zip.getinfo(f"images/{name}")
        assert info.compress_type == zipfile.ZIP_STORED
        with open(os.path.join(upload, name), "rb") as original:
            assert result.zip.read(info) == original.read()


def test_files_that_shrink_and_result_json_are_deflated(uploads_export):
    upload, result = uploads_export
    bitmap = result.zip.getinfo("images/notes.bmp")
    assert bitmap.compress_type == zipfile.ZIP_DEFLATED
    with open(os.path.join(upload, "notes.bmp"), "rb") as original:
        assert result.zip.read(bitmap) == original.read()
    assert result.zip.getinfo("result.json").compress_type == zipfile.ZIP_DEFLATED
    assert result.zip.testzip() is None


def test_coco_sizes_are_read_from_jpeg_and_png_headers(uploads_export):
    _, result = uploads_export
    images = {i["file_name"]: i for i in json.loads(result.zip.read("result.json"))["images"]}
    sizes = {name: (image["width"], image["height"]) for name, image in images.items()}
    assert sizes == {"images/wide.jpg": (123, 45), "images/tall.png": (67, 89),
                     # turned a quarter by EXIF: the size as browsers show it
                     "images/turned.jpg": (30, 40), "images/sideways.png": (30, 40),
                     "images/notes.bmp": (16, 8)}
    [annotation] = [a for a in json.loads(result.zip.read("result.json"))["annotations"]
                    if a["image_id"] == images["images/wide.jpg"]["id"]]
    assert annotation["bbox"] == pytest.approx([12.3, 9.0, 123 * 30 / 100, 45 * 40 / 100])


def test_the_size_in_the_completion_wins_over_the_file(tmp_path):
    project_dir = str(tmp_path / "proj")
    make_image(os.path.join(project_dir, "upload", "a.jpg"), 50, 50)
    new_project(project_dir, CONFIG, [{"data": {"image": "/data/upload/a.jpg"},
                                       "completions": [completion(box(size=(640, 480)))]}])
    result = export(project_dir, "COCO", tmp_path / "out")
    [image] = json.loads(result.zip.read("result.json"))["images"]
    assert (image["width"], image["height"]) == (640, 480)


@pytest.mark.parametrize("count", [0, 1, 2, json_array.BATCH, json_array.BATCH + 1,
                                   3 * json_array.BATCH + 7])
def test_json_arrays_are_laid_out_like_json_dump_with_indent_2(tmp_path, count):
    items = [{"id": i, "text": f"line\n{i} ü", "nested": {"list": [i, [], {}]}}
             for i in range(count)]
    path = tmp_path / "out.json"
    with open(path, "wb") as f:
        f.write(b'{\n  "items": ')
        array = JsonArrayWriter(f, level=1)
        for item in items:
            array.add(item)
        assert array.count == count
        array.close()
        f.write(b"\n}")
    with open(path, "wb") as f:
        plain = JsonArrayWriter(f)
        for item in items:
            plain.add(item)
        plain.close()
    assert path.read_text("utf-8") == json.dumps(items, indent=2, ensure_ascii=False)


def test_zip_stream_reads_back_with_zipfile(tmp_path, monkeypatch):
    monkeypatch.setattr(zipstream, "WHOLE_FILE_LIMIT", 1000)   # so a small file streams
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(5000))
    target = tmp_path / "a.zip"
    stream = ZipStream(str(target), MOMENT.timetuple(), str(tmp_path))
    stream.folder("images")
    stream.add_bytes("images/é.txt", "é".encode() * 100)
    stream.add_bytes("empty.txt", b"")
    stream.add_file("images/big.bin", str(big))
    stream.add_file("big-deflated.bin", str(big), compress=True)
    stream.begin("result.json")
    for _ in range(3):
        stream.write(b'{"a": 1}' * 1000)
    stream.end()
    stream.close()
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["images/", "images/é.txt", "empty.txt", "images/big.bin",
                                      "big-deflated.bin", "result.json"]
        assert archive.getinfo("images/").is_dir()
        assert archive.read("images/é.txt") == "é".encode() * 100
        assert archive.read("images/big.bin") == big.read_bytes()
        assert archive.getinfo("images/big.bin").compress_type == zipfile.ZIP_STORED
        assert archive.read("big-deflated.bin") == big.read_bytes()
        assert archive.read("result.json") == b'{"a": 1}' * 3000
        assert {info.date_time for info in archive.infolist()} == {(2024, 5, 6, 7, 8, 10)}


def test_zip_stream_with_more_entries_than_a_plain_zip_holds(tmp_path):
    target = tmp_path / "many.zip"
    stream = ZipStream(str(target), MOMENT.timetuple(), str(tmp_path))
    for number in range(70_000):
        stream.add_bytes(f"labels/{number}.txt", b"%d" % number, compress=False)
    stream.close(fsync=False)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert len(names) == 70_000
        assert archive.read("labels/69999.txt") == b"69999"


@pytest.mark.parametrize("child_process", [True, False])
def test_archive_writer_keeps_the_order_of_its_entries(tmp_path, child_process):
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"\xff\xd8\xff" + os.urandom(3000))
    target = tmp_path / "out.zip"
    with ArchiveWriter(str(target), MOMENT, str(tmp_path), child_process) as out:
        with out.open("result.json") as f:
            for _ in range(50):   # several batches sent to the writer
                f.write(os.urandom(200_000))
        out.copy_file("images/photo.jpg", str(source))
        out.write_bytes("labels/a.txt", b"0 0.5 0.5 1 1\n")
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["result.json", "images/", "images/photo.jpg", "labels/",
                                      "labels/a.txt"]
        assert archive.read("images/photo.jpg") == source.read_bytes()
        assert archive.getinfo("result.json").file_size == 50 * 200_000


@pytest.mark.parametrize("child_process", [True, False])
def test_a_file_that_cannot_be_read_fails_the_export(tmp_path, child_process):
    with pytest.raises(FileNotFoundError):
        with ArchiveWriter(str(tmp_path / "out.zip"), MOMENT, str(tmp_path), child_process) as out:
            out.copy_file("images/gone.jpg", str(tmp_path / "gone.jpg"))


def test_the_shortcut_for_unrotated_boxes_gives_the_floats_of_the_general_path():
    rng = random.Random(7)
    odd = [0, 0.0, -0.0, 1e-300, 5e-324, 100, 1e308, float("nan"), float("inf"), True, "5", None]
    checked = 0
    for _ in range(20_000):
        value = {key: rng.choice(odd) if rng.random() < 0.3 else rng.uniform(-5, 110)
                 for key in ("x", "y", "width", "height")}
        value["rotation"] = rng.choice([0, 0.0, -0.0, None, False, 30])
        width, height = rng.choice([(640, 480), (1, 1), (333, 777.5)])
        plain = plain_box(value, width, height)
        if plain is None:
            continue
        rect = rectangle(value, width, height)
        exact = bounds(rect.corners)
        left, top, right, bottom, w, h = plain
        assert repr((left, top, right - left, bottom - top, w * h)) == repr(
            (exact.left, exact.top, exact.width, exact.height, rect.area)), value
        checked += 1
    assert checked > 5000


def test_the_zip_is_written_by_a_child_process_that_abort_stops(tmp_path):
    out = ArchiveWriter(str(tmp_path / "out.zip"), MOMENT, str(tmp_path))
    assert isinstance(out._sink, zip_process.ZipProcess)   # the second core is used
    out.write_bytes("a.txt", b"a")
    child = out._sink._child
    out.abort()
    assert child.poll() is not None


def test_a_name_taken_by_another_process_is_never_overwritten(tmp_path, monkeypatch):
    project_dir = new_project(tmp_path / "proj", CONFIG, [
        {"data": {"image": "http://x/a.jpg"}, "completions": [completion(box(size=(10, 10)))]}])
    folder = os.path.join(project_dir, "export")
    os.makedirs(folder)
    with open(os.path.join(folder, "taken.zip"), "wb") as f:
        f.write(b"someone else's")
    names = iter(["taken.zip", "free.zip"])   # as if the first appeared after the check
    monkeypatch.setattr(exporting, "_reserve_name", lambda *args: next(names))
    result = exporting.export_project(Project(project_dir), "COCO")
    assert result.filename == "free.zip"
    with open(os.path.join(folder, "taken.zip"), "rb") as f:
        assert f.read() == b"someone else's"
    assert sorted(os.listdir(folder)) == ["free.zip", "taken.zip"]   # no scratch left
    with zipfile.ZipFile(result.path) as archive:
        assert "result.json" in archive.namelist()

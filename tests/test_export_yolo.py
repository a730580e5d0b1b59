"""YOLO export: classes.txt, one label file per image, normalized boxes computed by hand."""
import math
import os

import pytest

from conftest import BBOX_CONFIG
from label_studio.server import create_app
from test_export_helpers import NOTES_FILE, annotate, box, detection_project, export, \
    new_project, task_media_name, upload


@pytest.fixture(scope="module")
def yolo(tmp_path_factory):
    project_dir = detection_project(tmp_path_factory.mktemp("yolo") / "proj")
    return export(project_dir, "YOLO", tmp_path_factory.mktemp("yolo-out"))


def lines(yolo, stem):
    rows = []
    for line in yolo.read(f"labels/{stem}.txt").splitlines():
        class_id, *numbers = line.split()
        rows.append((int(class_id), [float(n) for n in numbers]))
    return sorted(rows)


def test_classes_are_the_rectangle_labels_in_config_order(yolo):
    assert yolo.read("classes.txt").splitlines() == ["Car", "Person", "Tree", "Sign"]


def test_each_labeled_image_gets_a_label_file_beside_its_image(yolo):
    labels = sorted(n for n in yolo.names if n.startswith("labels/") and n.endswith(".txt"))
    assert labels == ["labels/1_street.txt", "labels/empty.txt", "labels/face.txt",
                      "labels/remote.txt", "labels/street.txt", "labels/two.txt",
                      "labels/unknown.txt"]
    assert {"images/street.jpg", "images/1_street.png", "images/empty.jpg"} <= set(yolo.names)


def test_boxes_are_class_and_normalized_center_and_size(yolo):
    rows = lines(yolo, "street")
    expected = sorted([
        (0, [0.25, 0.40, 0.30, 0.40]),          # Car: x 10..40 %, y 20..60 %
        (1, [0.75, 0.50, 0.50, 1.00]),          # Person touching the borders
        (0, [0.90, 0.6025, 0.20, 0.205]),       # Car crossing the right border, clipped at 1
        (3, [0.05, 0.05, 0.10, 0.10]),          # Sign, second RectangleLabels control
    ])
    assert [r[0] for r in rows] == [e[0] for e in expected]
    for (_, got), (_, want) in zip(rows, expected):
        assert got == pytest.approx(want, abs=1e-6)


def test_rotated_box_gives_its_bounding_box(yolo):
    [(class_id, numbers)] = lines(yolo, "1_street")
    side = 60.0
    reach = side * math.cos(math.radians(30)) + side * math.sin(math.radians(30))
    left, right = 60 - side * 0.5, 60 + side * math.cos(math.radians(30))
    top, bottom = 30, 30 + reach
    assert class_id == 2
    assert numbers == pytest.approx([(left + right) / 2 / 300, (top + bottom) / 2 / 150,
                                     (right - left) / 300, (bottom - top) / 150], abs=1e-6)


def test_an_image_without_boxes_gets_an_empty_label_file(yolo):
    assert yolo.read("labels/empty.txt") == ""


def test_percent_boxes_need_no_image_size(yolo):
    assert lines(yolo, "unknown") == [(0, pytest.approx([0.5, 0.5, 0.5, 0.5]))]


def test_latest_non_cancelled_completion_is_used(yolo):
    assert lines(yolo, "two") == [(1, pytest.approx([0.2, 0.2, 0.2, 0.2]))]


def root_files(archive):
    return sorted(n for n in archive.names if "/" not in n)


def test_notes_are_not_a_txt_file_beside_the_labels(tmp_path):
    """Tools read every .txt of a YOLO folder but classes.txt as labels, so notes are .log."""
    project_dir = new_project(tmp_path / "proj", BBOX_CONFIG)
    client = create_app(project_dir).test_client()
    [task_id] = upload(client, [("broken.png", b"not an image")])
    annotate(client, task_id, box(10, 10, 20, 20, "Car", from_name="label", rotation=15))
    result = export(project_dir, "YOLO", tmp_path / "out")
    assert root_files(result) == ["classes.txt", NOTES_FILE]
    assert "size unknown" in result.read(NOTES_FILE)
    stem = os.path.splitext(task_media_name(client, task_id, "image"))[0]
    text_files = [n for n in result.names if n.endswith(".txt")]
    assert sorted(text_files) == ["classes.txt", f"labels/{stem}.txt"]


@pytest.mark.parametrize("export_format", ["COCO", "VOC", "YOLO"])
def test_every_format_names_its_notes_file_the_same(tmp_path, export_format):
    result = export(detection_project(tmp_path / "proj"), export_format, tmp_path / "out")
    assert NOTES_FILE in result.names and "remote file(s) were not downloaded" in result.warnings
    assert not [n for n in root_files(result) if n.endswith(".txt") and n != "classes.txt"]

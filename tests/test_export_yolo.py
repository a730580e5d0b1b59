"""YOLO export: classes.txt, one label file per image, normalized boxes computed by hand."""
import math

import pytest

from test_export_helpers import detection_project, export


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

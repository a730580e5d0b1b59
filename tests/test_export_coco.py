"""COCO export read back with pycocotools, against pixels computed by hand."""
import math
import os

import pytest
from pycocotools.coco import COCO

from test_export_helpers import completion, detection_project, export, new_project

W0, H0 = 200, 100    # street.jpg, size known only from the file


@pytest.fixture(scope="module")
def coco_export(tmp_path_factory):
    project_dir = detection_project(tmp_path_factory.mktemp("coco") / "proj")
    return export(project_dir, "COCO", tmp_path_factory.mktemp("coco-out"))


@pytest.fixture(scope="module")
def coco(coco_export):
    return COCO(coco_export.path("result.json"))


def image_by_name(coco, file_name):
    [image] = [i for i in coco.dataset["images"] if i["file_name"] == file_name]
    return image


def annotations(coco, image):
    return coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))


def category_name(coco, annotation):
    return coco.loadCats([annotation["category_id"]])[0]["name"]


def test_categories_come_from_the_config_in_config_order(coco):
    categories = coco.loadCats(coco.getCatIds())
    assert [(c["id"], c["name"]) for c in categories[:5]] == [
        (0, "Car"), (1, "Person"), (2, "Tree"), (3, "Road"), (4, "Sign")]
    assert categories[5]["name"] == "face"
    assert categories[5]["keypoints"] == ["Left eye", "Right eye", "Nose"]
    assert len(categories) == 6


def test_every_labeled_image_is_listed_once_and_unlabeled_tasks_are_not(coco):
    names = [i["file_name"] for i in coco.dataset["images"]]
    assert names == ["images/street.jpg", "images/1_street.png", "images/empty.jpg",
                     "images/two.jpg", "images/face.jpg",
                     "http://example.com/photos/remote.jpg",
                     "http://example.com/photos/unknown.jpg"]
    assert [i["id"] for i in coco.dataset["images"]] == list(range(7))


def test_uploaded_images_are_copied_into_the_archive_with_their_extension(coco_export):
    assert "images/street.jpg" in coco_export.names
    assert "images/1_street.png" in coco_export.names
    with open(coco_export.path("images/street.jpg"), "rb") as copied:
        assert copied.read(3) == b"\xff\xd8\xff"   # still a JPEG


def test_boxes_of_every_rectangle_control_are_float_pixels(coco):
    image = image_by_name(coco, "images/street.jpg")
    assert (image["width"], image["height"]) == (W0, H0)   # read from the file
    boxes = sorted((category_name(coco, a), a["bbox"], a["area"], a["segmentation"])
                   for a in annotations(coco, image) if a["segmentation"] == [])
    assert boxes == sorted([
        ("Car", [0.1 * W0, 0.2 * H0, 0.3 * W0, 0.4 * H0], 0.3 * W0 * 0.4 * H0, []),
        ("Person", [100.0, 0.0, 100.0, 100.0], 10000.0, []),
        ("Car", [160.0, 50.0, 60.0, 20.5], 60.0 * 20.5, []),       # crosses the border: kept as is
        ("Sign", [0.0, 0.0, 20.0, 10.0], 200.0, []),               # the second RectangleLabels
    ])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside pycocotools, with numpy 2
def test_polygon_has_its_points_bounding_box_and_shoelace_area(coco):
    image = image_by_name(coco, "images/street.jpg")
    [road] = [a for a in annotations(coco, image) if category_name(coco, a) == "Road"]
    assert road["segmentation"] == [[0.0, 100.0, 100.0, 50.0, 200.0, 100.0]]
    assert road["bbox"] == [0.0, 50.0, 200.0, 50.0]
    assert road["area"] == pytest.approx(0.5 * 200 * 50)
    mask = coco.annToMask(road)
    assert mask.shape == (H0, W0)
    assert mask.sum() == pytest.approx(road["area"], rel=0.05)


def test_rotated_box_gives_its_bounding_box_and_corners(coco):
    image = image_by_name(coco, "images/1_street.png")
    assert (image["width"], image["height"]) == (300, 150)
    [tree] = annotations(coco, image)
    left, top, side = 0.2 * 300, 0.2 * 150, 60.0     # 20% of 300 wide, 40% of 150 high
    cos, sin = math.cos(math.radians(30)), math.sin(math.radians(30))
    corners = [(left, top), (left + side * cos, top + side * sin),
               (left + side * cos - side * sin, top + side * sin + side * cos),
               (left - side * sin, top + side * cos)]
    assert tree["segmentation"][0] == pytest.approx([c for xy in corners for c in xy])
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    assert tree["bbox"] == pytest.approx([min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)])
    assert tree["area"] == pytest.approx(side * side)
    assert category_name(coco, tree) == "Tree"


def test_an_image_without_regions_stays_with_no_annotations(coco):
    image = image_by_name(coco, "images/empty.jpg")
    assert (image["width"], image["height"]) == (64, 48)
    assert annotations(coco, image) == []


def test_latest_non_cancelled_completion_is_used(coco):
    [image] = [i for i in coco.dataset["images"] if i["file_name"] == "images/two.jpg"]
    [person] = annotations(coco, image)
    assert category_name(coco, person) == "Person"
    assert person["bbox"] == [10.0, 10.0, 20.0, 20.0]


def test_key_points_make_one_instance_per_face(coco):
    image = image_by_name(coco, "images/face.jpg")
    first, second = annotations(coco, image)
    assert category_name(coco, first) == "face"
    assert first["keypoints"] == [30.0, 32.0, 2, 60.0, 32.0, 2, 45.0, 48.0, 2]
    assert first["num_keypoints"] == 3
    assert first["bbox"] == [30.0, 32.0, 30.0, 16.0]
    assert second["keypoints"] == [10.0, 8.0, 2, 0, 0, 0, 0, 0, 0]
    assert second["num_keypoints"] == 1


def test_remote_image_keeps_its_url_and_uses_the_result_size(coco):
    image = image_by_name(coco, "http://example.com/photos/remote.jpg")
    assert (image["width"], image["height"]) == (640, 480)
    [car] = annotations(coco, image)
    assert car["bbox"] == [160.0, 120.0, 320.0, 240.0]


def test_image_of_unknown_size_is_listed_with_a_warning(coco, coco_export):
    image = image_by_name(coco, "http://example.com/photos/unknown.jpg")
    assert image["width"] is None and image["height"] is None
    assert annotations(coco, image) == []
    assert "task 8" in coco_export.warnings and "size unknown" in coco_export.warnings


def test_annotation_ids_are_a_zero_based_sequence(coco):
    ids = [a["id"] for a in coco.dataset["annotations"]]
    assert ids == list(range(len(ids)))
    assert all(a["iscrowd"] == 0 for a in coco.dataset["annotations"])


def test_images_folder_is_there_even_when_empty(tmp_path):
    project_dir = new_project(tmp_path / "p", "<View><Image name='image' value='$image'/>"
                              "<RectangleLabels name='box' toName='image'><Label value='A'/>"
                              "</RectangleLabels></View>",
                              [{"data": {"image": "http://x/a.jpg"}, "completions": [completion()]}])
    result = export(project_dir, "COCO", tmp_path / "out")
    assert "images/" in result.names
    assert os.path.isdir(result.path("images"))


def test_two_exports_of_the_same_project_hold_identical_files(tmp_path):
    project_dir = detection_project(tmp_path / "proj")
    for export_format in ("COCO", "VOC", "YOLO"):
        first = export(project_dir, export_format, tmp_path / f"{export_format}-1")
        second = export(project_dir, export_format, tmp_path / f"{export_format}-2")
        assert first.names == second.names
        for name in first.names:
            if not name.endswith("/"):
                assert first.zip.read(name) == second.zip.read(name), name

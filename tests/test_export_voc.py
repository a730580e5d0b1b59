"""Pascal VOC export read back with the hardened XML parser, against pixels computed by hand."""
import io
import os
import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image

from conftest import BBOX_CONFIG
from label_studio.label_config.xmlsafe import parse_xml
from label_studio.server import create_app
from test_export_helpers import annotate, box, detection_project, export, new_project, \
    task_media_name, upload


@pytest.fixture(scope="module")
def voc(tmp_path_factory):
    project_dir = detection_project(tmp_path_factory.mktemp("voc") / "proj")
    return export(project_dir, "VOC", tmp_path_factory.mktemp("voc-out"))


def annotation(voc, stem):
    return parse_xml(voc.read(f"Annotations/{stem}.xml"))


def objects(root):
    found = []
    for obj in root.findall("object"):
        box = obj.find("bndbox")
        found.append((obj.findtext("name"),
                      tuple(int(box.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")),
                      int(obj.findtext("truncated"))))
    return sorted(found)


def test_one_file_per_labeled_image_with_unique_names(voc):
    files = sorted(n for n in voc.names if n.startswith("Annotations/") and n.endswith(".xml"))
    assert files == ["Annotations/1_street.xml", "Annotations/empty.xml", "Annotations/face.xml",
                     "Annotations/remote.xml", "Annotations/street.xml", "Annotations/two.xml"]
    assert "images/street.jpg" in voc.names and "images/1_street.png" in voc.names


def test_header_names_the_image_with_its_extension_and_size(voc):
    root = annotation(voc, "street")
    assert root.findtext("folder") == "images"
    assert root.findtext("filename") == "street.jpg"
    assert [root.findtext(f"size/{k}") for k in ("width", "height", "depth")] == ["200", "100", "3"]


def test_boxes_are_rounded_and_clamped_pixels(voc):
    assert objects(annotation(voc, "street")) == sorted([
        ("Car", (20, 20, 80, 60), 0),
        ("Person", (100, 0, 200, 100), 0),      # touches three borders exactly
        ("Car", (160, 50, 200, 71), 1),         # 220 clamped to 200; 70.5 rounds to 71
        ("Sign", (0, 0, 20, 10), 0),            # from the second RectangleLabels control
    ])


def test_rotated_box_exports_its_axis_aligned_bounding_box(voc):
    # corners of a 60x60 px box at (60, 30) turned 30 degrees: x 30..111.96, y 30..111.96
    assert objects(annotation(voc, "1_street")) == [("Tree", (30, 30, 112, 112), 0)]


def test_an_image_without_boxes_gets_a_file_without_objects(voc):
    root = annotation(voc, "empty")
    assert root.findall("object") == []
    assert root.findtext("size/width") == "64"


def test_latest_non_cancelled_completion_is_used(voc):
    assert objects(annotation(voc, "two")) == [("Person", (10, 10, 30, 30), 0)]


def test_remote_image_uses_the_size_in_the_results(voc):
    root = annotation(voc, "remote")
    assert root.findtext("filename") == "remote.jpg"
    assert objects(root) == [("Car", (160, 120, 480, 360), 0)]


def test_unknown_size_is_a_warning_not_a_failure(voc):
    assert "Annotations/unknown.xml" not in voc.names
    assert "task 8" in voc.warnings and "size unknown" in voc.warnings


def png_bytes(mode, **save_options):
    buffer = io.BytesIO()
    Image.new(mode, (40, 30)).save(buffer, "PNG", **save_options)
    return buffer.getvalue()


def grey_jpeg():
    buffer = io.BytesIO()
    Image.new("L", (40, 30), 128).save(buffer, "JPEG")
    return buffer.getvalue()


# (upload name, file, expected <depth>); every region carries original_width/height
DEPTHS = [("grey.png", png_bytes("L"), 1), ("grey.jpg", grey_jpeg(), 1),
          ("grey-alpha.png", png_bytes("LA"), 2), ("rgb.png", png_bytes("RGB"), 3),
          ("rgba.png", png_bytes("RGBA"), 4), ("palette.png", png_bytes("P"), 3),
          ("palette-alpha.png", png_bytes("P", transparency=0), 4),
          ("broken.png", b"not an image", 3)]


@pytest.fixture(scope="module")
def depths(tmp_path_factory):
    """{upload name: <depth> of its VOC file}, the images uploaded and boxed through the API."""
    project_dir = new_project(tmp_path_factory.mktemp("depth") / "proj", BBOX_CONFIG)
    client = create_app(project_dir).test_client()
    task_ids = upload(client, [(name, content) for name, content, _ in DEPTHS])
    for task_id in task_ids:
        annotate(client, task_id, box(10, 10, 50, 50, "Car", from_name="label", size=(40, 30)))
    result = export(project_dir, "VOC", tmp_path_factory.mktemp("depth-out"))
    found = {}
    for task_id, (name, _, _) in zip(task_ids, DEPTHS):
        stem = os.path.splitext(task_media_name(client, task_id, "image"))[0]
        root = ElementTree.parse(result.path(f"Annotations/{stem}.xml")).getroot()
        found[name] = int(root.findtext("size/depth"))
    return found


@pytest.mark.parametrize("name,depth", [(name, depth) for name, _, depth in DEPTHS])
def test_depth_is_the_band_count_of_the_image_file(depths, name, depth):
    assert depths[name] == depth


def test_depth_is_3_when_the_image_was_not_read(voc):
    root = ElementTree.parse(voc.path("Annotations/remote.xml")).getroot()
    assert root.findtext("size/depth") == "3"

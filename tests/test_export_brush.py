"""Brush masks: decoded from LSF RLE and compared pixel by pixel with masks the test draws."""
import numpy as np
import pytest
from PIL import Image, ImageDraw

from label_studio.converters.brush_rle import encode
from label_studio.project import Project
from test_export_helpers import completion, export, new_project, region, upload_image

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="tag" toName="image">
    <Label value="Car"/><Label value="Road"/>
  </BrushLabels>
</View>
"""
W, H = 40, 30


def drawn_mask(shape, box, alpha=255):
    """An RGBA layer with one filled shape, as the LSF canvas holds it."""
    layer = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    getattr(draw, shape)(box, fill=(255, 0, 0, alpha))
    return np.array(layer)


def brush(rgba, label, size=(W, H)):
    value = {"format": "rle", "rle": encode(rgba.ravel()), "brushlabels": [label]}
    return region("tag", "image", "brushlabels", value, size)


CAR = drawn_mask("ellipse", (5, 5, 25, 20))
ROAD = drawn_mask("rectangle", (0, 22, 39, 29), alpha=200)
SECOND_CAR = drawn_mask("polygon", [(30, 2), (38, 2), (34, 12)])


@pytest.fixture(scope="module")
def project_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("brush") / "proj"
    new_project(path, CONFIG)
    image = upload_image(str(path), "scene.png", W, H)
    Project(str(path)).import_tasks([
        {"data": {"image": image}, "completions": [
            completion(brush(CAR, "Car"), brush(ROAD, "Road"), brush(SECOND_CAR, "Car"),
                       created_at=100),
            completion(brush(ROAD, "Road", size=None), created_at=200),
            completion(brush(CAR, "Car"), created_at=300, cancelled=True)]},
        {"data": {"image": image}},
    ])
    return str(path)


def completion_ids(project_dir):
    task = Project(project_dir).get_task(0)
    return [c["id"] for c in task["completions"]]


def test_numpy_masks_match_the_drawn_masks(project_dir, tmp_path):
    first, second, cancelled = completion_ids(project_dir)
    result = export(project_dir, "BRUSH_TO_NUMPY", tmp_path)
    assert sorted(n for n in result.names if n.endswith(".npy")) == sorted([
        f"task-0-completion-{first}-tag-Car-0.npy",
        f"task-0-completion-{first}-tag-Car-1.npy",
        f"task-0-completion-{first}-tag-Road-0.npy",
        f"task-0-completion-{second}-tag-Road-0.npy",
    ])
    car = np.load(result.path(f"task-0-completion-{first}-tag-Car-0.npy"))
    assert car.dtype == np.uint8 and car.shape == (H, W)
    assert np.array_equal(car, CAR[:, :, 3])
    assert np.array_equal(np.load(result.path(f"task-0-completion-{first}-tag-Car-1.npy")),
                          SECOND_CAR[:, :, 3])
    assert np.array_equal(np.load(result.path(f"task-0-completion-{first}-tag-Road-0.npy")),
                          ROAD[:, :, 3])


def test_size_comes_from_the_uploaded_image_when_the_result_lacks_it(project_dir, tmp_path):
    _, second, _ = completion_ids(project_dir)
    result = export(project_dir, "BRUSH_TO_NUMPY", tmp_path)
    road = np.load(result.path(f"task-0-completion-{second}-tag-Road-0.npy"))
    assert np.array_equal(road, ROAD[:, :, 3])


def test_png_masks_are_grayscale_images_of_the_mask(project_dir, tmp_path):
    first, _, _ = completion_ids(project_dir)
    result = export(project_dir, "BRUSH_TO_PNG", tmp_path)
    with Image.open(result.path(f"task-0-completion-{first}-tag-Road-0.png")) as png:
        assert png.mode == "L" and png.size == (W, H)
        assert np.array_equal(np.array(png), ROAD[:, :, 3])


def test_a_mask_that_does_not_fit_the_image_is_a_warning(tmp_path):
    bad = region("tag", "image", "brushlabels",
                 {"format": "rle", "rle": encode(CAR.ravel()), "brushlabels": ["Car"]}, (10, 10))
    project_dir = new_project(tmp_path / "p", CONFIG, [
        {"data": {"image": "http://x/a.png"}, "completions": [completion(bad)]}])
    result = export(project_dir, "BRUSH_TO_PNG", tmp_path / "out")
    assert [n for n in result.names if n.endswith(".png")] == []
    assert "not the 400" in result.warnings

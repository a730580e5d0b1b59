"""Shared builders for the export tests (this module holds no tests).

Projects are real folders in temp dirs, images are real files written with Pillow, and
exports go through the HTTP API and are unpacked into a folder to be read back.
"""
import io
import os
import zipfile

from PIL import Image

from conftest import make_project
from label_studio.project import Project
from label_studio.server import create_app

NOTES_FILE = "warnings.log"


def new_project(path, label_config, tasks=()):
    """A project at `path` holding `tasks` (imported with their completions)."""
    make_project(str(path), label_config)
    if tasks:
        Project(str(path)).import_tasks([_copy(t) for t in tasks])
    return str(path)


def _copy(task):
    return {key: (list(value) if isinstance(value, list) else value) for key, value in task.items()}


def make_image(path, width, height, color=(180, 40, 40)):
    """A real image file (format from the extension) of width x height pixels."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", (width, height), color).save(path)
    return path


def upload_image(project_dir, name, width, height):
    """An image in the project's upload/ folder, and the URL tasks use for it."""
    make_image(os.path.join(project_dir, "upload", name), width, height)
    return f"/data/upload/{name}"


def completion(*results, created_at=1_600_000_000, cancelled=False):
    found = {"result": list(results), "created_at": created_at, "lead_time": 1.5}
    if cancelled:
        found["was_cancelled"] = True
    return found


def region(from_name, to_name, kind, value, size=None):
    """A result item; `size` = (original_width, original_height) as LSF sends them."""
    item = {"from_name": from_name, "to_name": to_name, "type": kind, "value": value}
    if size:
        item["original_width"], item["original_height"] = size
    return item


def box(x, y, width, height, label, from_name="box", rotation=0, size=None):
    value = {"x": x, "y": y, "width": width, "height": height, "rotation": rotation,
             "rectanglelabels": [label]}
    return region(from_name, "image", "rectanglelabels", value, size)


class Export:
    """An export zip unpacked into a folder."""

    def __init__(self, response, folder):
        self.response = response
        self.zip = zipfile.ZipFile(io.BytesIO(response.data))
        self.zip.extractall(folder)
        self.folder = str(folder)
        self.names = self.zip.namelist()

    def path(self, name):
        return os.path.join(self.folder, name)

    def read(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()

    @property
    def warnings(self):
        """The archive's notes file; every format names it the same."""
        return self.read(NOTES_FILE) if NOTES_FILE in self.names else ""


def upload(client, files):
    """POST /api/project/import of (name, bytes) files as a browser form; the new task ids."""
    form = {"file": [(io.BytesIO(content), name) for name, content in files]}
    response = client.post("/api/project/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["new_task_ids"]


def annotate(client, task_id, *results):
    """A completion made through the API, as the labeling UI submits it."""
    response = client.post(f"/api/tasks/{task_id}/completions", json={"result": list(results)})
    assert response.status_code == 201, response.get_data(as_text=True)


def task_media_name(client, task_id, key):
    """The file name of a task's uploaded media (its name in the archive, when unique)."""
    return client.get(f"/api/tasks/{task_id}").get_json()["data"][key].rsplit("/", 1)[-1]


def export(project_dir, export_format, folder, **params):
    """GET /api/project/export?format=... on a fresh app; the zip unpacked into `folder`."""
    client = create_app(project_dir).test_client()
    response = client.get("/api/project/export", query_string={"format": export_format, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return Export(response, folder)


DETECTION_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car"/><Label value="Person"/><Label value="Tree"/>
  </RectangleLabels>
  <PolygonLabels name="area" toName="image">
    <Label value="Road"/><Label value="Car"/>
  </PolygonLabels>
  <KeyPointLabels name="face" toName="image">
    <Label value="Left eye"/><Label value="Right eye"/><Label value="Nose"/>
  </KeyPointLabels>
  <RectangleLabels name="sign" toName="image">
    <Label value="Sign"/>
  </RectangleLabels>
</View>
"""


def detection_project(path):
    """Image tasks covering the cases the image formats must get right.

    task 0: street.jpg 200x100 (size only in the file): a box, a box touching three borders,
            a box crossing the right border, a box of a second RectangleLabels control, a polygon
    task 1: street.png 300x150 (same base name; size in the results): a box rotated by 30 deg
    task 2: empty.jpg 64x48: a completion with no regions
    task 3: two.jpg 100x100: an older completion (Car), a newer one (Person), a cancelled newest one
    task 4: only a cancelled completion          task 5: no completion
    task 6: face.jpg 100x80: key points of two faces
    task 7: a remote image with original_width/height
    task 8: a remote image without any size
    """
    make_project(str(path), DETECTION_CONFIG)
    project_dir = str(path)
    street = upload_image(project_dir, "street.jpg", 200, 100)
    street_png = upload_image(project_dir, "street.png", 300, 150)
    empty = upload_image(project_dir, "empty.jpg", 64, 48)
    two = upload_image(project_dir, "two.jpg", 100, 100)
    face = upload_image(project_dir, "face.jpg", 100, 80)
    road = region("area", "image", "polygonlabels",
                  {"points": [[0, 100], [50, 50], [100, 100]], "polygonlabels": ["Road"]})
    points = [((30, 40), "Left eye"), ((60, 40), "Right eye"), ((45, 60), "Nose"),
              ((10, 10), "Left eye")]
    keypoints = [region("face", "image", "keypointlabels",
                        {"x": x, "y": y, "width": 1, "keypointlabels": [label]})
                 for (x, y), label in points]
    tasks = [
        {"data": {"image": street}, "completions": [completion(
            box(10, 20, 30, 40, "Car"), box(50, 0, 50, 100, "Person"),
            box(80, 50, 30, 20.5, "Car"), box(0, 0, 10, 10, "Sign", from_name="sign"), road)]},
        {"data": {"image": street_png}, "completions": [completion(
            box(20, 20, 20, 40, "Tree", rotation=30, size=(300, 150)))]},
        {"data": {"image": empty}, "completions": [completion()]},
        {"data": {"image": two}, "completions": [
            completion(box(0, 0, 50, 50, "Car"), created_at=100),
            completion(box(10, 10, 20, 20, "Person"), created_at=200),
            completion(box(0, 0, 90, 90, "Tree"), created_at=300, cancelled=True)]},
        {"data": {"image": two}, "completions": [completion(box(1, 1, 2, 2, "Car"),
                                                            cancelled=True)]},
        {"data": {"image": two}},
        {"data": {"image": face}, "completions": [completion(*keypoints)]},
        {"data": {"image": "http://example.com/photos/remote.jpg"}, "completions": [completion(
            box(25, 25, 50, 50, "Car", size=(640, 480)))]},
        {"data": {"image": "http://example.com/photos/unknown.jpg"}, "completions": [completion(
            box(25, 25, 50, 50, "Car"))]},
    ]
    Project(project_dir).import_tasks(tasks)
    return project_dir

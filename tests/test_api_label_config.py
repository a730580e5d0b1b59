"""Label config endpoints on a live project: templates, examples, compatibility with data."""
import json
import os

import pytest

from conftest import folder_snapshot, make_project
from label_studio.server import create_app
from label_studio.templates import TEMPLATE_NAMES, get_template

CARS = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car"/><Label value="Airplane"/>
  </RectangleLabels>
</View>"""
BOX = {"from_name": "label", "to_name": "image", "type": "rectanglelabels",
       "value": {"x": 1, "y": 1, "width": 5, "height": 5, "rectanglelabels": ["Car"]}}


@pytest.mark.parametrize("name", sorted(TEMPLATE_NAMES))
def test_every_template_example_imports_into_its_project(tmp_path, name):
    project = make_project(str(tmp_path / name), label_config=get_template(name))
    client = create_app(project).test_client()
    r = client.get("/api/import-example-file?q=json")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    r = client.post("/api/project/import", data=r.data, content_type="application/json")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["task_count"] == 2
    example = client.get("/api/import-example").get_json()
    assert client.post("/api/project/import", json=[example]).status_code == 201


@pytest.fixture
def labeled(tmp_path):
    project = make_project(str(tmp_path / "p"), label_config=CARS)
    client = create_app(project).test_client()
    client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}])
    client.post("/api/tasks/0/completions", json={"result": [BOX]})
    return client, project


def test_removing_a_used_label_is_refused_naming_it(labeled):
    client, project = labeled
    before = folder_snapshot(project)
    r = client.post("/api/project/config",
                    json={"label_config": CARS.replace('<Label value="Car"/>', "")})
    assert r.status_code == 400
    message = " ".join(r.get_json()["label_config"])
    assert "Car" in message and "label" in message and "1 task" in message
    assert folder_snapshot(project) == before


def test_removing_a_used_control_is_refused_naming_it(labeled):
    client, project = labeled
    config = ('<View><Image name="image" value="$image"/>'
              '<PolygonLabels name="poly" toName="image"><Label value="Car"/></PolygonLabels></View>')
    r = client.post("/api/project/config", json={"label_config": config})
    assert r.status_code == 400
    assert "rectanglelabels" in " ".join(r.get_json()["label_config"])
    r = client.post("/api/validate-config", data={"label_config": config})
    assert r.status_code == 400


def test_adding_labels_and_controls_is_accepted(labeled):
    client, project = labeled
    config = CARS.replace('<Label value="Airplane"/>',
                          '<Label value="Airplane"/><Label value="Truck"/>').replace(
        "</View>", '<Choices name="weather" toName="image"><Choice value="Sunny"/>'
                   '<Choice value="Rainy"/></Choices></View>')
    r = client.post("/api/project/config", json={"label_config": config})
    assert r.status_code == 201
    with open(os.path.join(project, "config.xml")) as f:
        assert "Truck" in f.read()
    assert client.get("/api/project").get_json()["config_has_control_tags"] is True


def test_import_example_errors_are_400(labeled):
    client, _ = labeled
    r = client.get("/api/import-example?label_config=<View><Image")
    assert r.status_code == 400 and "error while example generating" in r.get_json()["detail"]
    assert client.get("/api/import-example-file?q=xls").status_code == 400


def test_import_example_file_formats(tmp_path):
    two_keys = ('<View><Image name="image" value="$image"/><Text name="t" value="$text"/>'
                '<Choices name="c" toName="t"><Choice value="a"/></Choices></View>')
    project = make_project(str(tmp_path / "p"), label_config=two_keys)
    client = create_app(project).test_client()
    r = client.get("/api/import-example-file?q=csv")
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"].startswith("attachment; filename=sample-")
    assert r.data.decode().splitlines()[0] in ("image,text", "text,image")
    r = client.get("/api/import-example-file?q=tsv&raw=1")
    assert "\t" in r.data.decode().splitlines()[0] and "Content-Disposition" not in r.headers
    r = client.get("/api/import-example-file?q=txt")
    assert r.status_code == 400 and "detail" in r.get_json()
    rows = json.loads(client.get("/api/import-example-file").data)
    assert len(rows) == 2 and set(rows[0]) == {"image", "text"}


def test_time_series_sample_csv(client):
    r = client.get("/samples/time-series.csv?time=t&values=a,b&sep=tab&tf=yyyy-MM-dd")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    lines = r.data.decode().splitlines()
    assert lines[0] == "t\ta\tb" and len(lines) == 101
    assert lines[1].startswith("2020-01-01\t")


def test_labels_used_in_a_hand_edited_record_are_protected(labeled):
    client, project = labeled
    path = os.path.join(project, "completions", "1.json")
    plane = {**BOX, "value": {**BOX["value"], "rectanglelabels": ["Airplane"]}}
    with open(path, "w") as f:
        json.dump({"id": 1, "data": {"image": "b"},
                   "completions": [{"id": 90, "result": [plane], "created_at": 1}]}, f)
    r = client.post("/api/project/config",
                    json={"label_config": CARS.replace('<Label value="Airplane"/>', "")})
    assert r.status_code == 400
    assert "Airplane" in " ".join(r.get_json()["label_config"])
    os.unlink(path)
    r = client.post("/api/project/config",
                    json={"label_config": CARS.replace('<Label value="Airplane"/>', "")})
    assert r.status_code == 201

"""Shared setup for the Data Manager tests: a text project with tasks, predictions and
completions whose times are known."""
import pytest

from conftest import make_project
from label_studio.server import create_app

TEXT_CONFIG = """<View>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Text name="text" value="$text"/>
</View>
"""
TASKS = [
    {"data": {"text": "Anna works at Acme", "n": 1}},
    {"data": {"text": "Bob", "n": 5}, "predictions": [{"result": [{"x": 1}], "score": 0.3}]},
    {"data": {"text": "carl and acme", "n": 10},
     "predictions": [{"result": [], "score": 0.9}, {"result": [{"y": 2}], "score": 0.7}]},
    {"data": {"text": "", "n": 3}},
    {"data": {"text": "Eve"}},
]
# created_at of the completions: task 0 on 2021-01-10, task 1 on 2021-02-10 (UTC)
JAN = 1610236800
FEB = 1612915200


def filters(*items, conjunction="and"):
    return {"conjunction": conjunction, "items": [
        {"filter": f"filters:tasks:{name}", "operator": op, "type": kind, "value": value}
        for name, op, kind, value in items]}


@pytest.fixture
def dm_dir(tmp_path):
    path = make_project(str(tmp_path / "dm"), label_config=TEXT_CONFIG)
    return path


@pytest.fixture
def dm(dm_dir):
    client = create_app(dm_dir).test_client()
    assert client.post("/api/project/import", json=TASKS).status_code == 201
    assert client.post("/api/tasks/0/completions",
                       json={"result": [{"value": {"labels": ["PER"]}}], "created_at": JAN}
                       ).status_code == 201
    assert client.post("/api/tasks/1/completions?was_cancelled=1",
                       json={"result": [], "created_at": FEB}).status_code == 201
    return client


def tab_ids(client, tab=1, **query):
    answer = client.get(f"/api/project/tabs/{tab}/tasks", query_string={"page_size": 100, **query})
    assert answer.status_code == 200, answer.json
    return [t["id"] for t in answer.json["tasks"]]


def set_tab(client, tab=1, **body):
    answer = client.post(f"/api/project/tabs/{tab}", json=body)
    assert answer.status_code == 200, answer.json
    return answer.json

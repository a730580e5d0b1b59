"""Actions on selected tasks: listing, each action, next_task with every sampling, bad input."""
import pytest

from dm_helpers import dm, dm_dir, filters, set_tab, tab_ids  # noqa: F401
from conftest import folder_snapshot, set_config

ALL = {"all": True, "excluded": []}


def run(client, action, selected=None, tab=None, **query):
    url = f"/api/project/tabs/{tab}/actions" if tab else "/api/project/actions"
    body = {"selectedItems": selected} if selected is not None else None
    return client.post(url, query_string={"id": action, **query}, json=body)


def test_list_hides_experimental_and_hidden(dm, dm_dir):
    ids = [a["id"] for a in dm.get("/api/project/actions").json]
    assert ids == ["delete_tasks", "delete_tasks_completions"]
    set_config(dm_dir, experimental_features=True)
    ids = [a["id"] for a in dm.get("/api/project/actions").json]
    assert set(ids) == {"delete_tasks", "delete_tasks_completions", "propagate_completions",
                        "predictions_to_completions"}
    assert all({"id", "title", "order"} <= set(a) for a in dm.get("/api/project/actions").json)


def test_delete_tasks_on_the_tab_selection(dm):
    dm.post("/api/project/tabs/1/selected-items", json={"all": False, "included": [0, 2, 99]})
    answer = run(dm, "delete_tasks", tab=1)
    assert answer.status_code == 200
    assert answer.json == {"processed_items": 2, "detail": "Deleted 2 tasks"}
    assert dm.get("/api/project").json["task_count"] == 3
    assert dm.get("/api/tasks/0").status_code == 404
    assert dm.get("/api/completions").json["ids"] == [1]


def test_delete_tasks_respects_the_tab_filters(dm):
    set_tab(dm, 1, filters=filters(("data.text", "contains", "String", "acme")))
    answer = run(dm, "delete_tasks", ALL, tab=1)
    assert answer.json["processed_items"] == 2
    assert [t["id"] for t in dm.get("/api/tasks").json] == [1, 3, 4]


def test_project_action_with_filters_as_values(dm):
    import json
    answer = dm.post("/api/project/actions", query_string={
        "id": "delete_tasks", "filters": json.dumps(filters(("id", "greater", "Number", 2)))},
        json={"selectedItems": {"all": True, "excluded": [4]}})
    assert answer.json["processed_items"] == 1
    assert [t["id"] for t in dm.get("/api/tasks").json] == [0, 1, 2, 4]


def test_delete_tasks_completions(dm, dm_dir):
    set_config(dm_dir, allow_delete_completions=False)
    before = folder_snapshot(dm_dir)
    assert run(dm, "delete_tasks_completions", ALL).status_code == 422
    assert folder_snapshot(dm_dir) == before
    set_config(dm_dir, allow_delete_completions=True)
    answer = run(dm, "delete_tasks_completions", {"all": False, "included": [0, 2]})
    assert answer.json == {"processed_items": 1, "detail": "Deleted 1 completions"}
    assert dm.get("/api/completions").json["ids"] == [1]


def test_propagate_completions(dm):
    answer = run(dm, "propagate_completions", {"all": False, "included": [4, 3]})
    assert answer.status_code == 400 and "no completions" in answer.json["detail"]
    answer = run(dm, "propagate_completions", {"all": False, "included": [0, 2, 3]})
    assert answer.status_code == 200 and answer.json["processed_items"] == 2
    for task_id in (2, 3):
        completions = dm.get(f"/api/tasks/{task_id}").json["completions"]
        assert completions[0]["result"] == [{"value": {"labels": ["PER"]}}]
    ids = [c["id"] for t in (0, 2, 3) for c in dm.get(f"/api/tasks/{t}").json["completions"]]
    assert len(set(ids)) == 3
    assert run(dm, "propagate_completions", {"all": False, "included": [0]}).status_code == 400


def test_predictions_to_completions(dm):
    answer = run(dm, "predictions_to_completions", ALL)
    assert answer.json["processed_items"] == 2
    completions = dm.get("/api/tasks/2").json["completions"]
    assert completions[-1]["result"] == [{"y": 2}] and completions[-1]["lead_time"] == 0


@pytest.mark.parametrize("mode, expected", [
    ("sequential", 3), ("prediction-score-min", 2), ("prediction-score-max", 2)])
def test_next_task_sampling(dm, mode, expected):
    selected = {"all": False, "included": [0, 1, 2, 3]}
    set_tab(dm, 1, ordering=["-tasks:id"])
    answer = run(dm, "next_task", selected, tab=1, sampling=mode)
    assert answer.status_code == 200 and answer.json["id"] == expected


@pytest.mark.parametrize("mode", ["uniform", "random-uniform"])
def test_next_task_uniform(dm, mode):
    seen = {run(dm, "next_task", ALL, sampling=mode).json["id"] for _ in range(40)}
    assert seen <= {2, 3, 4} and len(seen) > 1


def test_next_task_none_left(dm):
    answer = run(dm, "next_task", {"all": False, "included": [0, 1]})
    assert answer.status_code == 404 and answer.json["id"] is None
    answer = run(dm, "next_task", {"all": False, "included": [3]}, sampling="prediction-score-max")
    assert answer.status_code == 404


def test_next_task_by_project_sampling(dm):
    answer = run(dm, "next_task", {"all": False, "included": [4, 2]})
    assert answer.json["id"] == 2  # the tab order (id) decides, not the list


BAD = [
    (dict(action="nope", selected=ALL), 404, "Unknown action"),
    (dict(action="", selected=ALL), 422, "id="),
    (dict(action="delete_tasks", selected=None), 400, "selectedItems"),
    (dict(action="delete_tasks", selected={"all": "yes"}), 400, "all"),
    (dict(action="delete_tasks", selected={"all": False, "included": ["1"]}), 400, "ids"),
    (dict(action="delete_tasks", selected={"all": False, "excluded": [1]}), 400, "excluded"),
    (dict(action="delete_tasks", selected=[1, 2]), 400, "selectedItems"),
    (dict(action="delete_tasks", selected={"all": False, "included": []}), 404, "no selected"),
    (dict(action="next_task", selected=ALL, sampling="best"), 400, "Unknown sampling"),
    (dict(action="delete_tasks", selected=ALL, tab=7), 404, "No tab"),
    (dict(action="delete_tasks", selected=None, tab=1), 404, "no selected items on tab"),
]


@pytest.mark.parametrize("call, status, words", BAD, ids=[b[2] for b in BAD])
def test_bad_action_calls_change_nothing(dm, dm_dir, call, status, words):
    call = dict(call)
    before = folder_snapshot(dm_dir)
    answer = run(dm, call.pop("action"), call.pop("selected"), **call)
    assert answer.status_code == status
    assert words in answer.json["detail"]
    assert folder_snapshot(dm_dir) == before


def test_bad_tab_ids_and_bodies(dm, dm_dir):
    before = folder_snapshot(dm_dir)
    assert dm.get("/api/project/tabs/x").status_code == 400
    assert dm.get("/api/project/tabs/5").status_code == 404
    assert dm.get("/api/project/tabs/5/tasks").status_code == 404
    assert dm.get("/api/project/tabs/5/selected-items").status_code == 404
    assert dm.post("/api/project/tabs/5/selected-items", json=ALL).status_code == 404
    assert dm.post("/api/project/tabs/1", data="[1]",
                   content_type="application/json").status_code == 400
    assert dm.post("/api/project/tabs/1", data="{bad",
                   content_type="application/json").status_code == 400
    assert dm.post("/api/project/tabs/1/selected-items",
                   json={"all": True, "excluded": [True]}).status_code == 400
    assert dm.get("/api/project/tabs/1/tasks?page=0").status_code == 422
    assert dm.get("/api/project/tabs/1/tasks?page=a").status_code == 400
    assert dm.put("/api/project/tabs/1").status_code == 405
    assert folder_snapshot(dm_dir) == before

"""Tabs, tabs.json, selected items, columns and a tab's tasks through the Flask client."""
import json
import os

from dm_helpers import FEB, JAN, dm, dm_dir, filters, set_tab, tab_ids  # noqa: F401
from conftest import folder_snapshot


def read_tabs(path):
    with open(os.path.join(path, "tabs.json")) as f:
        return json.load(f)


def test_default_tab_without_tabs_json(dm, dm_dir):
    assert dm.get("/api/project/tabs").json == {
        "tabs": [{"id": 1, "title": "Tab 1", "hiddenColumns": None}]}
    assert dm.get("/api/project/tabs/1").json["title"] == "Tab 1"
    assert not os.path.exists(os.path.join(dm_dir, "tabs.json"))


def test_post_merges_and_writes_the_09_shape(dm, dm_dir):
    tab = set_tab(dm, 1, title="Mine", hiddenColumns={"explore": ["tasks:id"]},
                  ordering=["-tasks:completed_at"], custom={"kept": True})
    assert tab["title"] == "Mine" and tab["id"] == 1
    set_tab(dm, 2, title="Second")
    stored = read_tabs(dm_dir)
    assert [t["id"] for t in stored["tabs"]] == [1, 2]
    first = stored["tabs"][0]
    assert first["ordering"] == ["-tasks:completed_at"] and first["custom"] == {"kept": True}
    assert first["hiddenColumns"] == {"explore": ["tasks:id"]}
    set_tab(dm, 1, title="Renamed")
    assert read_tabs(dm_dir)["tabs"][0]["custom"] == {"kept": True}  # shallow merge


def test_unknown_top_level_keys_of_tabs_json_survive(dm, dm_dir):
    with open(os.path.join(dm_dir, "tabs.json"), "w") as f:
        json.dump({"tabs": [{"id": 3, "title": "Hand"}], "extra": 1}, f)
    set_tab(dm, 3, title="Changed")
    assert read_tabs(dm_dir) == {"tabs": [{"id": 3, "title": "Changed"}], "extra": 1}
    assert dm.get("/api/project/tabs/1").status_code == 404


def test_new_filters_reset_the_selection(dm):
    dm.post("/api/project/tabs/1/selected-items", json={"all": False, "included": [1, 2]})
    set_tab(dm, 1, title="no filter change")
    assert dm.get("/api/project/tabs/1/selected-items").json == {"all": False,
                                                                 "included": [1, 2]}
    set_tab(dm, 1, filters=filters(("id", "greater", "Number", 0)))
    assert dm.get("/api/project/tabs/1/selected-items").json == {"all": False, "included": []}


def test_delete_tab_and_all_tabs(dm, dm_dir):
    set_tab(dm, 1, title="a")
    set_tab(dm, 2, title="b")
    assert dm.delete("/api/project/tabs/2").status_code == 204
    assert [t["id"] for t in dm.get("/api/project/tabs").json["tabs"]] == [1]
    assert dm.delete("/api/project/tabs/2").status_code == 404
    assert dm.delete("/api/project/tabs").status_code == 204
    assert not os.path.exists(os.path.join(dm_dir, "tabs.json"))
    assert dm.get("/api/project/tabs").json["tabs"][0]["id"] == 1


def test_selected_items_post_patch_delete(dm, dm_dir):
    assert dm.get("/api/project/tabs/1/selected-items").json is None
    url = "/api/project/tabs/1/selected-items"
    answer = dm.post(url, json={"all": False, "included": [1, 2]})
    assert answer.status_code == 201 and answer.json == {"all": False, "included": [1, 2]}
    answer = dm.patch(url, json={"all": False, "included": [2, 3]})
    assert answer.status_code == 201 and answer.json == {"all": False, "included": [1, 2, 3]}
    assert dm.delete(url, json={"all": False, "included": [1]}).status_code == 204
    assert dm.get(url).json == {"all": False, "included": [2, 3]}
    assert read_tabs(dm_dir)["tabs"][0]["selectedItems"] == {"all": False, "included": [2, 3]}
    answer = dm.post(url, json={"all": True, "excluded": [4]})
    assert answer.json == {"all": True, "excluded": [4]}
    # PATCH must keep "all" as stored
    before = folder_snapshot(dm_dir)
    answer = dm.patch(url, json={"all": False, "included": [1]})
    assert answer.status_code == 400 and "all" in answer.json["detail"]
    assert folder_snapshot(dm_dir) == before


def test_columns(dm):
    columns = dm.get("/api/project/columns").json["columns"]
    ids = [c["id"] for c in columns]
    assert ids[:2] == ["text", "n"]
    assert columns[0]["type"] == "String" and columns[1]["type"] == "Unknown"
    assert columns[0]["visibility_defaults"] == {"explore": True, "labeling": True}
    assert columns[1]["visibility_defaults"]["labeling"] is False
    assert ids[2:] == ["id", "completed_at", "total_completions", "cancelled_completions",
                       "total_predictions", "completions_results", "predictions_score",
                       "predictions_results", "data"]
    assert columns[-1]["type"] == "List" and columns[-1]["children"] == ["text", "n"]


def test_tab_tasks_have_the_09_aggregate_keys(dm):
    answer = dm.get("/api/project/tabs/1/tasks?page=1&page_size=3").json
    assert answer["total"] == 5 and answer["total_completions"] is None
    tasks = {t["id"]: t for t in answer["tasks"]}
    assert list(tasks) == [0, 1, 2]
    assert tasks[0]["completed_at"] == "2021-01-10T00:00:00.000000Z"
    assert tasks[0]["total_completions"] == 1 and tasks[0]["cancelled_completions"] == 0
    assert json.loads(tasks[0]["completions_results"]) == [[{"value": {"labels": ["PER"]}}]]
    assert tasks[0]["predictions_results"] == "" and "predictions_score" not in tasks[0]
    assert tasks[1]["cancelled_completions"] == 1
    assert tasks[2]["completed_at"] is None and tasks[2]["total_predictions"] == 2
    assert tasks[2]["predictions_score"] == 0.8
    assert json.loads(tasks[2]["predictions_results"]) == [[], [{"y": 2}]]
    assert tasks[0]["completions"][0]["result"] == [{"value": {"labels": ["PER"]}}]
    assert dm.get("/api/project/tabs/1/tasks?page=2&page_size=3").json["tasks"][0]["id"] == 3
    assert dm.get("/api/project/tabs/1/tasks?page=9").json["tasks"] == []


def test_tab_ordering(dm):
    set_tab(dm, 1, ordering=["-tasks:completed_at"])
    assert tab_ids(dm) == [1, 0, 2, 3, 4]
    set_tab(dm, 1, ordering=["tasks:completed_at"])
    assert tab_ids(dm) == [0, 1, 2, 3, 4]
    set_tab(dm, 1, ordering=["-tasks:id"])
    assert tab_ids(dm) == [4, 3, 2, 1, 0]
    set_tab(dm, 1, ordering=["-tasks:predictions_score"])
    assert tab_ids(dm) == [2, 1, 0, 3, 4]
    set_tab(dm, 1, ordering=["tasks:data.n"])
    assert tab_ids(dm) == [0, 3, 1, 2, 4]
    set_tab(dm, 1, ordering=["-tasks:data.text"])
    assert tab_ids(dm) == [2, 4, 1, 0, 3]
    # with a filter the totals are counted
    set_tab(dm, 1, filters=filters(("id", "less", "Number", 2)), ordering=["-tasks:id"])
    answer = dm.get("/api/project/tabs/1/tasks").json
    assert [t["id"] for t in answer["tasks"]] == [1, 0]
    assert answer["total"] == 2 and answer["total_completions"] == 2
    assert answer["total_predictions"] == 1


def test_annotations(dm):
    answer = dm.get("/api/project/tabs/1/annotations").json
    assert answer["total"] == 2
    first = answer["annotations"][0]
    assert first["task_id"] == 0 and first["created_at"] == "2021-01-10T00:00:00.000000Z"
    set_tab(dm, 1, filters=filters(("id", "equal", "Number", 1)))
    answer = dm.get("/api/project/tabs/1/annotations").json
    assert [a["task_id"] for a in answer["annotations"]] == [1]
    assert answer["annotations"][0]["was_cancelled"] is True


def test_tabs_go_when_the_object_tags_change_and_stay_otherwise(tmp_path):
    import os
    from conftest import make_project
    from dm_helpers import TEXT_CONFIG
    from label_studio.server import create_app
    path = make_project(str(tmp_path / "empty"), label_config=TEXT_CONFIG)
    client = create_app(path).test_client()
    tabs = os.path.join(path, "tabs.json")
    assert client.post("/api/project/tabs/1", json={"title": "Mine"}).status_code == 200
    assert os.path.exists(tabs)
    same_objects = TEXT_CONFIG.replace("</View>", '<Header value="a header"/></View>')
    assert client.post("/api/project/config",
                       data={"label_config": same_objects}).status_code == 201
    assert os.path.exists(tabs)
    new_object = same_objects.replace("</View>", '<Image name="img" value="$img"/></View>')
    assert client.post("/api/project/config", data={"label_config": new_object}).status_code == 201
    assert not os.path.exists(tabs)


def test_hand_edited_tab_ids_that_are_no_numbers_are_skipped(dm, dm_dir):
    with open(os.path.join(dm_dir, "tabs.json"), "w") as f:
        json.dump({"tabs": [{"id": "²", "title": "sup"}, {"id": "--5", "title": "dashes"},
                            {"id": " 7 ", "title": "spaced"}]}, f)
    assert dm.get("/api/project/tabs/2").status_code == 404
    assert dm.get("/api/project/tabs/5").status_code == 404
    assert dm.get("/api/project/tabs/7").json["title"] == "spaced"

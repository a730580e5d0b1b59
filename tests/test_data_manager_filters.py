"""Every filter operator on task fields and data.<key>, with and/or, and bad filters."""
import pytest

from dm_helpers import FEB, JAN, dm, dm_dir, filters, set_tab, tab_ids  # noqa: F401
from conftest import folder_snapshot

CASES = [
    # (field, operator, type, value) -> ids
    (("id", "equal", "Number", 2), [2]),
    (("id", "not_equal", "Number", 2), [0, 1, 3, 4]),
    (("id", "less", "Number", 2), [0, 1]),
    (("id", "greater", "Number", 2), [3, 4]),
    (("id", "less_or_equal", "Number", 2), [0, 1, 2]),
    (("id", "greater_or_equal", "Number", "2"), [2, 3, 4]),
    (("id", "in", "Number", {"min": 1, "max": 3}), [1, 2, 3]),
    (("id", "not_in", "Number", {"min": 1, "max": 3}), [0, 4]),
    (("total_completions", "equal", "Number", 1), [0, 1]),
    (("cancelled_completions", "greater", "Number", 0), [1]),
    (("total_predictions", "greater_or_equal", "Number", 1), [1, 2]),
    (("predictions_score", "less", "Number", 0.5), [1]),
    (("predictions_score", "empty", "Number", True), [0, 3, 4]),
    (("predictions_score", "empty", "Number", False), [1, 2]),
    (("completions_results", "contains", "String", "PER"), [0]),
    (("completions_results", "empty", "String", True), [2, 3, 4]),  # task 1: [[]]
    (("predictions_results", "contains", "String", '"y"'), [2]),
    (("predictions_results", "not_contains", "String", '"x"'), [0, 2, 3, 4]),
    (("completed_at", "empty", "Datetime", False), [0, 1]),
    (("completed_at", "in", "Datetime",
      {"min": "2021-01-01T00:00:00.000000Z", "max": "2021-02-01T00:00:00.000000Z"}), [0]),
    (("completed_at", "not_in", "Datetime",
      {"min": "2021-01-01T00:00:00.000000Z", "max": "2021-02-01T00:00:00.000000Z"}),
     [1, 2, 3, 4]),
    (("completed_at", "greater", "Datetime", "2021-01-20T00:00:00Z"), [1]),
    (("completed_at", "less_or_equal", "Datetime", "2021-01-10T00:00:00+00:00"), [0]),
    (("completed_at", "equal", "Datetime", "2021-02-10T00:00:00.000000Z"), [1]),
    (("data.text", "contains", "String", "acme"), [0, 2]),
    (("data.text", "not_contains", "String", "ACME"), [1, 3, 4]),
    (("data.text", "equal", "String", "Bob"), [1]),
    (("data.text", "not_equal", "String", "Bob"), [0, 2, 3, 4]),
    (("data.text", "empty", "String", True), [3]),
    (("data.text", "empty", "String", "false"), [0, 1, 2, 4]),
    (("data.text", "less", "String", "C"), [0, 1, 3]),
    (("data.n", "greater", "Number", 3), [1, 2]),
    (("data.n", "less_or_equal", "Number", 3), [0, 3]),
    (("data.n", "in", "Number", {"min": 3, "max": 5}), [1, 3]),
    (("data.n", "equal", "Number", 10), [2]),
    (("data.n", "equal", "Unknown", "10"), [2]),
    (("data.n", "empty", "Number", True), [4]),
    (("data.missing", "empty", "String", True), [0, 1, 2, 3, 4]),
]


@pytest.mark.parametrize("item, expected", CASES, ids=[f"{c[0][0]}-{c[0][1]}" for c in CASES])
def test_operator(dm, item, expected):
    set_tab(dm, 1, filters=filters(item))
    assert tab_ids(dm) == expected
    assert dm.get("/api/project/tabs/1/tasks").json["total"] == len(expected)


def test_every_operator_is_covered():
    from label_studio.data_manager.filters import OPERATORS
    assert {case[0][1] for case in CASES} == set(OPERATORS)


def test_and_or(dm):
    a = ("data.text", "contains", "String", "acme")
    b = ("id", "greater", "Number", 0)
    set_tab(dm, 1, filters=filters(a, b, conjunction="and"))
    assert tab_ids(dm) == [2]
    set_tab(dm, 1, filters=filters(a, b, conjunction="or"))
    assert tab_ids(dm) == [0, 1, 2, 3, 4]
    set_tab(dm, 1, filters=filters(("id", "equal", "Number", 0), ("id", "equal", "Number", 3),
                                   conjunction="or"), ordering=["-tasks:id"])
    assert tab_ids(dm) == [3, 0]
    set_tab(dm, 1, filters={"conjunction": "and", "items": []}, ordering=[])
    assert tab_ids(dm) == [0, 1, 2, 3, 4]


BAD = [
    ({"conjunction": "xor", "items": []}, "conjunction"),
    ({"conjunction": "and", "items": {}}, "items"),
    ("not json", "JSON"),
    ([1, 2], "filters must be an object"),
    (filters(("id", "like", "Number", 1)), "unknown operator"),
    (filters(("nope", "equal", "Number", 1)), "unknown field"),
    (filters(("data.", "equal", "String", 1)), "unknown field"),
    ({"items": [{"filter": "tasks:id", "operator": "equal"}]}, "value is missing"),
    ({"items": [{"filter": "columns:id", "operator": "equal", "value": 1}]}, "task field"),
    ({"items": [{"filter": 5, "operator": "equal", "value": 1}]}, "filter must be a string"),
    ({"items": ["id"]}, "must be an object"),
    (filters(("id", "in", "Number", 3)), "min"),
    (filters(("id", "in", "Number", {"min": 1})), "min"),
    (filters(("id", "less", "Number", "abc")), "not a number"),
    (filters(("completed_at", "less", "Datetime", "yesterday")), "date"),
    (filters(("data.text", "contains", "String", {"a": 1})), "string"),
    (filters(("data.text", "empty", "String", "maybe")), "true or false"),
    (filters(("data.text", "less", "String", [1])), "number or a string"),
]


@pytest.mark.parametrize("bad, words", BAD, ids=[b[1] for b in BAD])
def test_bad_filters_are_400_and_change_nothing(dm, dm_dir, bad, words):
    set_tab(dm, 1, title="before")
    before = folder_snapshot(dm_dir)
    answer = dm.post("/api/project/tabs/1", json={"title": "after", "filters": bad})
    assert answer.status_code == 400
    assert words in answer.json["detail"]
    assert folder_snapshot(dm_dir) == before
    answer = dm.post("/api/project/actions?id=delete_tasks",
                     json={"selectedItems": {"all": True, "excluded": []}, "filters": bad})
    assert answer.status_code == 400
    assert folder_snapshot(dm_dir) == before


@pytest.mark.parametrize("ordering", [["tasks:nope"], ["id"], "x", [1], {"a": 1},
                                      ["tasks:id", "-tasks:unknown"]])
def test_bad_ordering_is_400(dm, dm_dir, ordering):
    before = folder_snapshot(dm_dir)
    answer = dm.post("/api/project/tabs/1", json={"ordering": ordering})
    assert answer.status_code == 400 and answer.json["detail"]
    assert folder_snapshot(dm_dir) == before


def test_a_bad_filter_stored_by_hand_is_a_400_not_a_500(dm, dm_dir):
    import json
    import os
    with open(os.path.join(dm_dir, "tabs.json"), "w") as f:
        json.dump({"tabs": [{"id": 1, "filters": {"conjunction": "and", "items": [
            {"filter": "filters:tasks:id", "operator": "bogus", "value": 1}]}}]}, f)
    answer = dm.get("/api/project/tabs/1/tasks")
    assert answer.status_code == 400 and "operator" in answer.json["detail"]
    with open(os.path.join(dm_dir, "tabs.json"), "w") as f:
        f.write("{broken")
    before = folder_snapshot(dm_dir)
    assert dm.get("/api/project/tabs").status_code == 409
    assert dm.post("/api/project/tabs/1", json={"title": "x"}).status_code == 409
    assert folder_snapshot(dm_dir) == before


def test_the_bundles_singular_filter_prefix_is_accepted(dm):
    """The 0.9.1 Data Manager bundle sends "filter:tasks:<field>"; its server took either."""
    from label_studio.data_manager.filters import field_name
    assert field_name("filter:tasks:data.text", "filters:", "f") == "data.text"
    assert field_name("filters:tasks:data.text", "filters:", "f") == "data.text"

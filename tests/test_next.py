"""GET /api/project/next for every sampling mode."""
import json
import os

import pytest

from conftest import set_config


def test_sequential_hands_out_the_smallest_uncompleted_id(client):
    client.post("/api/project/import", json=[{"image": str(i)} for i in range(4)])
    assert client.get("/api/project/next").get_json() == {"id": 0, "data": {"image": "0"}}
    client.post("/api/tasks/0/completions", json={"result": []})
    client.post("/api/tasks/2/completions", json={"result": []})
    assert client.get("/api/project/next").get_json()["id"] == 1
    client.post("/api/tasks/1/completions", json={"result": []})
    assert client.get("/api/project/next").get_json()["id"] == 3
    client.post("/api/tasks/3/completions", json={"result": []})
    r = client.get("/api/project/next")
    assert r.status_code == 404
    assert r.get_json()["id"] is None
    assert client.get("/api/projects/1/next/").status_code == 404


def test_empty_project_has_no_next(client):
    assert client.get("/api/project/next").status_code == 404


def test_uniform_only_returns_uncompleted_tasks(client, project_dir):
    set_config(project_dir, sampling="uniform")
    client.post("/api/project/import", json=[{"image": str(i)} for i in range(6)])
    for task_id in (0, 2, 4):
        client.post(f"/api/tasks/{task_id}/completions", json={"result": []})
    seen = {client.get("/api/project/next").get_json()["id"] for _ in range(60)}
    assert seen == {1, 3, 5}


@pytest.mark.parametrize("mode,expected", [("prediction-score-min", 2),
                                           ("prediction-score-max", 3)])
def test_prediction_score_modes(client, project_dir, mode, expected):
    set_config(project_dir, sampling=mode)
    client.post("/api/project/import", json=[
        {"data": {"image": "0"}},
        {"data": {"image": "1"}, "predictions": [{"result": [], "score": 0.1}]},
        {"data": {"image": "2"}, "predictions": [{"result": [], "score": 0.2},
                                                 {"result": [], "score": 0.4}]},
        {"data": {"image": "3"}, "predictions": [{"result": [], "score": 0.9},
                                                 {"result": []}]},
    ])
    client.post("/api/tasks/1/completions", json={"result": []})
    assert client.get("/api/project/next").get_json()["id"] == expected


@pytest.mark.parametrize("mode", ["prediction-score-min", "prediction-score-max"])
def test_prediction_score_ties_go_to_the_lowest_id(client, project_dir, mode):
    set_config(project_dir, sampling=mode)
    scores = [0.5, 0.3, 0.7, 0.3, 0.7, 0.5]
    client.post("/api/project/import", json=[
        {"data": {"image": str(i)}, "predictions": [{"result": [], "score": s}]}
        for i, s in enumerate(scores)])
    expected = [1, 3, 0, 5, 2, 4] if mode.endswith("min") else [2, 4, 0, 5, 1, 3]
    served = []
    for _ in scores:
        task_id = client.get("/api/project/next").get_json()["id"]
        served.append(task_id)
        client.post(f"/api/tasks/{task_id}/completions", json={"result": []})
    assert served == expected


def test_prediction_score_mode_never_serves_unscored_tasks(client, project_dir):
    set_config(project_dir, sampling="prediction-score-min")
    client.post("/api/project/import", json=[{"image": "0"}])
    assert client.get("/api/project/next").status_code == 404


def test_unknown_sampling_falls_back_to_sequential_with_a_warning(client, project_dir):
    set_config(project_dir, sampling="clever")
    client.post("/api/project/import", json=[{"image": "0"}, {"image": "1"}])
    assert client.get("/api/project/next").get_json()["id"] == 0
    warnings = client.get("/api/project").get_json()["warnings"]
    assert any("clever" in w for w in warnings)


def test_next_renames_undefined_key(client, project_dir):
    with open(os.path.join(project_dir, "tasks.json"), "w") as f:
        json.dump({"0": {"id": 0, "data": {"$undefined$": "http://x/a.jpg"}}}, f)
    assert client.get("/api/project/next").get_json()["data"] == {"image": "http://x/a.jpg"}

"""ML backends: connecting, live predictions, bulk predictions, training, removal.

Every test talks to tests/ml_backend_stub.py running as its own HTTP process."""
import json
import os
import re
import socket
import time

import pytest

from conftest import LiveServer, folder_snapshot, make_project, set_config
from label_studio.ml import client as ml
from label_studio.server import create_app

NER_CONFIG = """<View>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Text name="text" value="$text"/>
</View>
"""


@pytest.fixture(autouse=True)
def fresh_backend_clients(monkeypatch):
    # a remembered /health must not leak from one test's backend to the next
    monkeypatch.setattr(ml, "_clients", {})


@pytest.fixture
def ner_dir(tmp_path):
    return make_project(str(tmp_path / "ner"), label_config=NER_CONFIG)


@pytest.fixture
def ner(ner_dir):
    client = create_app(ner_dir).test_client()
    answer = client.post("/api/project/import", json=[
        {"text": "Anna works at Acme"},
        {"data": {"text": "Bob"}, "predictions": [{"result": [], "score": 0.1,
                                                    "model_version": "stored"}]},
        {"text": "Carl"}])
    assert answer.status_code == 201, answer.json
    return client


def connect(client, backend, name="mymodel"):
    answer = client.patch("/api/project", json={"ml_backend": f"{name}={backend.url}"})
    assert answer.status_code == 201, answer.json
    return answer


def read_json(*parts):
    with open(os.path.join(*parts)) as f:
        return json.load(f)


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# ---------------------------------------------------------------- connecting and removing

def test_patch_project_connects_a_backend_and_lists_it(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    assert ner.get("/api/models").json == {"models": ["mymodel"]}
    config = read_json(ner_dir, "config.json")
    assert config["ml_backends"] == [{"url": ml_backend.url, "name": "mymodel"}]
    assert ml_backend.calls("health")


def test_a_backend_without_a_name_gets_the_project_name_and_four_hex_digits(ner, ml_backend):
    assert ner.patch("/api/project", json={"ml_backend": ml_backend.url}).status_code == 201
    [name] = ner.get("/api/models").json["models"]
    assert name.startswith("ner") and len(name) == 7 and int(name[3:], 16) >= 0


@pytest.mark.parametrize("spec, message", [
    ("not a url", "doesn't look like URL"),
    ("ftp://example.com", "doesn't look like URL"),
    (5, "must be a URL string"),
])
def test_a_bad_backend_address_is_a_400_and_changes_nothing(ner, ner_dir, spec, message):
    before = folder_snapshot(ner_dir)
    answer = ner.patch("/api/project", json={"ml_backend": spec})
    assert answer.status_code == 400 and message in answer.json["detail"]
    assert folder_snapshot(ner_dir) == before


def test_an_unreachable_backend_is_refused_and_not_saved(ner, ner_dir):
    before = folder_snapshot(ner_dir)
    url = closed_port_url()
    answer = ner.patch("/api/project", json={"ml_backend": f"m={url}"})
    assert answer.status_code == 400
    assert answer.json["detail"] == f'ML backend with URL: "{url}" is not connected.'
    assert folder_snapshot(ner_dir) == before


def test_delete_models_removes_a_backend_by_name(ner, ner_dir, ml_backend):
    connect(ner, ml_backend, "first")
    connect(ner, ml_backend, "second")
    assert ner.delete("/api/models", json={"name": "first"}).status_code == 204
    assert ner.get("/api/models").json == {"models": ["second"]}
    assert [b["name"] for b in read_json(ner_dir, "config.json")["ml_backends"]] == ["second"]


def test_delete_models_with_an_unknown_or_missing_name_changes_nothing(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    before = folder_snapshot(ner_dir)
    answer = ner.delete("/api/models", json={"name": "nope"})
    assert answer.status_code == 404 and '"nope"' in answer.json["detail"]
    assert ner.delete("/api/models").status_code == 400
    assert ner.delete("/api/models", json={"name": 3}).status_code == 400
    assert folder_snapshot(ner_dir) == before


def test_backends_given_at_init_are_listed(tmp_path, ml_backend):
    from click.testing import CliRunner
    from label_studio.cli import main
    path = str(tmp_path / "p")
    result = CliRunner().invoke(main, ["init", path, "--ml-backends", f"one={ml_backend.url}",
                                       f"two={ml_backend.url}/"])
    assert result.exit_code == 0, result.output
    client = create_app(path).test_client()
    assert client.get("/api/models").json == {"models": ["one", "two"]}


# ---------------------------------------------------------------- live predictions

def test_get_task_carries_live_predictions_that_are_not_stored(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    tasks_before = read_json(ner_dir, "tasks.json")
    task = ner.get("/api/tasks/0").json
    [prediction] = task["predictions"]
    assert prediction["created_by"] == "mymodel"
    assert prediction["result"][0]["value"] == {"start": 0, "end": 4, "labels": ["PER"]}
    assert prediction["score"] == 0.5 and prediction["model_version"] == "v7"
    time.strptime(prediction["created_date"][:19], "%Y-%m-%dT%H:%M:%S")
    assert read_json(ner_dir, "tasks.json") == tasks_before

    [setup] = ml_backend.calls("setup")
    assert setup["body"]["project"] == "mymodel"
    assert setup["body"]["schema"] == NER_CONFIG.replace("\n", "")
    assert setup["body"]["hostname"] == "http://localhost"
    [predict] = ml_backend.calls("predict")
    assert predict["body"]["tasks"] == [{"id": 0, "data": {"text": "Anna works at Acme"},
                                         "predictions": []}]
    assert predict["body"]["project"] == "mymodel"
    assert predict["body"]["model_version"] == "v7"
    assert predict["body"]["label_config"] == NER_CONFIG
    assert predict["body"]["params"] == {"force_load": True, "login": "", "password": ""}
    assert predict["user_agent"].startswith("label-studio/")


def test_next_carries_live_predictions(ner, ml_backend):
    connect(ner, ml_backend)
    task = ner.get("/api/project/next").json
    assert task["id"] == 0 and task["predictions"][0]["created_by"] == "mymodel"


def test_a_healthy_backend_is_not_asked_for_health_before_every_call(ner, ml_backend):
    connect(ner, ml_backend)
    for task_id in (0, 1, 2):
        assert ner.get(f"/api/tasks/{task_id}").json["predictions"][0]["created_by"] == "mymodel"
    assert len(ml_backend.calls("predict")) == 3
    assert len(ml_backend.calls("health")) == 1


@pytest.mark.parametrize("mode", ["error", "empty", "missing", "notjson"])
def test_when_the_backend_gives_nothing_the_stored_predictions_stay(ner, ml_backend, mode):
    connect(ner, ml_backend)
    ml_backend.control(predict=mode)
    answer = ner.get("/api/tasks/1")
    assert answer.status_code == 200
    assert answer.json["predictions"] == [{"result": [], "score": 0.1,
                                           "model_version": "stored"}]
    assert ner.get("/api/tasks/0").json["predictions"] == []


def test_one_failing_backend_does_not_stop_the_others(ner, ml_backend):
    from conftest import MLBackendStub
    broken = MLBackendStub()
    try:
        broken.control(predict="error")
        connect(ner, broken, "broken")
        connect(ner, ml_backend, "good")
        predictions = ner.get("/api/tasks/0").json["predictions"]
        assert [p["created_by"] for p in predictions] == ["good"]
        assert broken.calls("predict") and ml_backend.calls("predict")
    finally:
        broken.stop()


def test_a_backend_that_went_away_is_skipped(ner, ml_backend):
    connect(ner, ml_backend)
    ml_backend.stop()
    ml._clients.clear()  # forget the remembered health, as after a few seconds
    answer = ner.get("/api/tasks/1")
    assert answer.status_code == 200
    assert answer.json["predictions"][0]["model_version"] == "stored"


def test_a_hanging_backend_is_cut_off_by_the_read_timeout(ner, ml_backend, monkeypatch):
    monkeypatch.setattr(ml, "LONG_READ_TIMEOUT", 0.5)
    connect(ner, ml_backend)
    ml_backend.control(predict="hang", hang_seconds=5)
    started = time.monotonic()
    answer = ner.get("/api/tasks/1")
    assert answer.status_code == 200
    assert answer.json["predictions"][0]["model_version"] == "stored"
    assert time.monotonic() - started < 4  # the backend would have answered after 5 s


# ---------------------------------------------------------------- /api/models/predictions

def test_predictions_for_posted_data_are_returned_not_stored(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    before = folder_snapshot(ner_dir)
    answer = ner.post("/api/models/predictions", json={"text": "Zoe"})
    assert answer.status_code == 200
    assert answer.json["data"] == {"text": "Zoe"}
    assert answer.json["predictions"][0]["result"][0]["value"]["end"] == 3
    answer = ner.post("/api/models/predictions?mode=data", json={"data": {"text": "Ann"}})
    assert answer.json["data"] == {"text": "Ann"} and answer.json["predictions"]
    assert folder_snapshot(ner_dir) == before


def test_predictions_for_all_tasks_are_stored_in_tasks_json(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    answer = ner.post("/api/models/predictions?mode=all_tasks")
    assert answer.status_code == 200
    assert answer.json["detail"] == answer.json["details"] == "predictions are ready"
    tasks = read_json(ner_dir, "tasks.json")
    assert sorted(tasks) == ["0", "1", "2"]
    for task in tasks.values():
        [prediction] = task["predictions"]
        assert prediction["created_by"] == "mymodel" and prediction["score"] == 0.5
    assert [c["body"]["tasks"][0]["id"] for c in ml_backend.calls("predict")] == [0, 1, 2]


def test_predictions_for_specific_tasks_by_query_or_body(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    assert ner.get("/api/models/predictions?mode=specific_tasks&task_ids=0,2").status_code == 200
    tasks = read_json(ner_dir, "tasks.json")
    assert tasks["0"]["predictions"][0]["created_by"] == "mymodel"
    assert tasks["1"]["predictions"][0]["model_version"] == "stored"
    assert tasks["2"]["predictions"][0]["created_by"] == "mymodel"
    answer = ner.post("/api/models/predictions?mode=specific_tasks", json={"task_ids": [1]})
    assert answer.status_code == 200
    assert read_json(ner_dir, "tasks.json")["1"]["predictions"][0]["created_by"] == "mymodel"


def test_bulk_predictions_keep_stored_ones_when_the_backend_gives_nothing(ner, ner_dir,
                                                                          ml_backend):
    connect(ner, ml_backend)
    ml_backend.control(predict="empty")
    before = folder_snapshot(ner_dir)
    assert ner.post("/api/models/predictions?mode=all_tasks").status_code == 200
    assert folder_snapshot(ner_dir) == before


@pytest.mark.parametrize("query, body, status, message", [
    ("?mode=specific_tasks&task_ids=0,99", None, 404, "99"),
    ("?mode=specific_tasks&task_ids=", None, 400, "task_ids"),
    ("?mode=specific_tasks&task_ids=1,x", None, 400, "task_ids"),
    ("?mode=specific_tasks", None, 400, "task ids"),
    ("?mode=specific_tasks", {"task_ids": ["a"]}, 400, "task ids"),
    ("?mode=everything", None, 400, 'unknown mode "everything"'),
    ("", None, 400, "no task data found in request json"),
    ("?mode=data", None, 400, "no task data found in request json"),
])
def test_bad_prediction_requests_change_nothing(ner, ner_dir, ml_backend, query, body, status,
                                                message):
    connect(ner, ml_backend)
    before = folder_snapshot(ner_dir)
    answer = ner.post("/api/models/predictions" + query, json=body)
    assert answer.status_code == status
    assert message in answer.json["detail"]
    assert folder_snapshot(ner_dir) == before


def test_an_unknown_prediction_mode_is_400_listing_the_modes(ner, ner_dir):
    before = folder_snapshot(ner_dir)
    for answer in (ner.get("/api/models/predictions?mode=bogus"),
                   ner.post("/api/models/predictions?mode=bogus", json={"text": "x"})):
        assert answer.status_code == 400
        assert answer.json["status"] == 400
        for mode in ("data", "all_tasks", "specific_tasks"):
            assert mode in answer.json["detail"]
    assert folder_snapshot(ner_dir) == before


def test_predictions_and_training_without_a_backend_are_400(ner, ner_dir):
    before = folder_snapshot(ner_dir)
    for answer in (ner.post("/api/models/predictions", json={"text": "x"}),
                   ner.post("/api/models/predictions?mode=all_tasks"),
                   ner.post("/api/models/train")):
        assert answer.status_code == 400 and answer.json["detail"] == "No ML backend"
    assert folder_snapshot(ner_dir) == before


# ---------------------------------------------------------------- training

def complete(client):
    assert client.post("/api/tasks/0/completions", json={"result": [
        {"from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 4, "labels": ["PER"]}}]}).status_code == 201
    assert client.post("/api/tasks/2/completions?was_cancelled=1",
                       json={"result": []}).status_code == 201


def test_train_sends_every_completions_record(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    complete(ner)
    answer = ner.post("/api/models/train")
    assert answer.status_code == 200
    assert answer.json["detail"] == answer.json["details"] == "Training started"
    [train] = ml_backend.calls("train")
    body = train["body"]
    assert body["project"] == "mymodel" and body["label_config"] == NER_CONFIG
    assert body["params"] == {"login": "", "password": "",
                              "project_full_path": os.path.abspath(ner_dir)}
    records = {record["id"]: record for record in body["completions"]}
    assert records == {0: read_json(ner_dir, "completions", "0.json"),
                       2: read_json(ner_dir, "completions", "2.json")}
    assert records[2]["completions"][0]["was_cancelled"] is True
    assert ml_backend.calls("is_training")[0]["query"] == {"project": ["mymodel"]}


def test_a_job_id_is_kept_and_a_running_job_blocks_a_new_training(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    complete(ner)
    ml_backend.control(job="job-1")
    assert ner.post("/api/models/train").status_code == 200
    [entry] = read_json(ner_dir, "config.json")["ml_backends"]
    assert entry == {"url": ml_backend.url, "name": "mymodel", "train_job": "job-1"}

    ml_backend.control(job_status="started")
    answer = ner.post("/api/models/train")
    assert answer.status_code == 409
    assert answer.json["detail"] == "Can't start new training: Train job is running."
    assert ml_backend.calls("job_status")[-1]["body"] == {"job": "job-1"}
    assert len(ml_backend.calls("train")) == 1

    ml_backend.control(job_status="finished")
    assert ner.post("/api/models/train").status_code == 200


def test_a_backend_that_says_it_is_training_is_a_409(ner, ml_backend):
    connect(ner, ml_backend)
    complete(ner)
    ml_backend.control(is_training=True)
    answer = ner.post("/api/models/train")
    assert answer.status_code == 409 and "Train job is running" in answer.json["detail"]
    assert ml_backend.calls("train") == []


def test_a_training_error_is_a_502_naming_the_backend_and_its_answer(ner, ml_backend):
    connect(ner, ml_backend)
    complete(ner)
    ml_backend.control(train="error")
    answer = ner.post("/api/models/train")
    assert answer.status_code == 502
    assert "mymodel" in answer.json["detail"] and "out of memory" in answer.json["detail"]


def test_training_with_no_reachable_backend_is_a_400(ner, ml_backend):
    connect(ner, ml_backend)
    ml_backend.control(health="error")
    ml._clients.clear()
    answer = ner.post("/api/models/train")
    assert answer.status_code == 400
    assert answer.json["detail"].startswith("Training is not started")


# ---------------------------------------------------------------- delete all tasks

def test_deleting_all_tasks_asks_the_backends_to_drop_their_models(ner, ner_dir, ml_backend):
    connect(ner, ml_backend)
    assert ner.delete("/api/tasks").status_code == 204  # the stub has no /delete: only logged
    [delete] = ml_backend.calls("delete")
    assert delete["body"] == {"project": "mymodel"}
    assert read_json(ner_dir, "tasks.json") == {}


# ---------------------------------------------------------------- over HTTP

def test_the_seed_flow_against_a_live_server(ner_dir, ml_backend):
    import requests
    server = LiveServer(ner_dir).start()
    try:
        assert requests.post(server.url + "/api/project/import",
                             json=[{"text": "Dora"}]).status_code == 201
        assert requests.patch(server.url + "/api/project",
                              json={"ml_backend": f"live={ml_backend.url}"}).status_code == 201
        task = requests.get(server.url + "/api/tasks/0").json()
        assert task["predictions"][0]["created_by"] == "live"
        assert ml_backend.calls("setup")[0]["body"]["hostname"] == server.url
    finally:
        server.stop()


def test_training_with_no_completions_is_a_400_and_calls_no_train(ner, ml_backend):
    connect(ner, ml_backend)
    answer = ner.post("/api/models/train")
    assert answer.status_code == 400 and "no task has completions" in answer.json["detail"]
    assert ml_backend.calls("train") == []


def test_predictions_for_data_that_is_not_an_object_are_a_400(ner, ml_backend):
    connect(ner, ml_backend)
    answer = ner.post("/api/models/predictions", json=[1, 2])
    assert answer.status_code == 400 and "an array" in answer.json["detail"]
    assert ml_backend.calls("predict") == []


def test_legacy_ml_aliases_behave_like_their_targets(ner, ner_dir, ml_backend):
    assert ner.post("/predict", json={"text": "Zoe"}).json == {"detail": "No ML backend",
                                                               "status": 400}
    connect(ner, ml_backend, "first")
    connect(ner, ml_backend, "second")
    answer = ner.post("/predict?mode=all_tasks", json={"text": "Zoe"})
    assert answer.status_code == 200 and answer.json["data"] == {"text": "Zoe"}
    assert [p["created_by"] for p in answer.json["predictions"]] == ["first", "second"]
    assert ner.post("/api/train").status_code == 400  # nothing completed yet
    complete(ner)
    assert ner.post("/api/train").json["detail"] == "Training started"
    assert ner.post("/api/remove-ml-backend", json={"name": "first"}).status_code == 204
    assert ner.get("/api/models").json == {"models": ["second"]}


def test_a_backend_that_is_down_is_asked_for_health_once_in_a_while(ner, ml_backend):
    connect(ner, ml_backend)
    ml._clients.clear()
    ml_backend.control(health="error")
    for _ in range(3):
        assert ner.get("/api/tasks/1").json["predictions"][0]["model_version"] == "stored"
    assert len(ml_backend.calls("health")) == 2  # one when connecting, one for the three GETs
    assert ml_backend.calls("predict") == []


def test_connecting_checks_health_afresh(ner, ml_backend):
    connect(ner, ml_backend)
    ml_backend.control(health="error")
    ml._clients.clear()
    ner.get("/api/tasks/0")  # remembers the backend as down
    ml_backend.control(health="ok")
    # the same name and address: the same client, which remembers the backend as down
    answer = ner.patch("/api/project", json={"ml_backend": f"mymodel={ml_backend.url}"})
    assert answer.status_code == 201


def test_the_model_page_shows_each_backend_and_whether_it_answers(ner, ner_dir, ml_backend):
    assert "No ML backend is connected" in ner.get("/model").get_data(as_text=True)
    connect(ner, ml_backend, "alive")
    dead = closed_port_url()
    backends = read_json(ner_dir, "config.json")["ml_backends"]
    set_config(ner_dir, ml_backends=backends + [{"name": "gone", "url": dead}])
    page = ner.get("/model").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(\w+)</td><td><code>([^<]+)</code></td>\s*<td>([^<]+)</td>", page)
    assert rows == [("alive", ml_backend.url, "connected"), ("gone", dead, "not answering")]
    assert 'id="ls-train"' in page

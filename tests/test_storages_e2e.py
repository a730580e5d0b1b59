"""Projects whose source or target is a bucket or Redis, through the API, against the real
servers (moto, gcp-storage-emulator, Azurite, redis-server)."""
import json
import logging
import os
import uuid

import pytest
import requests

from conftest import folder_snapshot, set_config
from label_studio.server import create_app
from label_studio.storage.registry import open_client
from storage_servers import start_server
from test_storage_clients import make_bucket

KINDS = ("s3", "gcs", "azure", "redis")
BUCKETS = ("s3", "gcs", "azure")
SOURCE = {"s3": "s3", "gcs": "gcs", "azure": "azure-blob", "redis": "redis"}
IMAGE_CONFIG = """<View><Image name="image" value="$image"/>
<Choices name="c" toName="image"><Choice value="A"/><Choice value="B"/></Choices></View>"""


class Storage:
    """One kind of server, with the environment set and fresh buckets on demand."""

    def __init__(self, kind, server, monkeypatch):
        self.kind, self.server = kind, server
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)

    def bucket(self):
        name = f"bucket-{uuid.uuid4().hex[:12]}"
        make_bucket(self.kind, self.server, name)
        return name

    def config(self, role, path, **params):
        name = SOURCE[self.kind] + ("-completions" if role == "target" else "")
        if self.kind == "redis":
            params = {"host": "127.0.0.1", "port": str(self.server.port),
                      "db": 5 if role == "source" else 6, **params}
        return {"name": role, "type": name, "path": path, "params": params}

    def client(self, role, path):
        return open_client(self.config(role, path), role)


@pytest.fixture(params=KINDS)
def storage(request, monkeypatch):
    server = request.getfixturevalue(f"{request.param}_server")
    return Storage(request.param, server, monkeypatch)


@pytest.fixture(params=BUCKETS)
def bucket_storage(request, monkeypatch):
    server = request.getfixturevalue(f"{request.param}_server")
    return Storage(request.param, server, monkeypatch)


def new_project(tmp_path, label_config=IMAGE_CONFIG):
    from conftest import make_project
    return make_project(str(tmp_path / f"proj-{uuid.uuid4().hex[:6]}"), label_config=label_config)


def open_app(path):
    app = create_app(path)
    project = app.config["LS_PROJECTS"].current()
    return app.test_client(), project


def put_media(storage, bucket, names):
    client = storage.client("source", bucket)
    for name in names:
        client.write(name, b"bytes of " + name.encode())
    return client


# ---------------------------------------------------------------- sources


def test_a_bucket_of_media_becomes_tasks_with_presigned_urls(bucket_storage, tmp_path):
    bucket = bucket_storage.bucket()
    put_media(bucket_storage, bucket, ["imgs/b.jpg", "imgs/a.jpg", "imgs/notes.txt", "top.jpg"])
    path = new_project(tmp_path)
    set_config(path, source=bucket_storage.config("source", bucket, prefix="imgs/",
                                                  regex=r".*\.jpg", use_blob_urls=True))
    client, project = open_app(path)
    project.sync_storages()
    tasks = client.get("/api/tasks").get_json()
    assert [t["id"] for t in tasks] == [0, 1]  # ids in sorted key order: a.jpg, b.jpg
    for task, name in zip(tasks, ("imgs/a.jpg", "imgs/b.jpg")):
        url = task["data"]["image"]
        assert url.startswith("http")
        assert requests.get(url, timeout=10).content == b"bytes of " + name.encode()
    shown = client.get("/api/project/next").get_json()
    assert shown["data"]["image"].startswith("http")
    # stored data is never changed: the mirror and the map keep the bucket URIs
    scheme = {"s3": "s3", "gcs": "gs", "azure": "azure-blob"}[bucket_storage.kind]
    key_map = json.load(open(os.path.join(path, "source.json")))
    assert key_map["0"]["key"] == f"{scheme}://{bucket}/imgs/a.jpg"
    assert list(project.stored_task(0)["data"].values()) == [f"{scheme}://{bucket}/imgs/a.jpg"]


def test_new_keys_get_new_ids_and_vanished_keys_never_return_theirs(bucket_storage, tmp_path):
    bucket = bucket_storage.bucket()
    objects = put_media(bucket_storage, bucket, ["a.jpg", "b.jpg"])
    path = new_project(tmp_path)
    set_config(path, source=bucket_storage.config("source", bucket, regex=r".*\.jpg"))
    client, project = open_app(path)
    project.sync_storages()
    assert project.task_ids() == [0, 1]
    objects.delete("a.jpg")
    objects.write("c.jpg", b"c")
    project.sync_storages()
    assert project.task_ids() == [1, 2]
    objects.write("a.jpg", b"back")  # a key that comes back keeps its id
    project.sync_storages()
    assert project.task_ids() == [0, 1, 2]
    # a restart serves the last sync at once, before any listing
    _, again = open_app(path)
    assert again.task_ids() == [0, 1, 2]


def test_json_objects_are_tasks_and_a_broken_one_is_skipped_with_a_warning(storage, tmp_path):
    path = new_project(tmp_path)
    if storage.kind == "redis":
        prefix = f"tasks-{uuid.uuid4().hex[:6]}"
        writer = storage.client("source", prefix)
        names = ["0", "1", "2"]
        set_config(path, source=storage.config("source", prefix))
    else:
        prefix = storage.bucket()
        writer = storage.client("source", prefix)
        names = ["t/0.json", "t/1.json", "t/2.json"]
        set_config(path, source=storage.config("source", prefix, regex=r".*\.json",
                                               use_blob_urls=False))
    writer.write(names[0], json.dumps({"data": {"image": "http://x/0.jpg"}}).encode())
    writer.write(names[1], b"{ not json")
    writer.write(names[2], json.dumps({"image": "http://x/2.jpg"}).encode())
    client, project = open_app(path)
    project.sync_storages()
    tasks = client.get("/api/tasks").get_json()
    assert [t["data"]["image"] for t in tasks] == ["http://x/0.jpg", "http://x/2.jpg"]
    summary = client.get("/api/project").get_json()
    assert summary["task_count"] == 2
    assert any("not valid JSON" in w for w in summary["warnings"])


def test_a_bucket_source_refuses_imports_and_deletions_with_400(bucket_storage, tmp_path):
    bucket = bucket_storage.bucket()
    put_media(bucket_storage, bucket, ["a.jpg"])
    path = new_project(tmp_path)
    set_config(path, source=bucket_storage.config("source", bucket, regex=".*"))
    client, project = open_app(path)
    project.sync_storages()
    before = folder_snapshot(path)
    name = SOURCE[bucket_storage.kind]
    for answer, operation in ((client.post("/api/project/import", json=[{"image": "x"}]),
                               "Import"),
                              (client.delete("/api/tasks/0"), "Deleting tasks"),
                              (client.delete("/api/tasks"), "Deleting tasks")):
        assert answer.status_code == 400
        assert answer.get_json()["detail"] == f"{operation} is not supported for storage {name}"
    assert folder_snapshot(path) == before
    assert client.get("/api/project").get_json()["can_manage_tasks"] is False


def test_redis_source_takes_imports_and_deletions(redis_server, monkeypatch, tmp_path):
    storage = Storage("redis", redis_server, monkeypatch)
    prefix = f"tasks-{uuid.uuid4().hex[:6]}"
    path = new_project(tmp_path)
    set_config(path, source=storage.config("source", prefix))
    client, project = open_app(path)
    answer = client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}])
    assert answer.status_code == 201 and answer.get_json()["new_task_ids"] == [0, 1]
    redis = storage.client("source", prefix)
    assert json.loads(redis.read("1")) == {"data": {"image": "b"}, "id": 1}
    assert client.delete("/api/tasks/0").status_code == 204
    assert redis.read("0") is None
    redis.write("7", json.dumps({"data": {"image": "by hand"}}).encode())
    redis.write("\u00b2", json.dumps({"data": {"image": "a digit, no number"}}).encode())
    project.sync_storages()
    assert project.task_ids() == [1, 7]
    assert client.get("/api/project").get_json()["can_manage_tasks"] is True


# ---------------------------------------------------------------- targets


def test_completions_go_to_the_target_and_come_back(storage, tmp_path):
    target = f"labels-{uuid.uuid4().hex[:6]}" if storage.kind == "redis" else storage.bucket()
    path = new_project(tmp_path)
    params = {} if storage.kind == "redis" else {"prefix": "out"}
    set_config(path, target=storage.config("target", target, **params))
    client, project = open_app(path)
    client.post("/api/project/import", json=[{"image": "a"}, {"image": "b"}])
    answer = client.post("/api/tasks/1/completions", json={"result": [], "lead_time": 1})
    assert answer.status_code == 201
    # durable locally first, whatever the target does
    assert json.load(open(os.path.join(path, "completions", "1.json")))["id"] == 1
    project.sync_storages()
    remote = storage.client("target", target)
    key = "1" if storage.kind == "redis" else "out/1"
    record = json.loads(remote.read(key))
    assert record["id"] == 1 and record["completions"][0]["lead_time"] == 1
    assert client.get("/api/project").get_json()["target_pending"] == 0
    # a record another instance wrote is copied in, its id taken back from the key
    other = dict(record, id=0)
    remote.write("0" if storage.kind == "redis" else "out/0", json.dumps(other).encode())
    # a key that isdigit() takes for a number, int() does not: no task's record
    remote.write("\u00b2" if storage.kind == "redis" else "out/\u00b2", json.dumps(other).encode())
    project.sync_storages()
    assert client.get("/api/tasks/0").get_json()["completions"][0]["lead_time"] == 1
    # deleting completions deletes the remote record too
    assert client.delete("/api/tasks/1/completions").status_code == 204
    project.sync_storages()
    assert remote.read(key) is None


@pytest.mark.parametrize("kind", KINDS)
def test_a_target_that_dies_loses_nothing_acknowledged(kind, tmp_path, monkeypatch):
    server = start_server(kind)
    try:
        storage = Storage(kind, server, monkeypatch)
        target = "labels" if kind == "redis" else storage.bucket()
        path = new_project(tmp_path)
        set_config(path, target=storage.config("target", target))
        client, project = open_app(path)
        client.post("/api/project/import", json=[{"image": str(i)} for i in range(3)])
        server.kill()
        for task_id in range(3):
            assert client.post(f"/api/tasks/{task_id}/completions",
                               json={"result": []}).status_code == 201
        project.sync_storages()
        summary = client.get("/api/project").get_json()
        assert summary["target_pending"] == 3
        assert any("wait to be sent" in w for w in summary["warnings"])
        server.start()
        if kind != "redis":
            make_bucket(kind, server, target)  # the server came back empty (in memory)
        # a restart of the project resumes the pending uploads
        client, project = open_app(path)
        project.sync_storages()
        assert client.get("/api/project").get_json()["target_pending"] == 0
        remote = storage.client("target", target)
        for task_id in range(3):
            assert json.loads(remote.read(str(task_id)))["id"] == task_id
    finally:
        server.stop()


@pytest.mark.parametrize("kind", BUCKETS)
def test_a_source_that_dies_keeps_serving_its_last_sync(kind, tmp_path, monkeypatch):
    server = start_server(kind)
    try:
        storage = Storage(kind, server, monkeypatch)
        bucket = storage.bucket()
        put_media(storage, bucket, ["a.jpg", "b.jpg"])
        path = new_project(tmp_path)
        set_config(path, source=storage.config("source", bucket, regex=".*"))
        client, project = open_app(path)
        project.sync_storages()
        server.kill()
        project.sync_storages()
        summary = client.get("/api/project").get_json()
        assert summary["task_count"] == 2
        assert any("serving the tasks of its last sync" in w for w in summary["warnings"])
        assert client.get("/api/project/next").status_code == 200
    finally:
        server.stop()


# ---------------------------------------------------------------- settings and secrets


def test_storage_settings_switch_to_a_bucket_and_back(bucket_storage, tmp_path):
    bucket = bucket_storage.bucket()
    put_media(bucket_storage, bucket, ["x/1.jpg", "x/2.jpg"])
    path = new_project(tmp_path)
    client, project = open_app(path)
    name = SOURCE[bucket_storage.kind]
    body = {"type": name, "path": bucket, "prefix": "x", "regex": r".*\.jpg",
            "use_blob_urls": True}
    answer = client.post(f"/api/project/storage-settings?type={name}&storage_for=source",
                         json=body)
    assert answer.status_code == 201 and answer.get_json() == {"result": "ok"}
    assert json.load(open(os.path.join(path, "config.json")))["source"]["type"] == name
    project.sync_storages()
    assert client.get("/api/project").get_json()["task_count"] == 2
    settings = client.get("/api/project/storage-settings").get_json()
    assert settings["source"][name]["current"] is True
    answer = client.post("/api/project/storage-settings?type=tasks-json&storage_for=source",
                         json={"type": "tasks-json"})
    assert answer.status_code == 201
    assert client.get("/api/project").get_json()["task_count"] == 0


def test_a_missing_bucket_is_refused_and_changes_nothing(bucket_storage, tmp_path):
    path = new_project(tmp_path)
    client, _ = open_app(path)
    before = folder_snapshot(path)
    name = SOURCE[bucket_storage.kind]
    answer = client.post(f"/api/project/storage-settings?type={name}&storage_for=source",
                         json={"type": name, "path": "no-such-bucket-here", "regex": ".*"})
    assert answer.status_code == 400
    assert answer.get_json()["detail"].startswith("Error while storage update: ")
    assert folder_snapshot(path) == before


def test_secrets_are_never_echoed(s3_server, redis_server, monkeypatch, tmp_path, caplog):
    storage = Storage("s3", s3_server, monkeypatch)
    bucket = storage.bucket()
    path = new_project(tmp_path)
    secret, password = "s3-very-secret-value", "redis-very-secret-pw"
    set_config(path, source=storage.config(
        "source", bucket, regex=".*", aws_access_key_id="testing",
        aws_secret_access_key=secret),
        target={"name": "target", "type": "redis-completions", "path": "p",
                "params": {"host": "127.0.0.1", "port": str(redis_server.port), "db": 7,
                           "password": password}})
    caplog.set_level(logging.DEBUG)
    client, project = open_app(path)
    client.post("/api/tasks/0/completions", json={"result": []})
    project.sync_storages()  # the sync fails on the bad credentials: logged, warned
    answers = [client.get("/api/project"), client.get("/api/project/storage-settings"),
               client.post("/api/project/storage-settings?type=s3&storage_for=source",
                           json={"type": "s3", "path": "nope-bucket", "regex": ".*"})]
    shown = " ".join(a.get_data(as_text=True) for a in answers) + caplog.text
    assert secret not in shown and password not in shown
    assert "***" in answers[0].get_data(as_text=True)
    config = json.load(open(os.path.join(path, "config.json")))
    assert config["source"]["params"]["aws_secret_access_key"] == secret  # kept where put


@pytest.mark.parametrize("kind", ["s3", "gcs"])
def test_a_quick_sync_lists_only_keys_after_the_last_known(kind, tmp_path, monkeypatch, request):
    storage = Storage(kind, request.getfixturevalue(f"{kind}_server"), monkeypatch)
    bucket = storage.bucket()
    objects = put_media(storage, bucket, ["img-002.jpg", "img-004.jpg"])
    path = new_project(tmp_path)
    set_config(path, source=storage.config("source", bucket, regex=".*"))
    _, project = open_app(path)
    project.sync_storages()
    objects.write("img-005.jpg", b"new, after the last key")
    objects.write("img-001.jpg", b"new, before it")
    objects.delete("img-002.jpg")
    project.sync_storages(full=False)
    # the quick listing saw only the key after img-004: nothing vanished, img-001 not yet
    assert [project.stored_task(i)["data"] for i in project.task_ids()] == [
        {"$undefined$": f"{objects.uri('img-002.jpg')}"},
        {"$undefined$": f"{objects.uri('img-004.jpg')}"},
        {"$undefined$": f"{objects.uri('img-005.jpg')}"}]
    project.sync_storages(full=True)
    assert project.task_ids() == [1, 2, 3]  # img-002 gone; img-001 got the next id, 3
    assert project.stored_task(3)["data"] == {"$undefined$": objects.uri("img-001.jpg")}


def test_uris_inside_strings_are_presigned_and_other_buckets_left_alone(s3_server, monkeypatch,
                                                                        tmp_path):
    storage = Storage("s3", s3_server, monkeypatch)
    bucket = storage.bucket()
    put_media(storage, bucket, ["a.jpg", "b.jpg"])
    path = new_project(tmp_path, label_config="""<View><HyperText name="h" value="$html"/>
      <Choices name="c" toName="h"><Choice value="A"/></Choices></View>""")
    set_config(path, target=storage.config("target", bucket))
    client, project = open_app(path)
    html = (f'<p><img src="s3://{bucket}/a.jpg"> and <img src="s3://{bucket}/b.jpg"></p>'
            '<img src="s3://someone-elses-bucket/c.jpg">')
    client.post("/api/project/import", json=[{"html": html}])
    shown = client.get("/api/tasks/0").get_json()["data"]["html"]
    assert f"s3://{bucket}/" not in shown and "s3://someone-elses-bucket/c.jpg" in shown
    urls = [part.split('"')[0] for part in shown.split('src="')[1:3]]
    assert [requests.get(url, timeout=10).content for url in urls] == [b"bytes of a.jpg",
                                                                      b"bytes of b.jpg"]
    assert project.stored_task(0)["data"]["html"] == html  # stored data is never changed

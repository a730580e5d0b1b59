"""The storage options of init / start / start-multi-session (--source, --source-path,
--source-params and the --target ones), against the real S3 (moto) and Redis servers."""
import json
import os
import subprocess
import sys
import uuid

import pytest
import redis
import requests
from click.testing import CliRunner

from conftest import BBOX_CONFIG, LiveServer, folder_snapshot, make_project
from label_studio.cli import main
from label_studio.project import Project
from label_studio.project_init import InitOptions
from label_studio.server import create_multi_session_app
from label_studio.storage_options import parse_storage_option

SECRET = "s3cr3t-never-shown"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing-secret"}
STORAGE_OPTIONS = ["--source", "--source-path", "--source-params",
                   "--target", "--target-path", "--target-params"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def label_config(tmp_path):
    path = tmp_path / "config.xml"
    path.write_text(BBOX_CONFIG)
    return str(path)


def unique(name):
    return f"{name}-{uuid.uuid4().hex[:10]}"


def read_config(path):
    with open(os.path.join(path, "config.json")) as f:
        return json.load(f)


def init(runner, path, *options):
    result = runner.invoke(main, ["init", path, *options])
    assert result.exit_code == 0, result.output
    return result


# ---------------------------------------------------------------- storages under test


class S3:
    """A fresh bucket on the moto server: holds two images as the source, records as the
    target."""

    def __init__(self, server, monkeypatch):
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        self.bucket = unique("bucket")
        self.s3 = server.make_bucket(self.bucket)

    def source_options(self):
        for name in ("imgs/b.jpg", "imgs/a.jpg", "imgs/notes.txt"):
            self.s3.put_object(Bucket=self.bucket, Key=name, Body=b"image bytes")
        params = {"prefix": "imgs/", "regex": r".*\.jpg", "use_blob_urls": True,
                  "data_key": "image", **CREDENTIALS}
        return ["--source", "s3", "--source-path", self.bucket,
                "--source-params", json.dumps(params)]

    def expected_source(self):
        return {"name": "source", "type": "s3", "path": self.bucket,
                "params": {"prefix": "imgs/", "regex": r".*\.jpg", "use_blob_urls": True,
                           "data_key": "image", **CREDENTIALS}}

    def expected_tasks(self):
        return [f"s3://{self.bucket}/imgs/a.jpg", f"s3://{self.bucket}/imgs/b.jpg"]

    def target_options(self):
        return ["--target", "s3-completions", "--target-path", self.bucket,
                "--target-params", '{"prefix": "out", "create_local_copy": "true"}']

    def expected_target(self):
        return {"name": "target", "type": "s3-completions", "path": self.bucket,
                "params": {"prefix": "out", "create_local_copy": True}}

    def record(self, task_id):
        body = self.s3.get_object(Bucket=self.bucket, Key=f"out/{task_id}")["Body"].read()
        return json.loads(body)


def server_secret():
    return CREDENTIALS["aws_secret_access_key"]


class Bucket:
    """A fresh GCS bucket (gcp-storage-emulator) or Azure container (Azurite), written and read
    with our own client (tests/test_storage_clients.py checks it against the SDK)."""

    TYPES = {"gcs": ("gcs", "gs"), "azure": ("azure-blob", "azure-blob")}

    def __init__(self, kind, server, monkeypatch):
        from label_studio.storage.registry import open_client
        from test_storage_clients import make_bucket
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        self.type, self.scheme = self.TYPES[kind]
        self.bucket = unique("bucket")
        make_bucket(kind, server, self.bucket)
        self.client = open_client({"type": self.type, "path": self.bucket}, "source")

    def source_options(self):
        for name in ("imgs/b.jpg", "imgs/a.jpg", "imgs/notes.txt"):
            self.client.write(name, b"image bytes")
        return ["--source", self.type, "--source-path", self.bucket, "--source-params",
                json.dumps({"prefix": "imgs/", "regex": r".*\.jpg", "data_key": "image"})]

    def expected_source(self):
        return {"name": "source", "type": self.type, "path": self.bucket,
                "params": {"prefix": "imgs/", "regex": r".*\.jpg", "data_key": "image"}}

    def expected_tasks(self):
        return [f"{self.scheme}://{self.bucket}/imgs/a.jpg",
                f"{self.scheme}://{self.bucket}/imgs/b.jpg"]

    def target_options(self):
        return ["--target", f"{self.type}-completions", "--target-path", self.bucket,
                "--target-params", '{"prefix": "out"}']

    def expected_target(self):
        return {"name": "target", "type": f"{self.type}-completions", "path": self.bucket,
                "params": {"prefix": "out"}}

    def record(self, task_id):
        return json.loads(self.client.read(f"out/{task_id}"))


class Redis:
    """Tasks as JSON at `<prefix>/<id>` in db 7 (source), records in db 8 (target)."""

    def __init__(self, server):
        self.port = server.port
        self.prefix = unique("proj")

    def db(self, number):
        return redis.Redis(host="127.0.0.1", port=self.port, db=number)

    def params(self, db):
        return {"host": "127.0.0.1", "port": self.port, "db": db}

    def source_options(self):
        for task_id, name in ((0, "a.jpg"), (1, "b.jpg")):
            self.db(7).set(f"{self.prefix}/{task_id}",
                           json.dumps({"data": {"image": f"http://x/{name}"}}))
        return ["--source", "redis", "--source-path", self.prefix,
                "--source-params", json.dumps(self.params(7))]

    def expected_source(self):
        return {"name": "source", "type": "redis", "path": self.prefix,
                "params": {"host": "127.0.0.1", "port": str(self.port), "db": 7}}

    def expected_tasks(self):
        return ["http://x/a.jpg", "http://x/b.jpg"]

    def target_options(self):
        return ["--target", "redis-completions", "--target-path", self.prefix,
                "--target-params", json.dumps(self.params("8"))]

    def expected_target(self):
        return {"name": "target", "type": "redis-completions", "path": self.prefix,
                "params": {"host": "127.0.0.1", "port": str(self.port), "db": 8}}

    def record(self, task_id):
        return json.loads(self.db(8).get(f"{self.prefix}/{task_id}"))


def storage(kind, request, monkeypatch):
    if kind == "s3":
        return S3(request.getfixturevalue("s3_server"), monkeypatch)
    if kind in Bucket.TYPES:
        return Bucket(kind, request.getfixturevalue(f"{kind}_server"), monkeypatch)
    return Redis(request.getfixturevalue("redis_server"))


LOCAL_TASKS = ["http://x/local0.jpg", "http://x/local1.jpg"]


def local_tasks_options(tmp_path):
    tasks = tmp_path / "tasks-in.json"
    tasks.write_text(json.dumps([{"image": url} for url in LOCAL_TASKS]))
    return ["-i", str(tasks)]


# ---------------------------------------------------------------- init, every combination


@pytest.mark.parametrize("source_kind,target_kind", [
    ("s3", None), ("redis", None), (None, "s3"), (None, "redis"), ("s3", "redis"),
    ("redis", "s3"), ("s3", "s3"), ("redis", "redis"), ("gcs", "gcs"), ("azure", "azure"),
    ("gcs", "azure"), ("azure", "redis")])
def test_init_with_storages_serves_tasks_from_the_source_and_writes_the_target(
        runner, tmp_path, label_config, request, monkeypatch, source_kind, target_kind):
    source = storage(source_kind, request, monkeypatch) if source_kind else None
    target = storage(target_kind, request, monkeypatch) if target_kind else None
    options = source.source_options() if source else local_tasks_options(tmp_path)
    if target:
        options += target.target_options()
    path = str(tmp_path / "p")
    result = init(runner, path, "-l", label_config, *options)
    assert SECRET not in result.output and server_secret() not in result.output

    config = read_config(path)
    assert config["source"] == (source.expected_source() if source else
                                {"name": "Tasks", "type": "tasks-json", "path": "tasks.json"})
    assert config["target"] == (target.expected_target() if target else
                                {"name": "Completions", "type": "completions-dir",
                                 "path": "completions"})

    project = Project(path)
    project.sync_storages()
    assert project.task_ids() == [0, 1]
    images = [project.stored_task(i)["data"]["image"] for i in (0, 1)]
    assert images == (source.expected_tasks() if source else LOCAL_TASKS)

    project.add_completion(1, {"result": []})
    assert os.path.exists(os.path.join(path, "completions", "1.json"))  # always a local copy
    project.sync_storages()
    if target:
        record = target.record(1)
        assert record["id"] == 1 and len(record["completions"]) == 1


def test_a_local_type_given_explicitly_is_the_default_local_storage(runner, tmp_path):
    path = str(tmp_path / "p")
    init(runner, path, "--source", "tasks-json", "--target", "completions-dir",
         "--source-params", "{}")
    config = read_config(path)
    assert config["source"] == {"name": "Tasks", "type": "tasks-json", "path": "tasks.json"}
    assert config["target"] == {"name": "Completions", "type": "completions-dir",
                                "path": "completions"}


def test_redis_source_without_a_path_and_numbers_given_as_text(runner, tmp_path, redis_server):
    path = str(tmp_path / "p")
    init(runner, path, "--source", "redis", "--source-params",
         json.dumps({"port": redis_server.port, "db": "9", "password": ""}))
    assert read_config(path)["source"] == {
        "name": "source", "type": "redis", "path": None,
        "params": {"port": str(redis_server.port), "db": 9, "password": ""}}


# ---------------------------------------------------------------- refusals


def no_secret_params(**extra):
    return json.dumps({"aws_secret_access_key": SECRET, "password": SECRET, **extra})


BAD_OPTIONS = [
    (["--source", "s3", "--source-path", "b", "--source-params", "{not json"],
     "--source-params", "not valid JSON"),
    (["--source", "s3", "--source-path", "b", "--source-params", '{"regex": ".*",}'],
     "--source-params", "not valid JSON"),
    (["--source", "s3", "--source-path", "b", "--source-params", '["a", "list"]'],
     "--source-params", "an array"),
    (["--source", "s3", "--source-path", "b", "--source-params", '"text"'],
     "--source-params", "a string"),
    (["--target", "s3-completions", "--target-path", "b", "--target-params", "42"],
     "--target-params", "a number"),
    (["--target", "redis-completions", "--target-params", "null"], "--target-params", "null"),
    (["--source", "s3", "--source-params", no_secret_params(regex=".*")],
     "--source-path", "needs --source-path"),
    (["--source", "azure-blob", "--source-path", "  "], "--source-path", "needs --source-path"),
    (["--target", "gcs-completions"], "--target-path", "needs --target-path"),
    (["--source", "dropbox"], "--source", "dropbox"),
    (["--source", "s3-completions", "--source-path", "b"], "--source", "s3-completions"),
    (["--target", "s3", "--target-path", "b"], "--target", "'s3' is not one of"),
    (["--source-path", "b"], "--source-path", "needs --source"),
    (["--target-params", "{}"], "--target-params", "needs --target"),
    (["--source", "tasks-json", "--source-path", "elsewhere.json"], "--source-path", "no use"),
    (["--target", "completions-dir", "--target-params", '{"prefix": "x"}'],
     "--target-params", "no use"),
    (["--source", "s3", "--source-path", "b", "--source-params", no_secret_params(regex="([")],
     "--source-params", '"regex": ([ is not a valid regular expression'),
    (["--source", "gcs", "--source-path", "b", "--source-params",
      no_secret_params(use_blob_urls="maybe")], "--source-params", '"use_blob_urls"'),
    (["--source", "redis", "--source-params", no_secret_params(db=0)],
     "--source-params", "database 0"),
    (["--target", "redis-completions", "--target-params", no_secret_params(port="63x")],
     "--target-params", "port"),
    (["--source", "redis", "--source-params", no_secret_params(db="two")],
     "--source-params", '"db": Not a valid integer value.'),
]


@pytest.mark.parametrize("options,option,message", BAD_OPTIONS)
def test_bad_storage_options_are_clean_errors_and_nothing_is_written(
        runner, tmp_path, options, option, message):
    path = str(tmp_path / "p")
    result = runner.invoke(main, ["init", path, *options])
    assert result.exit_code == 2, result.output
    assert option in result.output and message in result.output
    assert "Traceback" not in result.output and SECRET not in result.output
    assert not os.path.exists(path)


@pytest.mark.parametrize("options,option,message", BAD_OPTIONS[::3])
def test_bad_storage_options_leave_an_existing_project_alone(runner, project_dir, options,
                                                             option, message):
    before = folder_snapshot(project_dir)
    for command in (["start", project_dir], ["start", project_dir, "--init"],
                    ["init", project_dir, "--force"]):
        result = runner.invoke(main, [*command, *options])
        assert result.exit_code == 2 and option in result.output, result.output
    assert folder_snapshot(project_dir) == before


def test_start_never_rewrites_a_config_json_it_cannot_read(runner, project_dir, redis_server):
    with open(os.path.join(project_dir, "config.json"), "a") as f:
        f.write("{ a hand edit gone wrong")
    before = folder_snapshot(project_dir)
    result = runner.invoke(main, ["start", project_dir, "--target", "redis-completions",
                                  "--target-params", json.dumps({"port": redis_server.port})])
    assert result.exit_code == 1
    assert "config.json could not be read" in result.output and "--target" in result.output
    assert folder_snapshot(project_dir) == before


def test_start_multi_session_checks_the_options_before_serving(runner, tmp_path):
    root = tmp_path / "root"
    result = runner.invoke(main, ["start-multi-session", "--root-dir", str(root),
                                  "--source", "s3", "--source-params", "{}"])
    assert result.exit_code == 2 and "--source-path" in result.output
    assert not root.exists()


def test_input_path_with_a_remote_source_is_refused(runner, tmp_path, label_config):
    path = str(tmp_path / "p")
    result = runner.invoke(main, ["init", path, "-l", label_config, *local_tasks_options(tmp_path),
                                  "--source", "s3", "--source-path", "b"])
    assert result.exit_code == 1
    assert "--input-path" in result.output and "--source s3" in result.output
    assert not os.path.exists(path)


@pytest.mark.parametrize("module,options,extra", [
    ("boto3", ["--source", "s3", "--source-path", "b"], "s3"),
    ("redis", ["--target", "redis-completions"], "redis"),
])
def test_a_missing_sdk_names_the_pip_extra(tmp_path, module, options, extra):
    # the SDK made unimportable in a fresh interpreter, as when it is not installed
    script = (f"import sys; sys.modules[{module!r}] = None\n"
              "from label_studio.cli import main\nmain()")
    path = str(tmp_path / "p")
    result = subprocess.run([sys.executable, "-c", script, "init", path, *options],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"pip install 'label-studio-legacy[{extra}]'" in result.stderr
    assert options[0] in result.stderr and "Traceback" not in result.stderr
    assert not os.path.exists(path)


# ---------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["init", "start", "start-multi-session"])
def test_help_lists_the_storage_options(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    for option in STORAGE_OPTIONS:
        assert option in result.output, option
    for name in ("tasks-json", "s3", "gcs", "azure-blob", "redis", "completions-dir",
                 "s3-completions", "redis-completions"):
        assert name in result.output


# ---------------------------------------------------------------- start


def test_start_on_an_existing_project_switches_its_storages(project_dir, s3_server, monkeypatch):
    bucket = S3(s3_server, monkeypatch)
    source = bucket.source_options()
    before = read_config(project_dir)
    server = LiveServer(project_dir, *source, *bucket.target_options()).start()
    try:
        server.process.terminate()
        output = server.process.communicate(timeout=10)[0].decode()
    finally:
        server.stop()
    assert server_secret() not in output
    assert f"the source storage is now s3 ({bucket.bucket})" in output
    config = read_config(project_dir)
    assert config["source"] == bucket.expected_source()
    assert config["target"] == bucket.expected_target()
    assert {k: v for k, v in config.items() if k not in ("source", "target")} == \
        {k: v for k, v in before.items() if k not in ("source", "target")}
    project = Project(project_dir)
    project.sync_storages()
    assert [project.stored_task(i)["data"]["image"] for i in project.task_ids()] == \
        bucket.expected_tasks()


def test_start_init_writes_the_storages_of_a_new_project(tmp_path, redis_server):
    store = Redis(redis_server)
    path = str(tmp_path / "new")
    server = LiveServer(path, "--init", "--template", "image_bbox",
                        *store.source_options()).start()
    try:
        summary = requests.get(server.url + "/api/project", timeout=10).json()
    finally:
        server.stop()
    assert read_config(path)["source"] == store.expected_source()
    assert summary["source_storage"]["readable_path"].endswith(store.prefix)


def test_multi_session_projects_get_the_storages(tmp_path, s3_server, monkeypatch,
                                                 label_config):
    bucket = S3(s3_server, monkeypatch)
    options = bucket.source_options()
    source = parse_storage_option("source", options[1], options[3], options[5])
    root = str(tmp_path / "root")
    app = create_multi_session_app(root, InitOptions(label_config=label_config, source=source))
    name = app.test_client().get("/api/project").json["project_name"]
    assert read_config(os.path.join(root, name))["source"] == bucket.expected_source()


def test_init_options_can_be_built_without_the_cli(tmp_path, s3_server, monkeypatch):
    bucket = S3(s3_server, monkeypatch)
    target = parse_storage_option("target", "s3-completions", bucket.bucket, None)
    path = make_project(str(tmp_path / "p"), target=target)
    assert read_config(path)["target"] == {"name": "target", "type": "s3-completions",
                                           "path": bucket.bucket, "params": {}}

"""Schemathesis against a live `label-studio start`: the server keeps to label_studio/openapi.yaml.

Each operation of the description gets a few derandomized examples (its documented examples,
the coverage phase's boundary values and LS_FUZZ_EXAMPLES generated ones) sent to a server on a
seeded project (tasks, completions, predictions, an upload and a connected ML backend stub), and
every answer is checked: no 500, a documented status code, a documented content type, a body
matching the documented schema. The project is topped up again before each operation, so a
DELETE of every task does not leave the next operations nothing to work on.

More examples or another seed: LS_FUZZ_EXAMPLES=200 LS_FUZZ_SEED=7 pytest tests/test_openapi_fuzz.py
"""
import collections
import os
import subprocess
import sys
import time

import hypothesis
import pytest
import requests

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (content_type_conformance,  # noqa: E402
                                                response_schema_conformance,
                                                status_code_conformance)

from conftest import LiveServer, MLBackendStub, make_project  # noqa: E402
from label_studio.api.openapi import DESCRIPTION  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = int(os.environ.get("LS_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("LS_FUZZ_SEED", "20240531"))

# Only these four are asked for. Not run, on purpose:
# - negative_data_rejection / positive_data_acceptance: the server is lenient like legacy (an
#   unknown query parameter or an extra body key is ignored, a skipped field takes its default),
#   so "rejected what the schema forbids" and "accepted what it allows" are not its contract;
#   the status codes it does answer are still checked by status_code_conformance.
# - response_headers_conformance: headers are documented for readers (Content-Disposition,
#   X-Export-Warnings) without being a contract on every answer.
# - use_after_free / ensure_resource_availability: need OpenAPI links between operations,
#   which the description does not declare.
# - unsupported_method: the JSON 405 (with Allow) for a method a path lacks is a rule of every
#   route, tested in tests/test_bad_input.py; the coverage phase still sends such methods.
# - ignored_auth: the server runs open here; tests/test_auth.py covers Basic and Token.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none",
                   "mode": "all"},
    # stateful testing needs OpenAPI links, which the description does not declare
    "phases": {"stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_path(DESCRIPTION, config=CONFIG)

# the config of the description's examples, so that they succeed
NER_CONFIG = """<View>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Text name="text" value="$text"/>
</View>
"""
SEED_TASKS = [
    {"text": "Anna works at Acme"},
    {"data": {"text": "Bob"}, "predictions": [{"result": [], "score": 0.3}]},
    {"text": "Carl and Dora"},
    {"data": {"text": "Eve"}, "meta": {"from": "fuzz seed"}},
]
COMPLETION = {"lead_time": 1.5, "result": [
    {"from_name": "label", "to_name": "text", "type": "labels",
     "value": {"start": 0, "end": 4, "labels": ["PER"]}}]}
SLOW_STORAGES = ("gcs", "azure-blob")
SENT = collections.Counter()  # operation -> examples sent, for the summary line
SKIPPED = 0
ANSWERS = collections.Counter()  # (operation, status) -> answers, printed with LS_FUZZ_VERBOSE=1


class Fuzzed:
    """The live server, its project and the ML backend stub it is connected to."""

    def __init__(self, server, stub):
        self.server = server
        self.stub = stub
        self.url = server.url

    def call(self, method, path, **kwargs):
        return requests.request(method, self.url + path, timeout=30, **kwargs)

    def top_up(self):
        """Tasks with completions, the label config, local storages and the backend, as
        seeded; whatever the previous operation deleted or changed comes back."""
        summary = self.call("GET", "/api/project").json()
        config = summary["config"]
        for role, local in (("source", "tasks-json"), ("target", "completions-dir")):
            if config.get(role, {}).get("type") != local:
                self.call("POST", f"/api/project/storage-settings?type={local}"
                          f"&storage_for={role}", json={})
        if "<Labels" not in summary["label_config_line"]:
            self.call("POST", "/api/project/config", json={"label_config": NER_CONFIG})
        if summary["task_count"] < 3:
            self.call("POST", "/api/project/import", json=SEED_TASKS).raise_for_status()
        if len(self.call("GET", "/api/completions").json()["ids"]) < 2:
            ids = [t["id"] for t in self.call("GET", "/api/tasks?fields=id&page_size=2").json()]
            for task_id in ids:
                self.call("POST", f"/api/tasks/{task_id}/completions", json=COMPLETION)
        if "fuzzstub" not in self.call("GET", "/api/models").json()["models"]:
            self.call("PATCH", "/api/project",
                      json={"ml_backend": f"fuzzstub={self.stub.url}"}).raise_for_status()
        completed = self.call("GET", "/api/completions").json()["ids"][0]
        self.task_id = completed
        self.completion_id = self.call("GET", f"/api/tasks/{completed}").json()[
            "completions"][0]["id"]

    def aim(self, case):
        """The description's examples name task 0 and completion 1; ids are never reused,
        so after the first DELETE those stand for a task and completion that exist now."""
        params = case.path_parameters or {}
        if params.get("task_id") == 0:
            params["task_id"] = self.task_id
        if params.get("completion_id") == 1:
            params["completion_id"] = self.completion_id


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    closed = "http://127.0.0.1:9"
    env = {
        # every connection of the server stays on this machine (tests/netguard/sitecustomize.py)
        "PYTHONPATH": os.pathsep.join(filter(None, [os.path.join(HERE, "netguard"),
                                                    os.environ.get("PYTHONPATH")])),
        # the cloud SDKs talk to a closed port of this machine, as in conftest.no_real_clouds
        "S3_ENDPOINT": closed, "AWS_ACCESS_KEY_ID": "none", "AWS_SECRET_ACCESS_KEY": "none",
        "AWS_MAX_ATTEMPTS": "1", "STORAGE_EMULATOR_HOST": closed,
        "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=http;AccountName=none;"
        f"AccountKey=bm9uZQ==;BlobEndpoint={closed}/none;",
    }
    project = make_project(str(tmp_path_factory.mktemp("fuzz") / "proj"), label_config=NER_CONFIG)
    stub = MLBackendStub()
    server = LiveServer(project)
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            server.start()  # the server's process inherits them
        target = Fuzzed(server, stub)
        target.top_up()
        upload = target.call("POST", "/api/project/import",
                             files={"FileUpload": ("notes.txt", b"one line\nanother line\n")})
        upload.raise_for_status()
        started = time.monotonic()
        yield target
        print(f"\nschemathesis: {sum(SENT.values())} requests to {len(SENT)} operations in "
              f"{time.monotonic() - started:.1f} s ({SKIPPED} slow storage checks skipped)")
        if os.environ.get("LS_FUZZ_VERBOSE"):
            for (label, status), count in sorted(ANSWERS.items()):
                print(f"{label:60} {status} x{count}")
    finally:
        server.stop()
        stub.stop()


@pytest.fixture
def seeded(fuzzed):
    fuzzed.top_up()
    return fuzzed


def _too_slow(case):
    """GCS and Azure take seconds to give up on the closed port each storage check is sent
    to (their SDKs retry); tests/test_storage_settings.py covers them against emulators."""
    if case.path != "/api/project/storage-settings" or case.method != "POST":
        return False
    named = [(case.query or {}).get("type")]
    if isinstance(case.body, dict):
        named.append(case.body.get("type"))
    return any(isinstance(t, str) and t.startswith(SLOW_STORAGES) for t in named)


@schema.parametrize()
# `seeded` tops the project up once per operation, not per example, on purpose
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_the_server_keeps_to_its_description(case, seeded):
    global SKIPPED
    if _too_slow(case):
        SKIPPED += 1
        return
    SENT[case.operation.label] += 1
    seeded.aim(case)
    response = case.call_and_validate(base_url=seeded.url, checks=CHECKS)
    ANSWERS[case.operation.label, response.status_code] += 1


def test_the_fuzzed_server_runs_behind_the_network_guard(fuzzed):
    """Checked without a single packet: the server's environment names the guard, and a
    Python started with it has socket's look-up and connect replaced."""
    guard = os.path.join(HERE, "netguard")
    with open(f"/proc/{fuzzed.server.process.pid}/environ", "rb") as f:
        environ = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    assert environ[b"PYTHONPATH"].decode().split(os.pathsep)[0] == guard
    probe = ("import socket, sitecustomize as g; print(socket.getaddrinfo is "
             "g._guarded_getaddrinfo, g._is_local('127.0.0.5'), g._is_local('::1'), "
             "g._is_local('10.0.0.1'), g._is_local('example.com'))")
    out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": guard},
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.split() == ["True", "True", "True", "False", "False"], out.stderr

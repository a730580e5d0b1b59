"""No bad input reaches a 500: every route answers a 4xx JSON error and changes nothing."""
import pytest

from conftest import folder_snapshot

# not a JSON object: wrong for every route that reads a body
BAD_BODIES = [
    b"{oops",
    b"[" * 5000 + b"]" * 5000,
    b'{"result": [' * 3000,
    b"\xff\xfe\x00garbage",
    b'"just a string"',
    b"12345678901234567890123456789012345678901234567890",
    b"null",
]
# objects that some routes accept and others refuse
ODD_BODIES = [
    b'{"result": "not a list", "lead_time": "x"}',
    b'{"data": 5}',
    b'{"ml_backend": 5}',
    b'{"label_config": 5}',
    b"[1, 2, 3]",
    b'{"label_config": "<!DOCTYPE x [<!ENTITY a \\"b\\">]><View>&a;</View>"}',
]
ROUTES = [
    ("patch", "/api/project"), ("post", "/api/project/config"),
    ("post", "/api/project/import"), ("post", "/api/tasks/0"), ("patch", "/api/tasks/0"),
    ("post", "/api/tasks/0/completions"), ("patch", "/api/tasks/0/completions/1"),
    ("post", "/api/validate-config"),
    ("post", "/api/tasks/x/completions"), ("patch", "/api/tasks/0/completions/x"),
    ("delete", "/api/models"), ("post", "/api/models/predictions"),
    ("post", "/api/models/predictions?mode=specific_tasks"),
]


@pytest.fixture
def seeded(client):
    client.post("/api/project/import", json=[{"image": "a"}])
    client.post("/api/tasks/0/completions", json={"result": []})
    return client


@pytest.mark.parametrize("method,path", ROUTES)
def test_bad_bodies_never_500_and_change_nothing(seeded, project_dir, method, path):
    before = folder_snapshot(project_dir)
    for body in BAD_BODIES:
        for content_type in ("application/json", "application/x-www-form-urlencoded"):
            r = getattr(seeded, method)(path, data=body, content_type=content_type)
            assert 400 <= r.status_code < 500, (path, body[:40], r.status_code, r.data[:200])
            assert r.is_json or r.mimetype == "text/plain"
            assert b"Traceback" not in r.data
    assert folder_snapshot(project_dir) == before


@pytest.mark.parametrize("method,path", ROUTES)
def test_odd_bodies_never_500_and_a_refusal_changes_nothing(seeded, project_dir, method, path):
    for body in ODD_BODIES:
        before = folder_snapshot(project_dir)
        r = getattr(seeded, method)(path, data=body, content_type="application/json")
        assert r.status_code < 500, (path, body, r.data[:200])
        if r.status_code >= 400:
            assert folder_snapshot(project_dir) == before, (path, body)


@pytest.mark.parametrize("path", ["/api/project", "/api/import-example"])
def test_routes_that_ignore_the_body_still_never_500(seeded, path):
    for body in BAD_BODIES + ODD_BODIES:
        assert seeded.post(path, data=body, content_type="application/json").status_code < 500


@pytest.mark.parametrize("path", [
    "/api/tasks/99999999999999999999999999", "/api/tasks/-1", "/api/tasks/%00",
    "/api/tasks?page=99999999999999999999", "/api/tasks?page_size=-5",
    "/api/tasks?order=", "/api/tasks?fields=,,,", "/api/tasks/0/completions/null",
    "/api/import-example-file?q=", "/samples/time-series.csv?values=,&time=",
    "/samples/time-series.csv?tf=%25Q", "/api/tasks/0?pretty=1",
])
def test_odd_queries_never_500(seeded, path):
    r = seeded.get(path)
    assert r.status_code < 500, (path, r.data[:200])


def test_wrong_methods_and_unknown_routes_are_json(seeded):
    for method, path, status in (("put", "/api/tasks", 405), ("delete", "/api/project", 405),
                                 ("get", "/api/project/config", 405), ("get", "/api/nope", 404),
                                 ("post", "/api/project/next", 405)):
        r = getattr(seeded, method)(path)
        assert r.status_code == status, path
        assert r.get_json()["status"] == status


def test_oversized_body_is_413(seeded, project_dir):
    seeded.application.config["MAX_CONTENT_LENGTH"] = 1000
    before = folder_snapshot(project_dir)
    r = seeded.post("/api/project/import", data=b"[" + b'{"image": "a"},' * 200 + b"{}]",
                    content_type="application/json")
    assert r.status_code == 413
    assert r.get_json()["status"] == 413
    assert folder_snapshot(project_dir) == before


def test_a_full_disk_is_a_507_and_the_project_stays_consistent(seeded, project_dir, monkeypatch):
    import errno
    import os as os_module

    real_write = os_module.write

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    before = folder_snapshot(project_dir)
    monkeypatch.setattr(os_module, "write", full_disk)
    r = seeded.post("/api/tasks/0/completions", json={"result": [], "lead_time": 1})
    monkeypatch.setattr(os_module, "write", real_write)
    assert r.status_code == 507
    assert "disk is full" in r.get_json()["detail"]
    after = folder_snapshot(project_dir)
    # only our hidden write counters may move (a failed write still tells other processes)
    assert {k: v for k, v in after.items() if k != ".ls-state.json"} == {
        k: v for k, v in before.items() if k != ".ls-state.json"}
    assert len(seeded.get("/api/tasks/0").get_json()["completions"]) == 1
    assert seeded.post("/api/tasks/0/completions", json={"result": []}).status_code == 201

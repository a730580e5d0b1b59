"""/api/project/storage-settings: the storage forms, switching to a local storage, and the
cloud/Redis types that are listed and validated but refused without touching the disk."""
import json
import os

import pytest

from conftest import folder_snapshot, set_config

URL = "/api/project/storage-settings"
SOURCE_TYPES = ["tasks-json", "s3", "gcs", "azure-blob", "redis"]
TARGET_TYPES = ["completions-dir", "s3-completions", "gcs-completions",
                "azure-blob-completions", "redis-completions"]
FIELD_KEYS = {"name", "id", "short_name", "type", "data", "default", "description",
              "raw_data", "object_data", "render_kw", "do_not_call_in_templates"}
CLOUD_SOURCE_FIELDS = ["path", "prefix", "regex", "data_key", "use_blob_urls"]
VALID_FORMS = {
    "s3": {"path": "bucket", "prefix": "images", "regex": ".*\\.jpg", "use_blob_urls": True,
           "data_key": "image", "region": "eu-west-1"},
    "gcs": {"path": "bucket", "regex": ".*"},
    "azure-blob": {"path": "container", "regex": ".*", "use_blob_urls": False},
    "redis": {"host": "localhost", "port": "6379", "db": 3},
    "s3-completions": {"path": "bucket", "create_local_copy": False},
    "gcs-completions": {"path": "bucket"},
    "azure-blob-completions": {"path": "container", "prefix": "out"},
    "redis-completions": {"db": "4"},
}


def role_of(storage_type):
    return "source" if storage_type in SOURCE_TYPES else "target"


def post(client, storage_type, body, storage_for=None):
    query = f"?type={storage_type}&storage_for={storage_for or role_of(storage_type)}"
    return client.post(URL + query, json=body)


def read_config(project_dir):
    with open(os.path.join(project_dir, "config.json")) as f:
        return json.load(f)


def fields_by_name(description):
    return {f["name"]: f for f in description["fields"]}


# ------------------------------------------------------------------ GET


def test_get_lists_every_type_of_each_role(client):
    body = client.get(URL).get_json()
    assert list(body) == ["source", "target"]
    assert sorted(body["source"]) == sorted(SOURCE_TYPES)
    assert sorted(body["target"]) == sorted(TARGET_TYPES)
    for role in ("source", "target"):
        for name, description in body[role].items():
            assert set(description) == {"type", "current", "description", "path", "fields"}
            assert description["type"] == name


def test_get_marks_the_default_local_storages_current(client):
    body = client.get(URL).get_json()
    assert [n for n, d in body["source"].items() if d["current"]] == ["tasks-json"]
    assert [n for n, d in body["target"].items() if d["current"]] == ["completions-dir"]
    assert body["source"]["tasks-json"]["fields"] == []
    assert body["target"]["completions-dir"]["fields"] == []
    assert body["source"]["tasks-json"]["description"] == \
        'Local [loading tasks from "tasks.json" file]'
    assert body["target"]["redis-completions"]["description"] == "Redis Completions Storage"


def test_get_repeats_the_current_readable_path_for_every_type(client):
    summary = client.get("/api/project").get_json()
    body = client.get(URL).get_json()
    for role in ("source", "target"):
        expected = summary[f"{role}_storage"]["readable_path"]
        assert {d["path"] for d in body[role].values()} == {expected}
    assert body["source"]["s3"]["path"].endswith("tasks.json")


def test_get_serializes_the_form_fields(client):
    body = client.get(URL).get_json()
    s3 = body["source"]["s3"]
    assert [f["name"] for f in s3["fields"]] == CLOUD_SOURCE_FIELDS + ["region"]
    assert [f["name"] for f in body["source"]["gcs"]["fields"]] == CLOUD_SOURCE_FIELDS
    for field in s3["fields"]:
        assert set(field) == FIELD_KEYS
        assert field["id"] == field["short_name"] == field["name"]
        assert field["do_not_call_in_templates"] is True
    fields = fields_by_name(s3)
    assert fields["path"]["type"] == "StringField"
    assert fields["path"]["data"] is None
    assert fields["path"]["description"] == "Storage path (e.g. bucket name)"
    assert fields["use_blob_urls"]["type"] == "BooleanField"
    assert fields["use_blob_urls"]["data"] is True and fields["use_blob_urls"]["default"] is True
    assert fields["region"]["data"] == fields["region"]["default"] == "us-east-1"
    assert "all files will be skipped" in fields["regex"]["description"]


def test_get_target_and_redis_forms(client):
    body = client.get(URL).get_json()
    for name in ("s3-completions", "gcs-completions", "azure-blob-completions"):
        fields = fields_by_name(body["target"][name])
        assert list(fields) == ["path", "prefix", "create_local_copy"]
        assert fields["create_local_copy"]["data"] is True
        assert fields["create_local_copy"]["description"] == "Create a local copy on your disk"
    for role, name, db in (("source", "redis", 1), ("target", "redis-completions", 2)):
        fields = fields_by_name(body[role][name])
        assert list(fields) == ["path", "host", "port", "password", "db"]
        assert fields["db"]["type"] == "IntegerField"
        assert fields["db"]["data"] == fields["db"]["default"] == db


def test_empty_data_key_is_filled_with_the_first_data_key(client):
    body = client.get(URL).get_json()
    for name in ("s3", "gcs", "azure-blob"):
        data_key = fields_by_name(body["source"][name])["data_key"]
        assert data_key["data"] == "image"
        assert data_key["default"] is None


def test_current_cloud_storage_shows_its_params_and_masks_secrets(client, project_dir):
    set_config(project_dir, target={
        "name": "target", "type": "s3-completions", "path": "my-bucket",
        "params": {"prefix": "done", "create_local_copy": False,
                   "aws_secret_access_key": "TOPSECRET1", "aws_session_token": "TOPSECRET2"}})
    answer = client.get(URL)
    assert answer.status_code == 200
    assert b"TOPSECRET" not in answer.data
    target = answer.get_json()["target"]
    assert [n for n, d in target.items() if d["current"]] == ["s3-completions"]
    fields = fields_by_name(target["s3-completions"])
    assert fields["path"]["data"] == "my-bucket"
    assert fields["prefix"]["data"] == "done"
    assert fields["create_local_copy"]["data"] is False
    # other types of the role show their defaults
    assert fields_by_name(target["gcs-completions"])["create_local_copy"]["data"] is True


def test_redis_password_is_masked(client, project_dir):
    set_config(project_dir, source={"name": "source", "type": "redis", "path": "p",
                                    "params": {"password": "hunter2", "db": 5}})
    answer = client.get(URL)
    assert b"hunter2" not in answer.data
    fields = fields_by_name(answer.get_json()["source"]["redis"])
    assert fields["password"]["data"] == "***"
    assert fields["password"]["object_data"] == "***"
    assert fields["db"]["data"] == 5


def test_stored_data_key_is_kept(client, project_dir):
    set_config(project_dir, source={"name": "source", "type": "s3", "path": "b",
                                    "params": {"data_key": "audio", "regex": ".*"}})
    source = client.get(URL).get_json()["source"]
    assert fields_by_name(source["s3"])["data_key"]["data"] == "audio"
    assert fields_by_name(source["s3"])["regex"]["data"] == ".*"
    assert fields_by_name(source["gcs"])["data_key"]["data"] == "image"


@pytest.mark.parametrize("source,target", [
    ("junk", ["x"]),
    ({"type": "s3", "params": ["not", "a", "dict"]}, {"type": 5}),
    ({"type": "gcs", "path": 7, "params": None}, {}),
])
def test_hand_edited_odd_storages_do_not_break_get(client, project_dir, source, target):
    set_config(project_dir, source=source, target=target)
    answer = client.get(URL)
    assert answer.status_code == 200
    assert set(answer.get_json()["source"]) == set(SOURCE_TYPES)


def test_trailing_slash(client):
    assert client.get(URL + "/").status_code == 200


# ------------------------------------------------------------------ POST: local switch


@pytest.mark.parametrize("role,storage_type", [("source", "tasks-json"),
                                               ("target", "completions-dir")])
def test_switching_back_to_a_local_storage(client, project_dir, role, storage_type):
    set_config(project_dir, **{role: {"name": role, "type": "s3" if role == "source"
                                      else "s3-completions", "path": "b", "params": {}}})
    before = read_config(project_dir)
    answer = post(client, storage_type, {"type": storage_type})
    assert answer.status_code == 201
    assert answer.get_json() == {"result": "ok"}
    after = read_config(project_dir)
    assert after[role] == {"name": role, "type": storage_type, "path": None, "params": {}}
    assert {k: v for k, v in after.items() if k != role} == \
        {k: v for k, v in before.items() if k != role}
    with open(os.path.join(project_dir, "config.json")) as f:
        assert f'\n  "{role}": {{' in f.read()  # indent 2
    current = client.get(URL).get_json()[role]
    assert [n for n, d in current.items() if d["current"]] == [storage_type]


def test_form_fields_sent_for_a_local_type_are_not_stored(client, project_dir):
    answer = post(client, "tasks-json", {"type": "tasks-json", "path": "/etc", "regex": "(["})
    assert answer.status_code == 201
    assert read_config(project_dir)["source"] == {"name": "source", "type": "tasks-json",
                                                  "path": None, "params": {}}


@pytest.mark.parametrize("body", [{}, {"type": None}, {"path": "x"}])
def test_body_without_type_uses_the_query_type(client, project_dir, body):
    assert post(client, "completions-dir", body).status_code == 201
    assert read_config(project_dir)["target"]["type"] == "completions-dir"


def test_empty_body_uses_the_query_type(client, project_dir):
    answer = client.post(URL + "?type=tasks-json&storage_for=source")
    assert answer.status_code == 201
    assert read_config(project_dir)["source"]["name"] == "source"


def test_project_keeps_working_after_a_switch(client):
    client.post("/api/project/import", json=[{"image": "a.jpg"}])
    assert post(client, "tasks-json", {"type": "tasks-json"}).status_code == 201
    assert post(client, "completions-dir", {"type": "completions-dir"}).status_code == 201
    assert client.get("/api/project").get_json()["task_count"] == 1
    assert client.post("/api/tasks/0/completions", json={"result": []}).status_code == 201


# ------------------------------------------------------------------ POST: refusals


def assert_refused(client, project_dir, query, body, expected):
    before = folder_snapshot(project_dir)
    if isinstance(body, bytes):
        answer = client.post(URL + query, data=body, content_type="application/json")
    else:
        answer = client.post(URL + query, json=body)
    assert answer.status_code == 400, answer.data
    assert answer.is_json
    for key, value in expected.items():
        assert answer.get_json()[key] == value
    assert folder_snapshot(project_dir) == before
    return answer.get_json()


@pytest.mark.parametrize("query,body,expected", [
    # the form rows of the spec table
    ("?type=s3&storage_for=source", {"type": "s3", "regex": ".*"},
     {"errors": {"path": ["This field is required."]}}),
    ("?type=s3&storage_for=source", {"type": "s3", "path": "", "regex": ".*"},
     {"errors": {"path": ["This field is required."]}}),
    ("?type=s3&storage_for=source", {"type": "s3", "path": "b", "regex": "(["},
     {"errors": {"regex": ["([ is not a valid regular expression"]}}),
    ("?type=gcs&storage_for=source", {"type": "gcs", "path": "b"},
     {"errors": {"regex": ["This field is required."]}}),
    ("?type=azure-blob&storage_for=source", {"type": "azure-blob", "path": "b", "regex": None},
     {"errors": {"regex": ["This field is required."]}}),
    ("?type=s3&storage_for=source", {"type": "s3"},
     {"errors": {"path": ["This field is required."], "regex": ["This field is required."]}}),
    ("?type=s3-completions&storage_for=target", {"type": "s3-completions"},
     {"errors": {"path": ["This field is required."]}}),
    ("?type=s3&storage_for=source", {"path": "b", "regex": ".*", "use_blob_urls": "maybe"},
     {"errors": {"use_blob_urls": ["Not a valid boolean value."]}}),
    ("?type=s3&storage_for=source", {"path": ["b"], "regex": ".*"},
     {"errors": {"path": ["Not a valid string value."]}}),
    ("?type=redis&storage_for=source", {"type": "redis", "db": "one"},
     {"errors": {"db": ["Not a valid integer value."]}}),
    ("?type=redis-completions&storage_for=target", {"db": 1.5},
     {"errors": {"db": ["Not a valid integer value."]}}),
    # type rows
    ("?type=dropbox&storage_for=source", {"type": "dropbox"},
     {"errors": {"type": ["Unknown storage type"]}}),
    ("?storage_for=source", {"type": "dropbox"}, {"errors": {"type": ["Unknown storage type"]}}),
    ("?storage_for=source", {"type": 5}, {"errors": {"type": ["Unknown storage type"]}}),
    ("?type=json&storage_for=source", {}, {"errors": {"type": ["Unknown storage type"]}}),
    ("?type=dir-jsons&storage_for=source", {}, {"errors": {"type": ["Unknown storage type"]}}),
    ("?storage_for=source", {}, {"errors": {"type": ["This field is required."]}}),
])
def test_invalid_forms_are_400_errors_and_change_nothing(client, project_dir, query, body,
                                                         expected):
    assert_refused(client, project_dir, query, body, expected)


@pytest.mark.parametrize("query,body", [
    ("?type=completions-dir&storage_for=source", {"type": "completions-dir"}),
    ("?type=tasks-json&storage_for=target", {"type": "tasks-json"}),
    ("?type=s3&storage_for=target", {"type": "s3", "path": "b", "regex": ".*"}),
])
def test_a_type_of_the_other_role_is_refused(client, project_dir, query, body):
    errors = assert_refused(client, project_dir, query, body, {})["errors"]
    assert list(errors) == ["type"]
    assert "storage type, not a" in errors["type"][0]


def test_body_type_differing_from_query_type_is_refused(client, project_dir):
    errors = assert_refused(client, project_dir, "?type=tasks-json&storage_for=source",
                            {"type": "s3"}, {})["errors"]
    assert "differs" in errors["type"][0]


@pytest.mark.parametrize("query", ["?type=tasks-json", "?type=tasks-json&storage_for=",
                                   "?type=tasks-json&storage_for=both",
                                   "?type=tasks-json&storage_for=Source"])
def test_missing_or_invalid_storage_for_is_400(client, project_dir, query):
    body = assert_refused(client, project_dir, query, {"type": "tasks-json"}, {"status": 400})
    assert "storage_for" in body["detail"]


@pytest.mark.parametrize("body", [
    b"{oops", b"[" * 5000 + b"]" * 5000, b"\xff\xfe\x00garbage", b'"just a string"',
    b"null", b"[1, 2, 3]", b"12345",
])
def test_bad_json_is_400(client, project_dir, body):
    assert_refused(client, project_dir, "?type=tasks-json&storage_for=source", body,
                   {"status": 400})


def test_multipart_body_is_400(client, project_dir):
    before = folder_snapshot(project_dir)
    answer = client.post(URL + "?type=tasks-json&storage_for=source",
                         data={"type": "tasks-json"}, content_type="multipart/form-data")
    assert answer.status_code == 400 and answer.is_json
    assert folder_snapshot(project_dir) == before


@pytest.mark.parametrize("storage_type", sorted(VALID_FORMS))
def test_an_unreachable_cloud_or_redis_storage_is_refused(client, project_dir, storage_type):
    # conftest points every SDK at a closed port: the connection check fails, nothing changes
    body = dict(VALID_FORMS[storage_type], type=storage_type)
    if storage_type.startswith("redis"):
        body["port"] = "9"
    query = f"?type={storage_type}&storage_for={role_of(storage_type)}"
    detail = assert_refused(client, project_dir, query, body, {})["detail"]
    assert detail.startswith("Error while storage update: ")


def test_a_refused_cloud_switch_keeps_the_current_storage(client, project_dir):
    client.post("/api/project/import", json=[{"image": "a.jpg"}])
    post(client, "s3", dict(VALID_FORMS["s3"], type="s3"))
    assert read_config(project_dir)["source"]["type"] == "tasks-json"
    current = client.get(URL).get_json()["source"]
    assert [n for n, d in current.items() if d["current"]] == ["tasks-json"]
    assert client.get("/api/project").get_json()["task_count"] == 1


def test_wrong_method_is_a_json_405(client):
    answer = client.put(URL, json={})
    assert answer.status_code == 405 and answer.is_json

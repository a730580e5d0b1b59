"""Every bucket-like storage client against its real server (moto, gcp-storage-emulator,
Azurite, redis-server): the same contract for each, then what only some can do."""
import itertools
import os
import subprocess
import sys
import uuid

import pytest
import requests

from label_studio.storage.base import ObjectInfo, StorageError, StorageUnavailable
from label_studio.storage.registry import open_client
from storage_servers import start_server

KINDS = ("s3", "gcs", "azure", "redis")
SOURCE_TYPE = {"s3": "s3", "gcs": "gcs", "azure": "azure-blob", "redis": "redis"}
_names = itertools.count()


def bucket_name():
    return f"bucket-{uuid.uuid4().hex[:12]}"


def make_bucket(kind, server, name):
    """Creates the bucket (or container) with the SDK directly, as a user would beforehand."""
    if kind == "s3":
        server.make_bucket(name)
    elif kind == "gcs":
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage
        storage.Client(project="test-project", credentials=AnonymousCredentials(),
                       client_options={"api_endpoint": server.url}).create_bucket(name)
    elif kind == "azure":
        from azure.storage.blob import BlobServiceClient
        BlobServiceClient.from_connection_string(server.connection_string).create_container(name)


def config_for(kind, server, path):
    params = {}
    if kind == "redis":
        params = {"host": "127.0.0.1", "port": str(server.port), "db": 3}
    return {"type": SOURCE_TYPE[kind], "path": path, "params": params}


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def server(kind, request):
    return request.getfixturevalue(f"{kind}_server")


@pytest.fixture
def client(kind, server, monkeypatch):
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    path = bucket_name()
    make_bucket(kind, server, path)
    opened = open_client(config_for(kind, server, path), "source")
    opened.check()
    yield opened
    opened.close()


def test_write_read_list_delete(client):
    client.write("imgs/a.json", b'{"a": 1}')
    client.write("imgs/deeper/b.json", b'{"b": 2}')
    client.write("other/c.json", b"{}")
    assert client.read("imgs/a.json") == b'{"a": 1}'
    assert client.read("imgs/missing.json") is None
    listed = list(client.list("imgs/"))
    assert all(isinstance(item, ObjectInfo) for item in listed)
    assert sorted(item.key for item in listed) == ["imgs/a.json", "imgs/deeper/b.json"]
    assert sorted(item.key for item in client.list("")) == [
        "imgs/a.json", "imgs/deeper/b.json", "other/c.json"]
    assert client.read_many(["imgs/a.json", "nope", "other/c.json"]) == {
        "imgs/a.json": b'{"a": 1}', "other/c.json": b"{}"}
    client.delete("imgs/a.json")
    client.delete("imgs/a.json")  # a missing object is no error
    assert client.read("imgs/a.json") is None
    assert [item.key for item in client.list("imgs/")] == ["imgs/deeper/b.json"]


def test_a_changed_object_changes_its_version(client, kind):
    if kind == "redis":
        pytest.skip("Redis values carry no version")
    client.write("v.json", b"1")
    (first,) = client.list("v")
    client.write("v.json", b"22")
    (second,) = client.list("v")
    assert first.version and first.version != second.version


def test_many_keys_are_listed_past_one_page(client):
    names = [f"many/{i:05d}.json" for i in range(1100)]
    for name in names:
        client.write(name, b"{}")
    assert sorted(item.key for item in client.list("many/")) == names


def test_signed_urls_fetch_the_object(client, kind):
    if kind == "redis":
        assert not client.can_sign
        return
    assert client.can_sign
    client.write("media/photo.jpg", b"\xff\xd8 not really a jpeg")
    url = client.sign("media/photo.jpg", 3600)
    assert url.startswith("http")
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and answer.content == b"\xff\xd8 not really a jpeg"
    assert client.uri("media/photo.jpg") == f"{client.scheme}://{client.path}/media/photo.jpg"


def test_a_missing_bucket_is_a_storage_error(kind, server, monkeypatch):
    if kind == "redis":
        pytest.skip("a Redis database always exists")
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StorageError):
        open_client(config_for(kind, server, "no-such-bucket-" + uuid.uuid4().hex[:8]),
                    "source").check()


def test_a_server_that_is_down_is_unavailable_and_says_no_secret(kind, monkeypatch):
    server = start_server(kind)
    try:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        path = bucket_name()
        make_bucket(kind, server, path)
        opened = open_client(config_for(kind, server, path), "source")
        opened.write("k.json", b"{}")
        server.kill()
        with pytest.raises(StorageUnavailable) as caught:
            opened.read("k.json")
        message = str(caught.value.detail)
        for secret in ("testing-secret", "Eby8vdM02x"):
            assert secret not in message
        server.start()  # the same client carries on once it is back
        # every server keeps its data in memory: it came back empty
        make_bucket(kind, server, path)
        opened.write("k2.json", b"2")
        assert opened.read("k2.json") == b"2"
    finally:
        server.stop()


def test_the_server_starts_without_importing_any_sdk():
    """The SDKs are imported when a client of their type is opened: they cost the start ~0.6 s
    and tens of MB, and most projects use none."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import sys, label_studio.server\n"
            "print([m for m in ('boto3', 'botocore', 'redis', 'azure', 'google.cloud')"
            " if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

"""What only the Redis client has, against a real redis-server: its params (db 0, port,
password), key prefixes holding glob characters, and prefixes that must not leak into
each other. The shared contract is in test_storage_clients.py."""
import time
import uuid

import pytest

from label_studio.storage.base import StorageError, StorageUnavailable
from label_studio.storage.registry import open_client
from storage_servers import free_port, start_server

PASSWORD = "s3cret-redis-pass"


def open_redis(port, path, role="source", **params):
    config = {"type": "redis" if role == "source" else "redis-completions", "path": path,
              "params": {"host": "127.0.0.1", "port": str(port), "db": 4, **params}}
    return open_client(config, role)


def unique(name="proj"):
    return f"{name}-{uuid.uuid4().hex[:8]}"


def names(client, prefix=""):
    return sorted(item.key for item in client.list(prefix))


@pytest.fixture(scope="module")
def locked_server():
    server = start_server("redis", password=PASSWORD)
    yield server
    server.stop()


@pytest.mark.parametrize("db", [0, "0", " 0 "])
def test_database_0_is_refused(redis_server, db):
    with pytest.raises(StorageError, match="database 0"):
        open_redis(redis_server.port, unique(), db=db)


@pytest.mark.parametrize("role", ["source", "target"])
def test_a_port_that_is_no_number_is_refused_naming_it(role):
    with pytest.raises(StorageError, match="6379x"):
        open_redis("6379x", unique(), role)


def test_a_port_out_of_range_is_refused():
    with pytest.raises(StorageError, match="70000"):
        open_redis("70000", unique())


def test_a_database_out_of_range_is_a_storage_error(redis_server):
    with pytest.raises(StorageError, match="DB index"):
        open_redis(redis_server.port, unique(), db=99999).check()


def test_the_right_password_opens_a_locked_server(locked_server):
    client = open_redis(locked_server.port, unique(), password=PASSWORD)
    client.check()
    client.write("1", b"{}")
    assert client.read("1") == b"{}"
    assert PASSWORD not in client.location and PASSWORD not in client.uri("1")


@pytest.mark.parametrize("password", ["wrong-" + PASSWORD, ""])
def test_a_wrong_or_missing_password_is_a_storage_error_without_it(locked_server, password):
    client = open_redis(locked_server.port, unique(), password=password)
    with pytest.raises(StorageError) as caught:
        client.check()
    assert not isinstance(caught.value, StorageUnavailable)
    assert PASSWORD not in str(caught.value.detail)


def test_keys_are_stored_under_the_path_and_listed_relative_to_it(redis_server):
    path = unique()
    client = open_redis(redis_server.port, path)
    client.write("imgs/a.json", b"1")
    assert client.uri("imgs/a.json") == \
        f"redis://127.0.0.1:{redis_server.port}/4/{path}/imgs/a.json"
    plain = open_redis(redis_server.port, None)  # no path: keys are as given
    assert plain.read(f"{path}/imgs/a.json") == b"1"
    assert names(client) == ["imgs/a.json"]


def test_keys_of_another_prefix_are_never_listed(redis_server):
    path = unique()
    mine = open_redis(redis_server.port, path)
    longer = open_redis(redis_server.port, path + "2")
    mine.write("1", b"mine")
    mine.write("sub/2", b"mine too")
    longer.write("1", b"not mine")
    open_redis(redis_server.port, None).write(path, b"the bare path is no key of mine")
    assert names(mine) == ["1", "sub/2"]
    assert names(longer) == ["1"]
    assert names(mine, "s") == ["sub/2"]


LOOKALIKES = ("a", "abc", "b", "xzy", "backslash", "a1", "[")


@pytest.mark.parametrize("special", ["a*", "[ab]", "x?y", "back\\slash", "]["])
def test_glob_characters_in_the_path_and_prefix_match_only_themselves(redis_server, special):
    base = unique()
    client = open_redis(redis_server.port, f"{base}/{special}")
    client.write(f"{special}1", b"mine")
    # keys that an unescaped pattern would match too: in lookalike paths, and in mine
    for lookalike in LOOKALIKES:
        open_redis(redis_server.port, f"{base}/{lookalike}").write(f"{special}1", b"not mine")
        client.write(f"{lookalike}1", b"mine, another prefix")
    assert names(client) == sorted([f"{special}1"] + [f"{x}1" for x in LOOKALIKES])
    assert names(client, special) == [f"{special}1"]


def test_read_many_reads_past_one_batch(redis_server):
    client = open_redis(redis_server.port, unique())
    keys = [f"{i:05d}" for i in range(2500)]
    for key in keys:
        client.write(key, key.encode())
    found = client.read_many(keys + ["missing"])
    assert len(found) == 2500 and found["01234"] == b"01234"


def test_the_same_client_carries_on_after_a_restart_it_did_not_see():
    server = start_server("redis")
    try:
        client = open_redis(server.port, unique())
        client.write("1", b"before")
        server.restart()  # the pooled connection is now dead, and nothing failed yet
        client.write("2", b"after")
        assert client.read("2") == b"after"
    finally:
        server.stop()


def test_a_dead_server_fails_fast():
    client = open_redis(free_port(), unique())
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        client.check()
    assert time.monotonic() - started < 5

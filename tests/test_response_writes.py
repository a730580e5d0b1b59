"""Responses leave in one send: the head waits for the first body bytes (response_writes.py)."""
import email.utils
import json
import socket
import time

import pytest

from label_studio.response_writes import HeadHoldingWriter


@pytest.fixture
def socket_pair():
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    yield ours, peer
    ours.close()
    peer.close()


def pending(peer):
    try:
        return peer.recv(65536)
    except BlockingIOError:
        return b""


def test_held_head_leaves_with_the_body(socket_pair):
    ours, peer = socket_pair
    writer = HeadHoldingWriter(ours, "wb")
    writer.hold_next()
    writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert pending(peer) == b""
    writer.write(b"body")
    assert pending(peer) == b"HTTP/1.1 200 OK\r\n\r\nbody"
    writer.write(b"more")  # only the one write after hold_next() is held
    assert pending(peer) == b"more"
    assert writer.bytes_written == len(b"HTTP/1.1 200 OK\r\n\r\nbodymore")


def test_release_sends_a_head_without_body(socket_pair):
    ours, peer = socket_pair
    writer = HeadHoldingWriter(ours, "wb")
    writer.release()
    assert pending(peer) == b""
    writer.hold_next()
    writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert pending(peer) == b""
    writer.release()
    assert pending(peer) == b"HTTP/1.1 204 No Content\r\n\r\n"
    writer.write(b"x")  # not held after a release
    assert pending(peer) == b"x"


def exchange(port, request, expect_close=False):
    """The bytes a raw HTTP/1.1 request gets back up to the end of its body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")]
            if not expect_close and length and len(body) >= length[0]:
                return data
            if not expect_close and b"\r\n\r\n" in data and request.startswith(b"HEAD"):
                return data


def test_live_answers_are_whole_with_a_date(live_server):
    port = live_server.port
    answer = exchange(port, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(body)
    date = [line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
            if line.lower().startswith(b"date:")]
    assert len(date) == 1
    assert abs(email.utils.parsedate_to_datetime(date[0]).timestamp() - time.time()) < 5

    head_only = exchange(port, b"HEAD /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head_only.startswith(b"HTTP/1.1 200") and head_only.endswith(b"\r\n\r\n")

    # cheroot's own error page, written without the WSGI app
    bad = exchange(port, b"NOT-HTTP\r\n\r\n", expect_close=True)
    assert bad.startswith(b"HTTP/1.1 400")


def test_live_100_continue_comes_before_the_body_is_sent(live_server):
    body = json.dumps([{"image": "sent after 100 Continue"}]).encode()
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(b"POST /api/project/import HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        answer = b""
        while b"}" not in answer:
            answer += sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 201")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["task_count"] == 1

"""Requests are read with the C buffered reader, which must still tell cheroot when a
pipelined request waits in its buffer (socket_reader.py)."""
import json
import socket

import pytest

from label_studio.socket_reader import SocketReader

TWO_REQUESTS = (b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")


@pytest.fixture
def socket_pair():
    ours, peer = socket.socketpair()
    ours.settimeout(5)
    yield ours, peer
    ours.close()
    peer.close()


def test_has_data_while_a_pipelined_request_waits_in_the_buffer(socket_pair):
    ours, peer = socket_pair
    reader = SocketReader(ours)
    assert not reader.has_data()
    peer.sendall(TWO_REQUESTS)
    assert reader.readline(256) == b"POST /a HTTP/1.1\r\n"
    assert reader.readline() == b"Host: x\r\n"
    assert reader.readline() == b"Content-Length: 5\r\n"
    assert reader.readline() == b"\r\n"
    assert reader.read(5) == b"hello"
    assert reader.has_data()   # the GET came in the same recv
    assert reader.bytes_read == 5
    assert reader.readline() == b"GET /b HTTP/1.1\r\n"
    rest = bytearray(len(b"Host: x\r\n\r\n"))
    assert reader.readinto(rest) == len(rest)
    assert bytes(rest) == b"Host: x\r\n\r\n"
    assert not reader.has_data()


def test_read1_and_readinto1_are_counted(socket_pair):
    ours, peer = socket_pair
    reader = SocketReader(ours)
    peer.sendall(b"ab\ncdef")
    assert reader.readline() == b"ab\n"
    assert reader.read1(2) == b"cd"
    assert reader.has_data()
    buffer = bytearray(4)
    assert reader.readinto1(buffer) == 2
    assert not reader.has_data()
    peer.close()
    assert reader.read() == b""
    assert not reader.has_data()


def test_closing_the_reader_leaves_the_socket_open(socket_pair):
    ours, peer = socket_pair
    SocketReader(ours).close()
    peer.sendall(b"x")
    assert ours.recv(1) == b"x"


def read_answers(sock, count):
    """`count` whole answers (each with a Content-Length) from the socket."""
    data, answers = b"", []
    while len(answers) < count:
        head, sep, rest = data.partition(b"\r\n\r\n")
        length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:")]
        if sep and length and len(rest) >= length[0]:
            answers.append((head, rest[:length[0]]))
            data = rest[length[0]:]
            continue
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {len(answers)} answers"
        data += chunk
    return answers


def test_live_pipelined_requests_are_all_answered_in_order(live_server):
    body = json.dumps([{"image": "pipelined.jpg"}]).encode()
    requests = (b"POST /api/project/import HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                + b"GET /api/tasks/0 HTTP/1.1\r\nHost: x\r\n\r\n"
                + b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(requests)   # one send: the later requests wait in the reader's buffer
        answers = read_answers(sock, 3)
    assert [head.split(b"\r\n")[0] for head, _ in answers] == [
        b"HTTP/1.1 201 CREATED", b"HTTP/1.1 200 OK", b"HTTP/1.1 200 OK"]
    assert json.loads(answers[0][1])["task_count"] == 1
    assert json.loads(answers[1][1])["data"] == {"image": "pipelined.jpg"}


def test_live_chunked_request_body(live_server):
    body = json.dumps([{"image": "one.jpg"}, {"image": "two.jpg"}]).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:7], body[7:]))
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(b"POST /api/project/import HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + chunks + b"0\r\n\r\n")
        [(head, answer)] = read_answers(sock, 1)
    assert head.startswith(b"HTTP/1.1 201")
    assert json.loads(answer)["task_count"] == 2

"""A plain request head is parsed in one pass into the fields cheroot would set; any other
head is left to cheroot, untouched (request_head.py)."""
import socket

import pytest
from cheroot import wsgi
from cheroot.server import HTTPRequest

from label_studio.request_head import parse_plain_head
from label_studio.response_writes import OneSendConnection

FIELDS = ("ready", "started_request", "uri", "method", "path", "qs", "authority", "scheme",
          "request_protocol", "response_protocol", "inheaders", "close_connection",
          "chunked_read")

PLAIN = {
    "a completion POST": b"POST /api/tasks/7/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                         b"Accept-Encoding: identity\r\nContent-Length: 9\r\n"
                         b"Content-Type: application/json\r\n\r\n{\"a\": 1}\n",
    "a query": b"GET /api/tasks?page=2&page_size=10&order=-id HTTP/1.1\r\nHost: x\r\n\r\n",
    "a second ?": b"GET /a?b=1?c HTTP/1.1\r\nHost: x\r\n\r\n",
    "HTTP/1.0": b"GET /version HTTP/1.0\r\n\r\n",
    "HTTP/1.0 keep-alive": b"GET /version HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "close": b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "names as written": b"GET / HTTP/1.1\r\nhost: x\r\nX-Some-header :  spaced value  \r\n"
                        b"COOKIE: a=b; c=d\r\n\r\n",
    "an empty value": b"GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n",
    "no headers": b"GET /api/health HTTP/1.1\r\n\r\n",
    "non-ASCII in a value": "GET / HTTP/1.1\r\nHost: x\r\nX-Name: é\r\n\r\n".encode(),
    "a colon in a value": b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nReferer: http://a/b\r\n\r\n",
    "a pipelined second request": b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
}

LEFT_TO_CHEROOT = {
    "an escaped path": b"GET /a%20b/c%2Fd HTTP/1.1\r\nHost: x\r\n\r\n",
    "a fragment": b"GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n",
    "two leading slashes": b"GET //evil.example/a HTTP/1.1\r\nHost: x\r\n\r\n",
    "an absolute URI": b"GET http://a.example/b HTTP/1.1\r\nHost: x\r\n\r\n",
    "no slash": b"GET a/b HTTP/1.1\r\nHost: x\r\n\r\n",
    "OPTIONS *": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    "CONNECT": b"CONNECT a.example:443 HTTP/1.1\r\nHost: x\r\n\r\n",
    "a lower-case method": b"post /a HTTP/1.1\r\nHost: x\r\n\r\n",
    "HTTP/1.2": b"GET / HTTP/1.2\r\nHost: x\r\n\r\n",
    "HTTP/2.0": b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    "a bad protocol": b"GET / FTP/1.1\r\nHost: x\r\n\r\n",
    "two spaces": b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
    "a tab in the URI": b"GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n",
    "non-ASCII in the URI": "GET /é HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
    "a bare LF": b"GET / HTTP/1.1\nHost: x\r\n\r\n",
    "a bare LF in a header": b"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n",
    "a continuation line": b"GET / HTTP/1.1\r\nX-A: one\r\n  two\r\n\r\n",
    "a repeated header": b"GET / HTTP/1.1\r\nAccept: a\r\nAccept: b\r\n\r\n",
    "a line without a colon": b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
    "chunked": b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "Expect": b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    "a bad Content-Length": b"POST / HTTP/1.1\r\nContent-Length: many\r\n\r\n",
    "a body over the limit": b"POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n",
    "a head over the limit": b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 600 + b"\r\n\r\n",
    "a leading CRLF": b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "an empty head": b"\r\n\r\n",
    "a closed connection": b"",
}


def app(environ, start_response):
    start_response("200 OK", [])
    return [b""]


@pytest.fixture
def server():
    srv = wsgi.Server(("127.0.0.1", 0), app)
    srv.max_request_header_size = 512
    srv.max_request_body_size = 1000
    return srv


def connection(server, raw, close=True):
    """A connection whose client sent `raw` (and closed its end, when told)."""
    ours, peer = socket.socketpair()
    ours.settimeout(2)
    peer.sendall(raw)
    if close:
        peer.shutdown(socket.SHUT_WR)
    conn = OneSendConnection(server, ours)
    conn.remote_addr, conn.remote_port = "127.0.0.1", 1
    conn.peer = peer
    return conn


def answer_to(conn):
    """What the server wrote back (an error page), b"" for nothing."""
    conn.peer.settimeout(0.05)
    try:
        return conn.peer.recv(4096)
    except socket.timeout:
        return b""


def cheroot_parse(server, raw):
    conn = connection(server, raw)
    req = HTTPRequest(server, conn)
    HTTPRequest.parse_request(req)
    return conn, req


def fields(req):
    return {name: getattr(req, name, None) for name in FIELDS}


def rest_of(conn):
    return conn.rfile.read()


def both_parses(server, raw):
    """(cheroot's connection and request, ours), ours before any parse."""
    expected_conn, expected = cheroot_parse(server, raw)
    conn = connection(server, raw)
    return expected_conn, expected, conn, HTTPRequest(server, conn)


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_a_plain_head_is_parsed_as_cheroot_parses_it(server, name):
    expected_conn, expected, conn, req = both_parses(server, PLAIN[name])
    assert parse_plain_head(req)
    assert fields(req) == fields(expected)
    assert req.rfile.bytes_read == expected.rfile.bytes_read
    assert rest_of(conn) == rest_of(expected_conn)  # the body and what follows it
    assert conn.rfile.bytes_read == expected_conn.rfile.bytes_read


@pytest.mark.parametrize("name", sorted(LEFT_TO_CHEROOT))
def test_any_other_head_is_left_to_cheroot_untouched(server, name):
    expected_conn, expected, conn, req = both_parses(server, LEFT_TO_CHEROOT[name])
    assert not parse_plain_head(req)
    assert not req.ready and not req.started_request and req.inheaders == {}
    HTTPRequest.parse_request(req)
    assert fields(req) == fields(expected)
    assert rest_of(conn) == rest_of(expected_conn)
    assert answer_to(conn) == answer_to(expected_conn)  # the same error page, if any


def test_a_head_not_yet_whole_in_the_buffer_is_left_to_cheroot(server):
    conn = connection(server, b"GET /a HTTP/1.1\r\nHost: x\r\n", close=False)
    req = HTTPRequest(server, conn)
    assert not parse_plain_head(req)
    conn.peer.sendall(b"\r\n")
    HTTPRequest.parse_request(req)
    assert req.ready and req.path == b"/a" and req.inheaders == {b"Host": b"x"}


def test_the_server_request_class_takes_the_one_pass_parse(server, monkeypatch):
    taken = []
    import label_studio.response_writes as response_writes
    monkeypatch.setattr(response_writes, "parse_plain_head",
                        lambda req: taken.append(req) or parse_plain_head(req))
    conn = connection(server, PLAIN["a completion POST"])
    req = conn.RequestHandlerClass(server, conn)
    req.parse_request()
    assert taken == [req] and req.ready and req.path == b"/api/tasks/7/completions"
    conn = connection(server, LEFT_TO_CHEROOT["an escaped path"])
    req = conn.RequestHandlerClass(server, conn)
    req.parse_request()
    assert req.ready and req.path == b"/a b/c%2Fd"

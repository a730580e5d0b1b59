"""A request thread serves its keep-alive connection's next request when it comes soon, and
never at the cost of other connections or of stopping (connection_linger.py)."""
import http.client
import socket
import threading
import time

import pytest
from cheroot import wsgi

from label_studio.connection_linger import LINGER_MS
from label_studio.response_writes import OneSendConnection

THREADS = 4


def which_thread(environ, start_response):
    body = str(threading.get_ident()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def server():
    srv = wsgi.Server(("127.0.0.1", 0), which_thread, numthreads=THREADS,
                      shutdown_timeout=1)
    srv.ConnectionClass = OneSendConnection
    srv.prepare()
    thread = threading.Thread(target=srv.serve, daemon=True)
    thread.start()
    yield srv
    srv.stop()
    thread.join(5)


def connect(srv):
    return http.client.HTTPConnection("127.0.0.1", srv.bind_addr[1], timeout=10)


def ask(conn):
    conn.request("GET", "/")
    answer = conn.getresponse()
    assert answer.status == 200
    return int(answer.read())


def test_requests_sent_at_once_are_served_by_the_same_thread(server):
    conn = connect(server)
    threads = {ask(conn) for _ in range(30)}
    conn.close()
    # through the selector each request goes to the thread that waited longest
    assert len(threads) == 1


def test_a_request_after_the_wait_is_still_answered(server):
    conn = connect(server)
    first = ask(conn)
    time.sleep(LINGER_MS * 4 / 1000)
    second = ask(conn)
    time.sleep(LINGER_MS * 4 / 1000)
    third = ask(conn)
    time.sleep(LINGER_MS * 4 / 1000)
    assert server.requests.idle == THREADS  # no thread is left waiting on the connection
    conn.close()
    assert first and second and third


def test_more_idle_connections_than_threads_do_not_block_a_new_one(server):
    idle = [connect(server) for _ in range(THREADS * 2)]
    for conn in idle:
        ask(conn)  # each now kept alive with no next request
    started = time.perf_counter()
    late = connect(server)
    ask(late)
    assert time.perf_counter() - started < 0.5
    for conn in idle + [late]:
        conn.close()


def test_a_closed_connection_frees_its_thread(server):
    sock = socket.create_connection(("127.0.0.1", server.bind_addr[1]), timeout=10)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    sock.close()
    deadline = time.time() + 2
    while server.requests.idle < THREADS and time.time() < deadline:
        time.sleep(0.01)
    assert server.requests.idle == THREADS


def test_stopping_while_a_connection_is_kept_alive(server):
    conn = connect(server)
    ask(conn)
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 2
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        ask(conn)


def test_busy_connections_do_not_starve_a_new_one(server):
    stop = threading.Event()

    def hammer():
        conn = connect(server)
        while not stop.is_set():
            ask(conn)
        conn.close()

    busy = [threading.Thread(target=hammer) for _ in range(THREADS)]
    for thread in busy:
        thread.start()
    try:
        time.sleep(0.2)
        started = time.perf_counter()
        late = connect(server)
        ask(late)
        waited = time.perf_counter() - started
        late.close()
    finally:
        stop.set()
        for thread in busy:
            thread.join(10)
    assert waited < 0.5

"""A request thread waits a moment on its keep-alive connection for the client's next request.

cheroot hands a kept-alive connection back to its selector thread after every answer: the
connection is registered with epoll, the selector thread wakes when the next request comes,
unregisters it and queues it for a worker, which a condition variable wakes. That is two
epoll_ctl calls, two thread switches and a queue handoff per request. A client that sends
its next request at once (a script, the labeling page loading) is instead served by the same
thread, which waits for it in poll() for up to LINGER_MS. Measured with 4 clients on a
100k-task project: system calls per completion POST 63 -> 35 (futex 34 -> 7), GET
/api/health 4.8k -> 5.2k req/s and 0.36 -> 0.33 ms one after another.

A thread waits only while another is idle for new connections and none is queued, so a
client that opens more connections than there are threads waits at most LINGER_MS more.
"""
import select

from .socket_reader import SocketReader

LINGER_MS = 5


def next_request_soon(conn):
    """Whether the connection's next request came, or came within LINGER_MS."""
    if not isinstance(conn.rfile, SocketReader):  # TLS: bytes may wait inside the SSL object
        return False
    if conn.rfile.has_data():
        return True
    server = conn.server
    pool = server.requests
    if not server.ready or pool.idle < 1 or pool.qsize:
        return False
    poller = select.poll()
    poller.register(conn.socket, select.POLLIN)
    return bool(poller.poll(LINGER_MS))

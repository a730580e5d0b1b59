"""cheroot's connection and request, sending a response's head and first body bytes at once.

cheroot sends the status line and headers in one system call and the body in another, each
after a poll() for the socket's timeout. A completion POST's answer then costs four system
calls, and every system call lets another request thread take the GIL. Here the head waits
in the socket writer's buffer and leaves with the first body bytes (or alone, at the end of
a response without a body). Interim answers (100 Continue) and cheroot's own error pages are
written as before. The Date header is formatted once a second instead of for every response.
The connection reads requests with socket_reader.SocketReader, parses a plain request head
in one pass (request_head.py), and serves a client's next request itself when it comes soon
(connection_linger.py).
"""
import email.utils
import time

from cheroot.makefile import MakeFile, StreamReader, StreamWriter
from cheroot.server import HTTPConnection, HTTPRequest

from .connection_linger import next_request_soon
from .request_head import parse_plain_head
from .socket_reader import SocketReader


class HeadHoldingWriter(StreamWriter):
    """A socket writer that can keep the next write back until the one after it."""

    _hold = False

    def hold_next(self):
        self._hold = True

    def write(self, data):
        if self._hold:
            self._hold = False
            with self._write_lock:
                self._write_buf.extend(data)
            self.bytes_written += len(data)
            return len(data)
        return super().write(data)  # sends what was held, then `data`

    def release(self):
        """Sends whatever is held."""
        self._hold = False
        if self._write_buf:
            with self._write_lock:
                self._flush_unlocked()


class _DateHeader:
    def __init__(self):
        self._second = None
        self._value = b""

    def now(self):
        second = int(time.time())
        if second != self._second:
            self._value = email.utils.formatdate(second, usegmt=True).encode("ascii")
            self._second = second
        return self._value


_date = _DateHeader()


class OneSendRequest(HTTPRequest):
    def parse_request(self):
        if not (isinstance(self.conn.rfile, SocketReader) and parse_plain_head(self)):
            super().parse_request()

    def ensure_headers_sent(self):
        if not self.sent_headers:
            if not any(name.lower() == b"date" for name, _ in self.outheaders):
                self.outheaders.append((b"Date", _date.now()))
            if isinstance(self.conn.wfile, HeadHoldingWriter):
                self.conn.wfile.hold_next()
        super().ensure_headers_sent()

    def respond(self):
        super().respond()
        if isinstance(self.conn.wfile, HeadHoldingWriter):
            self.conn.wfile.release()


class OneSendConnection(HTTPConnection):
    RequestHandlerClass = OneSendRequest

    def __init__(self, server, sock, makefile=MakeFile):
        super().__init__(server, sock, makefile)
        # not a reader or writer of another kind (pyOpenSSL's)
        if type(self.rfile) is StreamReader:
            self.rfile.close()  # lets go of the socket, which stays open
            self.rfile = SocketReader(sock, self.rbufsize)
        if type(self.wfile) is StreamWriter:
            self.wfile = HeadHoldingWriter(sock, "wb", self.wbufsize)

    def communicate(self):
        keep_open = super().communicate()
        while keep_open and next_request_soon(self):
            keep_open = super().communicate()
        return keep_open

"""Running the app: cheroot for HTTP and HTTPS, Werkzeug's development server only with --debug.

cheroot was chosen by measuring (benchmarks/bench_wsgi_servers.py, 100k-task project on
2 cores): the same latency as waitress with a better p95, the highest 4-client throughput of
waitress, gunicorn and cheroot, no fork (the project's state lives in one process), and
TLS that costs about 0.1 ms a request (Werkzeug's server was 27 times slower with TLS).
"""
import ctypes
import logging
import os
import signal
import socket
import sys
import threading
from contextlib import contextmanager

from .cpu_affinity import threads_started_as_batch, threads_started_on_one_cpu

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc's mallopt() options
GLIBC_DEFAULT_THRESHOLD = 128 << 10
MAX_PORT_TRIES = 1000
THREADS = 8
REQUEST_QUEUE = 64  # connections the kernel holds until the server accepts them
_ANY_IPV6 = ("::", "::0", "::0.0.0.0")


def port_in_use(host, port):
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "localhost", "") else host
    with socket.socket(socket.AF_INET6 if ":" in probe_host else socket.AF_INET) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((probe_host, port)) == 0


def free_port_from(host, port):
    """The first port from `port` on that nothing answers on (legacy tries up to 1000)."""
    for candidate in range(port, port + MAX_PORT_TRIES):
        if not port_in_use(host, candidate):
            return candidate
    raise RuntimeError(f"No free port found in {port}..{port + MAX_PORT_TRIES - 1}")


def listen(host, port):
    """A socket bound to (host, port) and listening, with the options cheroot gives its own
    (address reuse, no Nagle delay, both IP versions on "::"). `label-studio start` listens
    before the project opens: the kernel holds the connections made meanwhile, and they are
    answered once it is open, rather than refused. (Not cheroot's own prepare_socket():
    importing cheroot costs ~50 ms, before the open.)"""
    try:
        found = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                   socket.AI_PASSIVE)
    except socket.gaierror:
        found = [(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, 0,
                  "", (host, port))]
    error = OSError(f"no address for {host}")
    for family, kind, proto, _, address in found:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if family == socket.AF_INET6 and host in _ANY_IPV6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(address)
            sock.listen(REQUEST_QUEUE)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def limit_malloc_arenas():
    """Each server thread would get its own glibc arena, and large import buffers fragment
    them; two arenas keep resident memory near what one thread would need, at no speed cost."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, 2)


@contextmanager
def freed_blocks_reused():
    """Inside, glibc keeps large freed blocks for the next allocations; after, the heap is
    given back as before. By default each block over 128 KB is fresh pages from the kernel,
    handed back when freed: a first open of 1M tasks allocates and frees a few per batch of
    10k tasks (their bytes, their encoding again), and took 43k page faults and 0.08-0.23 s
    of system CPU for it, 20k and 0.03-0.06 s inside. Resident memory after the trim is the
    same (157 MB either way, in that measure)."""
    libc = _glibc()
    if libc is None:
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, 64 << 20)
    libc.mallopt(M_TRIM_THRESHOLD, 256 << 20)
    try:
        yield
    finally:
        libc.mallopt(M_TRIM_THRESHOLD, GLIBC_DEFAULT_THRESHOLD)
        libc.mallopt(M_MMAP_THRESHOLD, GLIBC_DEFAULT_THRESHOLD)
        libc.malloc_trim(0)


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


STOP_GRACE_SECONDS = 5


def serve(app, host, port, debug=False, ssl_context=None, sock=None):
    """Serves until stopped; `sock`: a socket listen() gave for (host, port) (not with
    `debug`: Werkzeug binds its own)."""
    if debug:
        app.run(host=host, port=port, debug=True, threaded=True, use_reloader=False,
                ssl_context=ssl_context)
        return
    from .response_writes import OneSendConnection
    server = _server_class(sock)((host, port), app, numthreads=THREADS,
                                 server_name="label-studio", request_queue_size=REQUEST_QUEUE,
                                 shutdown_timeout=1)
    server.ConnectionClass = OneSendConnection
    if ssl_context:
        from cheroot.ssl.builtin import BuiltinSSLAdapter
        server.ssl_adapter = BuiltinSSLAdapter(*ssl_context)
    if hasattr(signal, "pthread_sigmask"):
        _serve_until_signalled(server)
    else:
        _serve_until_interrupted(server)


def _server_class(sock):
    """cheroot's server, or one that takes `sock` where it would bind a socket of its own."""
    from cheroot import wsgi
    if sock is None:
        return wsgi.Server

    class ServerOnSocket(wsgi.Server):
        def bind(self, family, type, proto=0):
            self.socket = sock
            self.bind_addr = self.resolve_real_bind_addr(sock)
            return sock

    return ServerOnSocket


def _serve_until_signalled(server):
    """Ctrl-C and SIGTERM are taken synchronously by the main thread, never raised inside
    the server: an exception thrown into the middle of a queue operation can leave a worker
    waiting forever and the process unable to exit."""
    # a signal the shell told us to ignore (`label-studio start &`) stays ignored
    stop_signals = {number for number in (signal.SIGINT, signal.SIGTERM)
                    if signal.getsignal(number) is not signal.SIG_IGN}
    # blocked before any server thread exists, so every thread inherits the mask
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    with threads_started_on_one_cpu(), threads_started_as_batch():
        server.prepare()  # starts the worker threads
        threading.Thread(target=server.serve, name="http-accept", daemon=True).start()
    signal.sigwait(stop_signals)
    stopper = threading.Thread(target=server.stop, name="http-stop", daemon=True)
    stopper.start()
    stopper.join(STOP_GRACE_SECONDS)
    if stopper.is_alive():
        # every write is atomic on disk, so leaving a stuck request behind loses nothing
        log.warning("Requests still running after %d s; exiting anyway", STOP_GRACE_SECONDS)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _serve_until_interrupted(server):
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()

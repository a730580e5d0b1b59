"""Running the app: waitress in production, Werkzeug's development server only with --debug.

waitress was chosen by measuring (benchmarks/bench_wsgi_servers.py): on a 2-core machine it
answered as fast as gunicorn's threaded worker for this app, needs no fork (the project's
state lives in one process), and runs the same on every platform.
"""
import logging
import socket

log = logging.getLogger(__name__)

MAX_PORT_TRIES = 1000


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


def serve(app, host, port, debug=False, threads=8, ssl_context=None):
    if debug or ssl_context:
        app.run(host=host, port=port, debug=debug, threaded=True, use_reloader=False,
                ssl_context=ssl_context)
        return
    import waitress
    waitress.serve(app, host=host, port=port, threads=threads, ident="label-studio",
                   clear_untrusted_proxy_headers=True, _quiet=True)

"""Which WSGI server should serve the app: waitress, gunicorn (gthread) or cheroot.

Each server serves its own copy of the same project (100k tasks, 20% completed) from a
subprocess; the figures are sequential GET /api/tasks/<id> latency, 4-client GET and
completion POST throughput, and sequential POST latency. Unless --no-tls, the TLS-capable
servers are measured again over HTTPS, next to what `label-studio start --cert --key` runs
today (Werkzeug's development server).

    python benchmarks/bench_wsgi_servers.py
    python benchmarks/bench_wsgi_servers.py --size 10000 --rounds 1     # quick

Every figure is the median over --rounds runs. The script always exits 0.
"""
import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback

import orjson

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import (Client, build_project, completion, concurrent_rate, free_port,  # noqa: E402
                   percentile, rss_tree_mb, server_log, spawn, start_server, stop_server, timed,
                   wait_status)

CLIENTS = 4
SEQ_GETS = 1000
CONC_GETS = 500     # per client
SEQ_POSTS = 200
CONC_POSTS = 250    # per client
THREADS = 8

WSGI_MODULE = '''\
import os

from label_studio.server import create_app

app = create_app(os.environ["LS_PROJECT"])
'''

CHEROOT_RUNNER = '''\
import sys

from cheroot import wsgi

from ls_bench_wsgi import app

port, threads = int(sys.argv[1]), int(sys.argv[2])
server = wsgi.Server(("127.0.0.1", port), app, numthreads=threads, server_name="label-studio")
if len(sys.argv) > 4:
    from cheroot.ssl.builtin import BuiltinSSLAdapter
    server.ssl_adapter = BuiltinSSLAdapter(sys.argv[3], sys.argv[4])
server.safe_start()
'''


def module_installed(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


class Servers:
    """Command lines for each server; all bind 127.0.0.1:port and serve LS_PROJECT."""

    def __init__(self, workdir, cert, key):
        self.moddir = os.path.join(workdir, "wsgi")
        os.makedirs(self.moddir, exist_ok=True)
        with open(os.path.join(self.moddir, "ls_bench_wsgi.py"), "w") as f:
            f.write(WSGI_MODULE)
        with open(os.path.join(self.moddir, "ls_bench_cheroot.py"), "w") as f:
            f.write(CHEROOT_RUNNER)
        self.cert, self.key = cert, key

    def env(self, project):
        env = dict(os.environ, LS_PROJECT=project)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (self.moddir, env.get("PYTHONPATH")) if p)
        return env

    def waitress(self, project, port, threads, tls):
        # the production path: label-studio start (waitress, 8 threads); with --cert/--key
        # the same command falls back to Werkzeug's development server
        extra = ("--cert", self.cert, "--key", self.key) if tls else ()
        return start_server(project, port, extra)

    def gunicorn(self, project, port, threads, tls):
        cmd = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
               "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--timeout", "300",
               "--log-level", "warning", "ls_bench_wsgi:app"]
        if tls:
            cmd[-1:-1] = ["--certfile", self.cert, "--keyfile", self.key]
        return spawn(cmd, env=self.env(project), cwd=self.moddir)

    def cheroot(self, project, port, threads, tls):
        cmd = [sys.executable, os.path.join(self.moddir, "ls_bench_cheroot.py"), str(port),
               str(threads)]
        if tls:
            cmd += [self.cert, self.key]
        return spawn(cmd, env=self.env(project), cwd=self.moddir)


def make_cert(workdir):
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(no TLS rows: could not make a self-signed certificate with openssl: {exc})")
        return None, None
    return cert, key


def measure(port, tls, size, rounds, rng):
    """The figures of one running server (medians over rounds)."""
    client = Client(port, tls=tls)
    ids = [rng.randrange(size) for _ in range(SEQ_GETS)]
    for i in range(50):
        status, body = client.request("GET", f"/api/tasks/{ids[i]}")
        if status != 200:
            raise RuntimeError(f"GET task: HTTP {status}: {body[:200]!r}")
    get_samples = []
    get_rates, post_rates, post_medians = [], [], []
    body = orjson.dumps(completion(0))
    errors = []
    for _ in range(rounds):
        get_samples += timed(lambda i: client.request("GET", f"/api/tasks/{ids[i]}"), SEQ_GETS)
        conc = [[rng.randrange(size) for _ in range(CONC_GETS)] for _ in range(CLIENTS)]
        rate, errs = concurrent_rate(port, CLIENTS, CONC_GETS,
                                     lambda c, k, i: c.request("GET", f"/api/tasks/{conc[k][i]}"),
                                     tls=tls)
        get_rates.append(rate)
        errors += errs
        post_ids = [rng.randrange(size) for _ in range(SEQ_POSTS)]
        post_medians.append(statistics.median(timed(
            lambda i: client.request("POST", f"/api/tasks/{post_ids[i]}/completions", body),
            SEQ_POSTS)))
        conc = [[rng.randrange(size) for _ in range(CONC_POSTS)] for _ in range(CLIENTS)]
        rate, errs = concurrent_rate(
            port, CLIENTS, CONC_POSTS,
            lambda c, k, i: c.request("POST", f"/api/tasks/{conc[k][i]}/completions", body),
            tls=tls)
        post_rates.append(rate)
        errors += errs
    return {
        "get_median": statistics.median(get_samples),
        "get_p95": percentile(get_samples, 0.95),
        "get_rate": statistics.median(get_rates),
        "post_median": statistics.median(post_medians),
        "post_rate": statistics.median(post_rates),
        "errors": len(errors),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="tasks (default 100000)")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions per figure")
    parser.add_argument("--no-tls", action="store_true", help="skip the HTTPS rows")
    parser.add_argument("--workdir", default=None, help="folder for the projects (kept)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="ls-bench-wsgi-")
    os.makedirs(workdir, exist_ok=True)
    started = time.perf_counter()
    rows = []
    try:
        pristine = os.path.join(workdir, "pristine")
        shutil.rmtree(pristine, ignore_errors=True)
        build_project(pristine, args.size)
        cert, key = (None, None) if args.no_tls else make_cert(workdir)
        servers = Servers(workdir, cert, key)
        plan = [("waitress (label-studio start)", "waitress", servers.waitress, THREADS, False),
                ("gunicorn gthread, 1 worker", "gunicorn", servers.gunicorn, 4, False),
                ("gunicorn gthread, 1 worker", "gunicorn", servers.gunicorn, 8, False),
                ("cheroot wsgi.Server", "cheroot", servers.cheroot, THREADS, False)]
        if cert:
            plan += [("werkzeug dev (start --cert/--key)", "werkzeug", servers.waitress, 0, True),
                     ("gunicorn gthread, 1 worker", "gunicorn", servers.gunicorn, 8, True),
                     ("cheroot + BuiltinSSLAdapter", "cheroot", servers.cheroot, THREADS, True)]
        print(f"WSGI servers on a {args.size:,}-task project: Python {platform.python_version()},"
              f" {os.cpu_count()} CPUs, {CLIENTS} client threads, median of {args.rounds} rounds",
              flush=True)
        for label, module, start, threads, tls in plan:
            if not module_installed(module):
                print(f"  skipping {label}: `pip install {module}`")
                continue
            project = os.path.join(workdir, "project")
            shutil.rmtree(project, ignore_errors=True)
            shutil.copytree(pristine, project)
            port = free_port()
            proc = start(project, port, threads, tls)
            try:
                wait_status(port, "/api/project", proc, tls=tls)
                figures = measure(port, tls, args.size, args.rounds, random.Random(args.seed))
                figures["rss"] = rss_tree_mb(proc.pid)
                rows.append((label, threads, tls, figures))
                print(f"  measured {label}{' (TLS)' if tls else ''}, {threads or '-'} threads",
                      flush=True)
            except Exception:
                traceback.print_exc()
                print(f"  !! {label} failed; server log tail:\n{server_log(proc)}")
            finally:
                stop_server(proc)
    except Exception:
        traceback.print_exc()
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows)
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s.")
    return 0


def print_table(rows):
    head = (f"{'server':<36} {'TLS':<4} {'thr':>3}  {'GET task ms':>17}  {'GET req/s':>9}  "
            f"{'POST ms':>7}  {'POST req/s':>10}  {'RSS MB':>6}")
    print()
    print(textwrap.dedent('''\
        GET task ms: sequential GET /api/tasks/<random id>, median / p95
        GET req/s, POST req/s: 4 concurrent keep-alive clients; POST = completion POST (fsync)
        POST ms: sequential completion POST, median
        RSS MB: resident memory of the server's process tree after the run (gunicorn: arbiter
        + worker)'''))
    print(head)
    print("-" * len(head))
    for label, threads, tls, f in rows:
        print(f"{label:<36} {'yes' if tls else 'no':<4} {threads or '-':>3}  "
              f"{f['get_median']:7.2f} / {f['get_p95']:6.2f}  {f['get_rate']:9.0f}  "
              f"{f['post_median']:7.2f}  {f['post_rate']:10.0f}  {f['rss']:6.0f}"
              + (f"  ({f['errors']} errors)" if f["errors"] else ""))


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
    sys.exit(0)

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
from _util import (Client, run_never_failing, build_project, completion, concurrent_rate, free_port,  # noqa: E402
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


def expect(client, method, path, body=None, status=200):
    got, answer = client.request(method, path, body)
    if got != status:
        raise RuntimeError(f"{method} {path}: HTTP {got} (expected {status}): {answer[:200]!r}")


class Candidate:
    """One running server and the samples taken from it so far."""

    def __init__(self, label, threads, tls, scale, proc, port, size, seed):
        self.label, self.threads, self.tls, self.proc, self.port = label, threads, tls, proc, port
        self.size = size
        self.rng = random.Random(seed)
        self.counts = [max(20, int(n * scale))
                       for n in (SEQ_GETS, CONC_GETS, SEQ_POSTS, CONC_POSTS)]
        self.get_samples, self.get_rates, self.post_medians, self.post_rates = [], [], [], []
        self.errors = 0
        self.failed = None
        self.client = Client(port, tls=tls)
        for _ in range(50):
            expect(self.client, "GET", f"/api/tasks/{self.rng.randrange(size)}")

    def round(self):
        """One run of the four measurements."""
        seq_gets, conc_gets, seq_posts, conc_posts = self.counts
        client, size, rng = self.client, self.size, self.rng
        ids = [rng.randrange(size) for _ in range(seq_gets)]
        self.get_samples += timed(lambda i: expect(client, "GET", f"/api/tasks/{ids[i]}"),
                                  seq_gets)
        conc = [[rng.randrange(size) for _ in range(conc_gets)] for _ in range(CLIENTS)]
        rate, errors = concurrent_rate(
            self.port, CLIENTS, conc_gets,
            lambda c, k, i: c.request("GET", f"/api/tasks/{conc[k][i]}"), tls=self.tls)
        self.get_rates.append(rate)
        self.errors += len(errors)
        body = orjson.dumps(completion(0))
        ids = [rng.randrange(size) for _ in range(seq_posts)]
        self.post_medians.append(statistics.median(timed(
            lambda i: expect(client, "POST", f"/api/tasks/{ids[i]}/completions", body, 201),
            seq_posts)))
        conc = [[rng.randrange(size) for _ in range(conc_posts)] for _ in range(CLIENTS)]
        rate, errors = concurrent_rate(
            self.port, CLIENTS, conc_posts,
            lambda c, k, i: c.request("POST", f"/api/tasks/{conc[k][i]}/completions", body),
            tls=self.tls)
        self.post_rates.append(rate)
        self.errors += len(errors)

    def figures(self):
        return {
            "get_median": statistics.median(self.get_samples),
            "get_p95": percentile(self.get_samples, 0.95),
            "get_rate": statistics.median(self.get_rates),
            "post_median": statistics.median(self.post_medians),
            "post_rate": statistics.median(self.post_rates),
            "errors": self.errors,
            "rss": rss_tree_mb(self.proc.pid),
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
    candidates, rows = [], []
    try:
        cert, key = (None, None) if args.no_tls else make_cert(workdir)
        servers = Servers(workdir, cert, key)
        # (label, module, start, threads, tls, scale)
        plan = [("waitress (label-studio start)", "waitress", servers.waitress, THREADS, False, 1),
                ("gunicorn gthread, 1 worker", "gunicorn", servers.gunicorn, 4, False, 1),
                ("gunicorn gthread, 1 worker", "gunicorn", servers.gunicorn, 8, False, 1),
                ("cheroot wsgi.Server", "cheroot", servers.cheroot, THREADS, False, 1)]
        if cert:
            # Werkzeug is ~25x slower over TLS: a fifth of the requests keeps the run short
            plan += [("werkzeug dev (start --cert/--key)", "werkzeug", servers.waitress, 0, True,
                      0.2),
                     ("gunicorn gthread, 1 worker", "gunicorn", servers.gunicorn, 8, True, 1),
                     ("cheroot + BuiltinSSLAdapter", "cheroot", servers.cheroot, THREADS, True, 1)]
        print(f"WSGI servers on a {args.size:,}-task project: Python {platform.python_version()},"
              f" {os.cpu_count()} CPUs, {CLIENTS} client threads, median of {args.rounds} rounds"
              f" (servers taken in turn each round); load average {os.getloadavg()[0]:.2f}",
              flush=True)
        pristine = os.path.join(workdir, "pristine")
        shutil.rmtree(pristine, ignore_errors=True)
        build_project(pristine, args.size)
        # every server gets its own copy of the project and runs for the whole benchmark,
        # so that each round measures all of them under the same machine load
        for n, (label, module, start, threads, tls, scale) in enumerate(plan):
            if not module_installed(module):
                print(f"  skipping {label}: `pip install {module}`")
                continue
            project = os.path.join(workdir, f"project-{n}")
            shutil.rmtree(project, ignore_errors=True)
            shutil.copytree(pristine, project)
            port = free_port()
            proc = start(project, port, threads, tls)
            try:
                wait_status(port, "/api/project", proc, tls=tls)
                candidates.append(Candidate(label, threads, tls, scale, proc, port, args.size,
                                            args.seed))
            except Exception:
                traceback.print_exc()
                print(f"  !! {label} did not start; server log tail:\n{server_log(proc)}")
                stop_server(proc)
        for r in range(args.rounds):
            for candidate in candidates:
                if candidate.failed:
                    continue
                try:
                    candidate.round()
                except Exception as exc:
                    traceback.print_exc()
                    print(f"  !! {candidate.label} failed; server log tail:\n"
                          f"{server_log(candidate.proc)}")
                    candidate.failed = repr(exc)
            print(f"  round {r + 1}/{args.rounds} done", flush=True)
        for candidate in candidates:
            if not candidate.failed:
                rows.append((candidate.label, candidate.threads, candidate.tls,
                             candidate.figures()))
    except Exception:
        traceback.print_exc()
    finally:
        for candidate in candidates:
            stop_server(candidate.proc)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows)
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s; "
          f"load average now {os.getloadavg()[0]:.2f}.")
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
        + worker); thr: worker threads (Werkzeug: one thread per connection)'''))
    print(head)
    print("-" * len(head))
    for label, threads, tls, f in rows:
        print(f"{label:<36} {'yes' if tls else 'no':<4} {threads or '-':>3}  "
              f"{f['get_median']:7.2f} / {f['get_p95']:6.2f}  {f['get_rate']:9.0f}  "
              f"{f['post_median']:7.2f}  {f['post_rate']:10.0f}  {f['rss']:6.0f}"
              + (f"  ({f['errors']} errors)" if f["errors"] else ""))


if __name__ == "__main__":
    run_never_failing(main)

"""Core acceptance benchmark: a live `label-studio start` server on projects of 100k and 1M tasks.

For each size it builds a project folder (20% of the tasks completed), opens it a first time
(with a cold page cache when the script may drop it: run as root), stops that server, starts
it again and measures: the restart to the first answer, task pages, next, single tasks,
completion POSTs (sequential and 4 clients), imports and the server's resident memory.
Every figure is printed beside its target for that size with OK/MISS; the script exits 0.

    python benchmarks/bench_core.py                      # 100k and 1M
    python benchmarks/bench_core.py --quick              # 10k smoke run
    python benchmarks/bench_core.py --sizes 10000000     # the 10M stretch run (about 15 GB free
                                                          # disk and half an hour to build)
    python benchmarks/bench_core.py --sizes 100000 --workdir /tmp/lsb

Targets (2 cores): restart 0.3 s / 1 s / 5 s at 100k / 1M / 10M, memory 80 / 250 / 1536 MB,
100 imports of 1k 3 s at 1M, 4-client completion POSTs 1000 req/s, per request 1 ms
(2 ms at 10M).
"""
import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import traceback

import orjson

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import (Client, run_never_failing, build_project, compile_package, completion,  # noqa: E402
                   concurrent_rate, percentile, rss_mb, server_log, start_and_wait, stop_server,
                   timed, write_kernel_knob)

# (limit, unit, higher_is_better) per size; a size between two is held to the larger one's
TARGETS = {
    100_000: {
        "startup": (0.3, "s", False), "first_open": (3.0, "s", False),
        "page": (1.0, "ms", False), "next": (1.0, "ms", False), "task": (1.0, "ms", False),
        "post": (5.0, "ms", False), "post_rps": (1000.0, "req/s", True),
        "import_one": (1.0, "s", False), "import_many": (3.0, "s", False),
        "rss": (80.0, "MB", False),
    },
    1_000_000: {
        "startup": (1.0, "s", False), "first_open": (3.0, "s", False),
        "page": (1.0, "ms", False), "next": (1.0, "ms", False), "task": (1.0, "ms", False),
        "post": (5.0, "ms", False), "post_rps": (1000.0, "req/s", True),
        "import_one": (2.0, "s", False), "import_many": (3.0, "s", False),
        "rss": (250.0, "MB", False),
    },
    10_000_000: {
        "startup": (5.0, "s", False), "first_open": (30.0, "s", False),
        "page": (2.0, "ms", False), "next": (2.0, "ms", False), "task": (2.0, "ms", False),
        "post": (5.0, "ms", False), "post_rps": (1000.0, "req/s", True),
        "import_one": (5.0, "s", False), "import_many": (5.0, "s", False),
        "rss": (1536.0, "MB", False),
    },
}


def targets_for(size):
    for limit in sorted(TARGETS):
        if size <= limit:
            return TARGETS[limit]
    return TARGETS[max(TARGETS)]
REPEAT = {"page": 200, "extra_page": 20, "next": 300, "task": 1000, "post": 300, "post_concurrent": 300}
WARMUP = 20
CLIENTS = 4
IMPORT_ONE = 100_000
IMPORT_MANY = (100, 1_000)


class Report:
    def __init__(self):
        self.misses = []
        self.extra_misses = []

    def row(self, size, label, value, shown, key=None, note="", extra=False):
        """One line: label, the measured figure, its target and OK/MISS (or n/a).

        extra: a figure outside the acceptance list, measured against the same target."""
        target_text, mark = "", ""
        if key is not None:
            limit, unit, higher = targets_for(size)[key]
            target_text = f"{'>=' if higher else '<='} {limit:g} {unit}"
            ok = value >= limit if higher else value <= limit
            mark = "OK" if ok else "MISS"
            if not ok:
                (self.extra_misses if extra else self.misses).append(
                    f"{size:,} tasks: {label}: {shown} (target {target_text})")
        line = f"  {label:<50} {shown:<36} {target_text:<16} {mark}"
        if note:
            line += f"   {note}"
        print(line, flush=True)


def latency_row(report, size, label, samples, key, extra=False):
    median = statistics.median(samples)
    shown = f"median {median:7.2f} ms  p95 {percentile(samples, 0.95):7.2f} ms"
    report.row(size, label, median, shown, key, extra=extra)


def check(status, body, expected=200, what=""):
    if status != expected:
        raise RuntimeError(f"{what}: HTTP {status} (expected {expected}): {body[:300]!r}")


def measure_get(client, path_of, repeat, what, warmup=WARMUP):
    """Warm-up, then `repeat` timed GETs; path_of(i) gives the path of the i-th request."""
    for i in range(warmup):
        status, body = client.request("GET", path_of(i))
        check(status, body, what=what)

    def one(i):
        status, body = client.request("GET", path_of(i))
        if status != 200:
            check(status, body, what=what)
    return timed(one, repeat)


def first_open(path, size, report):
    """A project folder opened for the first time (no index of ours beside it), with nothing
    in the page cache when we may drop it: a folder copied from another machine, or the
    first start after a reboot. The server is stopped again, as a user would."""
    os.sync()
    cold = write_kernel_knob("/proc/sys/vm/drop_caches", "3\n")
    proc, _, startup = start_and_wait(path)
    stop_server(proc)
    label = ("first open, cold page cache" if cold
             else "first open (warm page cache: not root, cannot drop it)")
    report.row(size, label, startup, f"{startup:.2f} s", "first_open")


def bench_size(size, workdir, report, rng, import_budget, reuse=False):
    path = os.path.join(workdir, f"bench-core-{size}")
    built_marker = os.path.join(workdir, f"bench-core-{size}.built")
    if reuse and os.path.exists(built_marker):
        # a folder built by an earlier run, as built: our caches beside it are removed
        for name in os.listdir(path):
            if name.startswith(".ls-"):
                os.unlink(os.path.join(path, name))
        print(f"\n== {size:,} tasks, 20% completed  (reusing {path})", flush=True)
    else:
        if os.path.exists(path):
            shutil.rmtree(path)
        t = time.perf_counter()
        build_project(path, size)
        with open(built_marker, "w"):
            pass
        built = time.perf_counter() - t
        print(f"\n== {size:,} tasks, 20% completed  (project built in {built:.1f} s at {path})",
              flush=True)

    first_open(path, size, report)
    proc, port, startup = start_and_wait(path)
    try:
        rss_loaded = rss_mb(proc.pid)
        report.row(size, "restart: spawn -> first 200 GET /api/project", startup,
                   f"{startup:.2f} s", "startup")
        report.row(size, "server RSS after load (at startup)", rss_loaded,
                   f"{rss_loaded:.0f} MB", "rss")
        client = Client(port)
        status, body = client.request("GET", "/api/project")
        check(status, body, what="GET /api/project")
        summary = orjson.loads(body)
        if summary["task_count"] != size:
            print(f"  !! server sees {summary['task_count']} tasks, expected {size}")

        deep = max(1, size // 10 // 2)
        for order in ("id", "-completed_at"):
            for page in (1, deep):
                url = f"/api/tasks?page={page}&page_size=10&order={order}"
                samples = measure_get(client, lambda i, u=url: u, REPEAT["page"], url)
                latency_row(report, size, f"GET /api/tasks page={page} order={order}",
                            samples, "page")

        samples = measure_get(client, lambda i: "/api/project/next", REPEAT["next"], "next")
        latency_row(report, size, "GET /api/project/next", samples, "next")

        ids = [rng.randrange(size) for _ in range(REPEAT["task"] + WARMUP)]
        samples = measure_get(client, lambda i: f"/api/tasks/{ids[i]}", REPEAT["task"],
                              "GET task")
        latency_row(report, size, "GET /api/tasks/<random id>", samples, "task")

        bodies = [orjson.dumps(completion(i)) for i in range(REPEAT["post"] + WARMUP)]
        post_ids = [rng.randrange(size) for _ in bodies]

        def post(i):
            status, body = client.request("POST", f"/api/tasks/{post_ids[i]}/completions",
                                          bodies[i])
            if status != 201:
                check(status, body, 201, "completion POST")
        for i in range(WARMUP):
            post(REPEAT["post"] + i)
        samples = timed(post, REPEAT["post"])
        latency_row(report, size, "POST completion, sequential (fsync)", samples, "post")

        per_client = REPEAT["post_concurrent"]
        conc_ids = [[rng.randrange(size) for _ in range(per_client)] for _ in range(CLIENTS)]
        conc_body = orjson.dumps(completion(0))

        def concurrent_post(c, k, i):
            return c.request("POST", f"/api/tasks/{conc_ids[k][i]}/completions", conc_body)
        rate, errors = concurrent_rate(port, CLIENTS, per_client, concurrent_post)
        report.row(size, f"POST completion, {CLIENTS} clients", rate,
                   f"{rate:7.0f} req/s" + (f" ({len(errors)} errors)" if errors else ""),
                   "post_rps")
        rss_reads = rss_mb(proc.pid)
        report.row(size, "server RSS after the request benchmarks", rss_reads,
                   f"{rss_reads:.0f} MB", "rss")

        # not in the acceptance list, but the 0.8/0.9 data manager offers this order too;
        # measured after the RSS rows since its per-request sort leaves memory behind
        url = "/api/tasks?page=1&page_size=10&order=-has_cancelled_completions"
        samples = measure_get(client, lambda i: url, REPEAT["extra_page"], url, warmup=2)
        latency_row(report, size, "(extra) GET /api/tasks order=-has_cancelled...",
                    samples, "page", extra=True)

        # imports go into this sized project: the expensive case when an import costs what
        # the project holds rather than what it adds
        client = Client(port)
        one_body = orjson.dumps([{"data": {"image": f"http://example.com/new/{i}.jpg"}}
                                 for i in range(IMPORT_ONE)])
        t = time.perf_counter()
        status, body = client.request("POST", "/api/project/import", one_body)
        import_one = time.perf_counter() - t
        check(status, body, 201, "import 100k")
        server_side = orjson.loads(body).get("duration")
        report.row(size, f"import {IMPORT_ONE:,} tasks in 1 request", import_one,
                   f"{import_one:.2f} s", "import_one",
                   note=f'the answer\'s "duration": {server_side:.2f} s' if server_side else "")

        n_req, per_req = IMPORT_MANY
        many_bodies = [orjson.dumps([{"data": {"image": f"http://example.com/b{r}/{i}.jpg"}}
                                     for i in range(per_req)]) for r in range(n_req)]
        request_times = []
        t = time.perf_counter()
        for many_body in many_bodies:
            t1 = time.perf_counter()
            status, body = client.request("POST", "/api/project/import", many_body)
            request_times.append(time.perf_counter() - t1)
            check(status, body, 201, "import 1k")
            if time.perf_counter() - t > import_budget:
                break
        import_many = time.perf_counter() - t
        done = len(request_times)
        note = (f"first {request_times[0] * 1000:.0f} ms, "
                f"last {request_times[-1] * 1000:.0f} ms per request")
        shown = f"{import_many:.2f} s"
        if done < n_req:
            # over the time budget: the rest would cost at least what the last one did
            import_many += (n_req - done) * request_times[-1]
            shown = f">= {import_many:.1f} s (extrapolated)"
            note = f"stopped after {done} requests ({done * per_req:,} tasks) in " \
                   f"{sum(request_times):.1f} s; " + note
        report.row(size, f"import {n_req * per_req:,} tasks in {n_req} requests of {per_req:,}",
                   import_many, shown, "import_many", note=note)
        status, body = client.request("GET", "/api/project")
        check(status, body, what="GET /api/project")
        count = orjson.loads(body)["task_count"]
        expected = size + IMPORT_ONE + done * per_req
        print(f"  {'task count after the imports (into this project)':<50} {count:,}"
              + ("" if count == expected else f"   !! expected {expected:,}"))
        rss_after = rss_mb(proc.pid)
        # the memory target is for a project of `size` tasks; this one now holds `count`
        report.row(size, "server RSS after the imports", rss_after, f"{rss_after:.0f} MB",
                   note=f"{count:,} tasks, {rss_after * 1024 * 1024 / count:.0f} B per task; "
                        f"the memory target is for {size:,}")
    except Exception:
        traceback.print_exc()
        print(f"  !! benchmark for {size:,} tasks failed; server log tail:\n{server_log(proc)}")
        report.misses.append(f"{size:,} tasks: benchmark failed (see above)")
    finally:
        stop_server(proc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated task counts (default 100000,1000000)")
    parser.add_argument("--quick", action="store_true", help="smoke run on 10k tasks only")
    parser.add_argument("--workdir", default=None,
                        help="folder for the projects (kept afterwards); default a temp dir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true",
                        help="with --workdir: reuse a project an earlier run built (the imports "
                             "of that run stay in it)")
    parser.add_argument("--import-budget", type=float, default=45.0,
                        help="seconds after which the 100 x 1k import stops and the rest is "
                             "extrapolated from the last request (default 45)")
    args = parser.parse_args()
    try:
        sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        print(f"bad --sizes {args.sizes!r}; using 100000,1000000")
        sizes = [100_000, 1_000_000]
    workdir = args.workdir or tempfile.mkdtemp(prefix="ls-bench-core-")
    os.makedirs(workdir, exist_ok=True)
    print(f"label-studio core benchmark: Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, sizes {', '.join(f'{s:,}' for s in sizes)}; "
          f"latency targets are checked on the median; load average {os.getloadavg()[0]:.2f}",
          flush=True)
    compile_package()
    report = Report()
    started = time.perf_counter()
    crashed = False
    try:
        for size in sizes:
            bench_size(size, workdir, report, random.Random(args.seed), args.import_budget,
                       args.reuse)
    except Exception:
        traceback.print_exc()
        crashed = True
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s; "
          f"load average now {os.getloadavg()[0]:.2f} (other work on the machine skews the "
          "figures, fsync-bound ones most).")
    if report.misses:
        print(f"{len(report.misses)} MISS:")
        for miss in report.misses:
            print(f"  - {miss}")
    elif crashed:
        print("The run stopped early (traceback above): the figures are incomplete.")
    else:
        print("All targets met.")
    if report.extra_misses:
        print("Outside the acceptance list:")
        for miss in report.extra_misses:
            print(f"  - {miss}")
    return 0


if __name__ == "__main__":
    run_never_failing(main)

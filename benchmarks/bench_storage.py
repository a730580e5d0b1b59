"""Storage benchmark: a bucket source and the four targets, against the local servers the tests
use (moto's S3 server, gcp-storage-emulator, Azurite, redis-server; tests/storage_servers.py).

For each size N (keys of `imgs/*.jpg` in an S3 bucket, filled with 16 threads first):
  - first sync: a `label-studio start` server on a fresh project whose source is the bucket;
    seconds from its first answer until GET /api/project shows N tasks, and its resident
    memory then, above the same server idle (before the first sync);
  - incremental sync: 100 new keys put (named after the others), then
    Project.sync_storages(full=False) in this process: what the background thread does every
    storage_sync_interval seconds (a listing after the last known key), and the full
    re-listing it does every tenth time, with 100 more;
  - GET /api/tasks?page=P (10 tasks with presigned URLs) and GET /api/project/next, p50/p95;
and once, for each target type: POST /api/tasks/<id>/completions p50/p95 (the record is
durable locally when it answers), and the seconds until the last of them is in the target.
Targets: first sync of 100k keys <= 10 s, memory <= 100 MB above idle, incremental <= 2 s,
page and next <= 5 ms, completion POST <= 20 ms. The script exits 0.

    python benchmarks/bench_storage.py                 # 10k and 100k keys
    python benchmarks/bench_storage.py --sizes 10000   # one size
"""
import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from _util import (Client, percentile, rss_mb, run_never_failing, server_log,  # noqa: E402
                   spawn, stop_server, timed, wait_status, free_port)
from storage_servers import start_server  # noqa: E402

CONFIG = """<View><Image name="image" value="$image"/>
<Choices name="c" toName="image"><Choice value="A"/><Choice value="B"/></Choices></View>"""
TARGET_TYPES = {"s3": "s3-completions", "gcs": "gcs-completions",
                "azure": "azure-blob-completions", "redis": "redis-completions"}


def new_project(workdir, source=None, target=None):
    from label_studio.project_init import InitOptions, init_project
    path = os.path.join(workdir, f"proj-{uuid.uuid4().hex[:8]}")
    config_file = os.path.join(workdir, "config.xml")
    with open(config_file, "w") as f:
        f.write(CONFIG)
    init_project(path, InitOptions(label_config=config_file))
    with open(os.path.join(path, "config.json")) as f:
        config = json.load(f)
    config.update({k: v for k, v in (("source", source), ("target", target)) if v})
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f)
    return path


def fill(s3, bucket, first, count):
    def put(i):
        s3.put_object(Bucket=bucket, Key=f"imgs/{i:07d}.jpg", Body=b"\xff\xd8")
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(first, first + count)))


def start(project, env):
    port = free_port()
    proc = spawn([sys.executable, "-m", "label_studio", "start", project, "--port", str(port),
                  "--no-browser"], env=env)
    wait_status(port, "/api/health", proc)
    return proc, port


def summary(port):
    status, body = Client(port).request("GET", "/api/project")
    return json.loads(body) if status == 200 else {}


def latency(port, path, repeat=200):
    client = Client(port)
    samples = timed(lambda i: client.request("GET", path(i)), repeat)
    return percentile(samples, 0.5), percentile(samples, 0.95)


def bench_source(n, server, workdir, env):
    s3 = server.make_bucket(bucket := f"bench-{uuid.uuid4().hex[:8]}")
    started = time.perf_counter()
    fill(s3, bucket, 0, n)
    print(f"  filled {n} keys in {time.perf_counter() - started:.1f} s")
    source = {"name": "source", "type": "s3", "path": bucket,
              "params": {"prefix": "imgs/", "regex": r".*\.jpg", "use_blob_urls": True}}
    project = new_project(workdir, source=source)
    proc, port = start(project, env)
    try:
        idle = rss_mb(proc.pid)
        started = time.perf_counter()
        while summary(port).get("task_count") != n:  # the first request starts the sync
            if time.perf_counter() - started > 900:
                raise RuntimeError("sync did not finish in 15 min:\n" + server_log(proc))
            time.sleep(0.05)
        first = time.perf_counter() - started
        grown = rss_mb(proc.pid) - idle
        pages = max(1, n // 10)
        page = latency(port, lambda i: f"/api/tasks?page={1 + (i * 7919) % pages}&page_size=10")
        nxt = latency(port, lambda i: "/api/project/next")
    finally:
        stop_server(proc)
    from label_studio.project import Project
    opened = Project(project)
    opened.sync_storages()  # the in-process project catches up with the server's sync
    fill(s3, bucket, n, 100)
    started = time.perf_counter()
    opened.sync_storages(full=False)
    incremental = time.perf_counter() - started
    assert len(opened.task_ids()) == n + 100
    fill(s3, bucket, n + 100, 100)
    started = time.perf_counter()
    opened.sync_storages(full=True)
    relisted = time.perf_counter() - started
    assert len(opened.task_ids()) == n + 200
    return {"first sync s": first, "RSS above idle MB": grown,
            "incremental sync, 100 new keys s": incremental,
            "full re-listing, 100 new keys s": relisted,
            "page p50/p95 ms": page, "next p50/p95 ms": nxt}


def bench_target(kind, server, workdir, env, count=200):
    if kind == "redis":
        path, params = "bench", {"host": "127.0.0.1", "port": str(server.port), "db": 9}
    else:
        from test_storage_clients import make_bucket
        path, params = f"bench-{uuid.uuid4().hex[:8]}", {"prefix": "out"}
        make_bucket(kind, server, path)
    target = {"name": "target", "type": TARGET_TYPES[kind], "path": path, "params": params}
    project = new_project(workdir, target=target)
    proc, port = start(project, env)
    try:
        client = Client(port)
        client.request("POST", "/api/project/import",
                       [{"image": f"http://x/{i}.jpg"} for i in range(count)])
        body = {"result": [], "lead_time": 1}
        started = time.perf_counter()
        samples = timed(lambda i: client.request("POST", f"/api/tasks/{i}/completions", body),
                        count)
        while summary(port).get("target_pending", 1) != 0:
            if time.perf_counter() - started > 300:
                raise RuntimeError("records were not sent in 5 min:\n" + server_log(proc))
            time.sleep(0.02)
        drained = time.perf_counter() - started
    finally:
        stop_server(proc)
    return {"POST p50/p95 ms": (percentile(samples, 0.5), percentile(samples, 0.95)),
            f"{count} records in the target after s": drained}


def show(title, figures):
    print(title)
    for name, value in figures.items():
        text = "/".join(f"{v:.2f}" for v in value) if isinstance(value, tuple) else f"{value:.2f}"
        print(f"  {name:<36} {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--targets", nargs="+", default=list(TARGET_TYPES))
    args = parser.parse_args()
    servers = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-storage-") as workdir:
            servers["s3"] = start_server("s3")
            os.environ.update(servers["s3"].env)  # for the in-process incremental sync
            env = dict(os.environ)
            for n in args.sizes:
                show(f"S3 source, {n} keys", bench_source(n, servers["s3"], workdir, env))
            for kind in args.targets:
                if kind not in servers:
                    servers[kind] = start_server(kind)
                env = dict(os.environ, **servers[kind].env)
                show(f"{TARGET_TYPES[kind]} target", bench_target(kind, servers[kind], workdir, env))
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    run_never_failing(main)

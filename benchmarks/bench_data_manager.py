"""Data Manager benchmark: a tab's tasks page and delete_tasks at 100k tasks.

For each size it builds a project (benchmarks/_util.build_project: image tasks, 20% completed)
and, through the Flask test client in this process (no HTTP server, so the figures are the
server's own work), times:
  - page: GET /api/project/tabs/1/tasks with no filter (the TaskIndex fast path);
  - contains: the same with a `contains` filter on data.image (one pass over the tasks);
  - completed_at: ordered by -completed_at, no filter (the index again);
  - delete_tasks: POST /api/project/actions?id=delete_tasks on 10k selected ids (one write).
Best of --runs for the reads; the delete runs once on a fresh copy.

    python benchmarks/bench_data_manager.py                  # 100k
    python benchmarks/bench_data_manager.py --sizes 10000 100000 --runs 5
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import build_project  # noqa: E402

from label_studio.server import create_app  # noqa: E402


def best(runs, call):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return min(times), answer


def tab(client, **body):
    assert client.post("/api/project/tabs/1", json=body).status_code == 200


def bench(size, runs, workdir):
    path = os.path.join(workdir, f"dm-{size}")
    shutil.rmtree(path, ignore_errors=True)
    build_project(path, size)
    started = time.perf_counter()
    client = create_app(path).test_client()
    client.get("/api/project")
    print(f"\n{size} tasks (load {time.perf_counter() - started:.2f} s)")
    page = lambda: client.get("/api/project/tabs/1/tasks?page=1&page_size=30")  # noqa: E731
    seconds, _ = best(runs, page)
    print(f"  page, no filter             {seconds * 1000:8.1f} ms")
    tab(client, filters={"conjunction": "and", "items": [
        {"filter": "filters:tasks:data.image", "operator": "contains", "type": "String",
         "value": "/1"}]})
    seconds, answer = best(runs, page)
    print(f"  page, contains data.image   {seconds * 1000:8.1f} ms  "
          f"({answer.json['total']} match)")
    tab(client, filters={"conjunction": "and", "items": []}, ordering=["-tasks:completed_at"])
    seconds, answer = best(runs, page)
    print(f"  page, -completed_at         {seconds * 1000:8.1f} ms")
    selected = list(range(0, min(size, 20000), 2))[:10000]
    started = time.perf_counter()
    answer = client.post("/api/project/actions?id=delete_tasks",
                         json={"selectedItems": {"all": False, "included": selected}})
    seconds = time.perf_counter() - started
    assert answer.status_code == 200, answer.json
    print(f"  delete_tasks {len(selected)} selected {seconds * 1000:8.1f} ms  "
          f"({answer.json['detail']})")
    shutil.rmtree(path, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="ls-bench-dm-")
    for size in args.sizes:
        bench(size, args.runs, workdir)


if __name__ == "__main__":
    main()

"""Shared helpers for the benchmark scripts: project builders, a live server, HTTP timing."""
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time

import orjson

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BBOX_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car"/><Label value="Airplane"/><Label value="Person"/>
  </RectangleLabels>
</View>
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def completion(i):
    return {
        "lead_time": 2.5,
        "result": [{"id": f"r{i}", "from_name": "label", "to_name": "image",
                    "type": "rectanglelabels", "original_width": 640, "original_height": 480,
                    "value": {"x": 10.0, "y": 20.0, "width": 30.0, "height": 40.0,
                              "rotation": 0, "rectanglelabels": ["Car"]}}],
    }


def build_project(path, n_tasks, completed_share=0.2, seed=1):
    """Writes a project folder with n_tasks image tasks, a share of them completed."""
    from label_studio.settings import default_config
    os.makedirs(os.path.join(path, "completions"), exist_ok=True)
    with open(os.path.join(path, "config.json"), "wb") as f:
        f.write(orjson.dumps(default_config(), option=orjson.OPT_INDENT_2))
    with open(os.path.join(path, "config.xml"), "w") as f:
        f.write(BBOX_CONFIG)
    tasks = {str(i): {"id": i, "data": {"image": f"http://example.com/images/{i}.jpg"}}
             for i in range(n_tasks)}
    with open(os.path.join(path, "tasks.json"), "wb") as f:
        f.write(orjson.dumps(tasks))
    rng = random.Random(seed)
    done = rng.sample(range(n_tasks), int(n_tasks * completed_share))
    base = int(time.time()) - 86400
    for n, i in enumerate(done):
        c = completion(n)
        c.update(id=n + 1, created_at=base + n)
        record = {"id": i, "data": tasks[str(i)]["data"], "completions": [c]}
        with open(os.path.join(path, "completions", f"{i}.json"), "wb") as f:
            f.write(orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return done


class Client:
    """A keep-alive HTTP client; one per thread."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None):
        headers = {}
        if body is not None:
            body = body if isinstance(body, bytes) else orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        data = answer.read()
        return answer.status, data


def wait_for(port, timeout=120.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status, _ = Client(port).request("GET", "/api/health")
            if status == 200:
                return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError("server did not come up")


def start_server(project, port, extra=()):
    cmd = [sys.executable, "-m", "label_studio", "start", project, "--port", str(port),
           "--no-browser", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn, repeat):
    samples = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def describe(samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms"


def concurrent_rate(port, n_clients, per_client, make_request):
    """Requests per second with n_clients threads, each with its own connection."""
    errors = []

    def worker(k):
        client = Client(port)
        for i in range(per_client):
            status, _ = make_request(client, k, i)
            if status >= 400:
                errors.append(status)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    return n_clients * per_client / elapsed, errors


def dumps(value):
    return json.dumps(value)

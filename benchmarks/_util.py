"""Shared helpers for the benchmark scripts: project builders, a live server, HTTP timing."""
import http.client
import os
import random
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import orjson

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the checkout is benchmarked whether or not it is pip-installed, here and in the servers spawned
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
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


def image_url(i):
    return f"http://example.com/images/{i}.jpg"


def build_project(path, n_tasks, completed_share=0.2, seed=1):
    """Writes a project folder with n_tasks image tasks, a share of them completed."""
    from label_studio.settings import default_config
    os.makedirs(os.path.join(path, "completions"), exist_ok=True)
    with open(os.path.join(path, "config.json"), "wb") as f:
        f.write(orjson.dumps(default_config(), option=orjson.OPT_INDENT_2))
    with open(os.path.join(path, "config.xml"), "w") as f:
        f.write(BBOX_CONFIG)
    # written a chunk at a time: at 10M tasks a dict of them all would take gigabytes
    with open(os.path.join(path, "tasks.json"), "wb") as f:
        f.write(b"{")
        for start in range(0, n_tasks, 100_000):
            chunk = {str(i): {"id": i, "data": {"image": image_url(i)}}
                     for i in range(start, min(start + 100_000, n_tasks))}
            f.write((b"," if start else b"") + orjson.dumps(chunk)[1:-1])
        f.write(b"}")
    rng = random.Random(seed)
    done = rng.sample(range(n_tasks), int(n_tasks * completed_share))
    base = int(time.time()) - 86400
    for n, i in enumerate(done):
        c = completion(n)
        c.update(id=n + 1, created_at=base + n)
        record = {"id": i, "data": {"image": image_url(i)}, "completions": [c]}
        with open(os.path.join(path, "completions", f"{i}.json"), "wb") as f:
            f.write(orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return done


class Client:
    """A keep-alive HTTP client; one per thread. tls=True speaks HTTPS without verification."""

    def __init__(self, port, tls=False):
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=120,
                                                    context=context)
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    used = False

    def request(self, method, path, body=None):
        headers = {}
        if body is not None:
            body = body if isinstance(body, bytes) else orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            answer = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # a server may close a keep-alive connection left idle (gunicorn after 2 s);
            # like browsers and urllib3, reconnect once when the connection had been used
            self.conn.close()
            if not self.used:
                raise
            self.conn.request(method, path, body=body, headers=headers)
            answer = self.conn.getresponse()
        data = answer.read()
        self.used = True
        return answer.status, data


def compile_package():
    """Writes the bytecode of the installed label_studio package, as `pip install` does, so
    that a server start measures a start, not compiling the source: with
    PYTHONDONTWRITEBYTECODE=1 (set on some machines) an editable install never gets it, and
    each start compiled ~100 modules (restart at 100k: 0.32-0.37 s against 0.24-0.26 s)."""
    import compileall
    import label_studio
    compileall.compile_dir(os.path.dirname(label_studio.__file__), quiet=2)


def start_server(project, port, extra=()):
    cmd = [sys.executable, "-m", "label_studio", "start", project, "--port", str(port),
           "--no-browser", *extra]
    return spawn(cmd)


def spawn(cmd, env=None, cwd=None):
    """Starts a server process; its stderr goes to a temp file (a PIPE nobody drains can
    block a chatty server), readable with server_log(proc)."""
    log_file = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log_file, env=env, cwd=cwd)
    proc.log_file = log_file
    return proc


def server_log(proc, limit=4000):
    log_file = getattr(proc, "log_file", None)
    if log_file is None or log_file.closed:
        return ""
    log_file.seek(0)
    return log_file.read().decode("utf-8", "replace")[-limit:]


def wait_status(port, path="/api/project", proc=None, timeout=300.0, tls=False):
    """Polls until GET path answers 200; returns the seconds waited. Raises if proc dies."""
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{server_log(proc)}")
        try:
            status, _ = Client(port, tls=tls).request("GET", path)
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError(f"server did not answer 200 on {path} within {timeout:.0f} s")


def start_and_wait(project):
    """Starts a server on a free port; (process, port, seconds from spawn to the first 200)."""
    port = free_port()
    started = time.perf_counter()
    proc = start_server(project, port)
    try:
        wait_status(port, "/api/project", proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc, port, time.perf_counter() - started


def write_kernel_knob(path, value):
    """Writes a /proc file such as /proc/sys/vm/drop_caches; False when not allowed here."""
    try:
        with open(path, "w") as f:
            f.write(value)
        return True
    except OSError:
        return False


def stop_server(proc, timeout=15.0):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log_file = getattr(proc, "log_file", None)
    if log_file is not None:
        log_file.close()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child_pids(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def rss_tree_mb(pid):
    """Resident memory of a process and all its descendants (gunicorn: arbiter + worker)."""
    total = rss_mb(pid)
    for child in child_pids(pid):
        total += rss_tree_mb(child)
    return total


def timed(fn, repeat):
    samples = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def percentile(samples, share):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * share))]


def concurrent_rate(port, n_clients, per_client, make_request, tls=False):
    """Requests per second with n_clients threads, each with its own connection."""
    errors = []

    def worker(k):
        client = Client(port, tls=tls)
        for i in range(per_client):
            try:
                status, _ = make_request(client, k, i)
            except Exception as exc:  # a dropped connection must not pass for a fast one
                errors.append(repr(exc))
                client = Client(port, tls=tls)
                continue
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


def run_never_failing(main):
    """Runs a benchmark's main: figures are printed, a build never fails on them."""
    try:
        main()
    except Exception:
        traceback.print_exc()
    sys.exit(0)

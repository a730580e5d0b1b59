"""Import benchmark: big JSON and CSV files and many uploads, through the CLI and a live server.

Prints each figure beside its target with OK/MISS; always exits 0.

    python benchmarks/bench_import.py                  # 1M JSON tasks, 100k CSV rows, 1000 images
    python benchmarks/bench_import.py --quick          # a tenth of each
    python benchmarks/bench_import.py --workdir /tmp/lsb
    python benchmarks/bench_import.py --only json      # just the JSON figures (also csv,
                                                       # images, drop-folder; repeatable)

Figures:
* JSON, CLI: `label-studio import P tasks.json` in a subprocess, wall time (interpreter start
  included) and its peak resident memory;
* JSON, HTTP: the same file as a multipart upload to a running server, request time and the
  server's peak resident memory (VmHWM);
* CSV, HTTP and CLI: 100k rows of three columns;
* images, HTTP: 1000 JPEG files (about 10 kB each) in one multipart request;
* drop-in folder: what a request pays to notice (or not) a new file among 10,000.
"""
import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import orjson
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import compile_package, free_port, start_server, stop_server, wait_status  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from label_studio.project_init import InitOptions, init_project  # noqa: E402

IMAGE_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Choices name="label" toName="image"><Choice value="Cat"/><Choice value="Dog"/></Choices>
</View>
"""
TARGETS = {"json_cli_time": 3.0, "json_cli_memory": 500.0,      # issue 10
           "json_time": 10.0, "json_memory": 1536.0, "csv_time": 1.5}
PARTS = ("json", "csv", "images", "drop-folder")


def new_project(workdir, name):
    config = os.path.join(workdir, "config.xml")
    with open(config, "w") as f:
        f.write(IMAGE_CONFIG)
    path = os.path.join(workdir, name)
    shutil.rmtree(path, ignore_errors=True)
    init_project(path, InitOptions(label_config=config, force=True))
    with open(os.path.join(path, "config.json"), "rb") as f:
        settings = orjson.loads(f.read())
    settings["max_upload_size"] = 1024 ** 3
    with open(os.path.join(path, "config.json"), "wb") as f:
        f.write(orjson.dumps(settings))
    return path


def write_json_tasks(path, count, batch=10_000):
    """The compact JSON array of `count` tasks, written a batch at a time: the peak memory of
    `label-studio import` is read from ru_maxrss, which a child process starts from its
    parent's high-water mark, so this script must stay small."""
    with open(path, "wb") as f:
        f.write(b"[")
        for start in range(0, count, batch):
            tasks = [{"image": f"http://example.com/images/{i}.jpg", "source": "camera-2"}
                     for i in range(start, min(start + batch, count))]
            f.write((b"," if start else b"") + orjson.dumps(tasks)[1:-1])
        f.write(b"]")


def write_csv_rows(path, count):
    with open(path, "w") as f:
        f.write("image,label,score\n")
        for i in range(count):
            f.write(f"http://example.com/images/{i}.jpg,{'cat' if i % 2 else 'dog'},{i / 7:.4f}\n")


def jpeg(i):
    noise = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def multipart(files):
    """(body, content type) for [(file name, bytes)], one part each, in order."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode())
        parts.append(content)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(port, body, content_type):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("POST", "/api/project/import", body=body,
                       headers={"Content-Type": content_type})
    answer = connection.getresponse()
    data = answer.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if answer.status != 201:
        raise RuntimeError(f"import answered {answer.status}: {data[:300]!r}")
    return elapsed, orjson.loads(data)


def peak_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cli_import(project, *files):
    """(seconds, peak MB) of `label-studio import` in a subprocess."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "label_studio", "import", "--quiet",
                                project, *files], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    out, err = process.communicate()
    if status != 0:
        raise RuntimeError(f"label-studio import failed: {err.decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


def with_server(project, work):
    port = free_port()
    server = start_server(project, port)
    try:
        wait_status(port, proc=server)
        return work(port, server.pid)
    finally:
        stop_server(server)


def row(label, value, unit, target_key=None):
    line = f"  {label:46} {value:10.2f} {unit}"
    if target_key:
        target = TARGETS[target_key]
        line += f"   target <= {target:g} {unit}   {'OK' if value <= target else 'MISS'}"
    print(line, flush=True)


def bench_json(workdir, count):
    print(f"JSON file with {count:,} tasks")
    source = os.path.join(workdir, "tasks.json")
    write_json_tasks(source, count)
    print(f"  {'file size':46} {os.path.getsize(source) / 2 ** 20:10.2f} MB")
    seconds, memory = cli_import(new_project(workdir, "json_cli"), source)
    row("label-studio import: wall time", seconds, "s", "json_cli_time")
    row("label-studio import: peak memory", memory, "MB", "json_cli_memory")
    with open(source, "rb") as f:
        body, content_type = multipart([("tasks.json", f.read())])

    def upload(port, pid):
        elapsed, answer = post(port, body, content_type)
        assert answer["task_count"] == count
        row("POST /api/project/import (multipart): time", elapsed, "s", "json_time")
        row("server peak memory", peak_mb(pid), "MB", "json_memory")

    with_server(new_project(workdir, "json_http"), upload)


def bench_csv(workdir, count):
    print(f"CSV file with {count:,} rows")
    source = os.path.join(workdir, "rows.csv")
    write_csv_rows(source, count)
    with open(source, "rb") as f:
        body, content_type = multipart([("rows.csv", f.read())])

    def upload(port, pid):
        elapsed, answer = post(port, body, content_type)
        assert answer["task_count"] == count
        row("POST /api/project/import (multipart): time", elapsed, "s", "csv_time")

    with_server(new_project(workdir, "csv_http"), upload)
    seconds, _ = cli_import(new_project(workdir, "csv_cli"), source)
    row("label-studio import: wall time (with start-up)", seconds, "s")


def bench_images(workdir, count):
    print(f"{count:,} image files in one multipart request")
    files = [(f"photo_{i:05}.jpg", jpeg(i)) for i in range(count)]
    body, content_type = multipart(files)
    print(f"  {'request size':46} {len(body) / 2 ** 20:10.2f} MB")

    def upload(port, pid):
        elapsed, answer = post(port, body, content_type)
        assert answer["task_count"] == count
        row("POST /api/project/import: time", elapsed, "s")
        row("per file", elapsed / count * 1000, "ms")

    project = new_project(workdir, "images_http")
    with_server(project, upload)
    stored = len(os.listdir(os.path.join(project, "upload")))
    print(f"  {'files in upload/':46} {stored:10d}")


def bench_drop_folder(workdir, count):
    print(f"drop-in folder of {count:,} JSON files (json-dir)")
    folder = os.path.join(workdir, "incoming")
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        with open(os.path.join(folder, f"{i:06}.json"), "wb") as f:
            f.write(orjson.dumps([{"image": f"http://example.com/{i}.jpg"}]))
    an_hour_ago = time.time() - 3600
    os.utime(folder, (an_hour_ago, an_hour_ago))
    config = os.path.join(workdir, "config.xml")
    path = os.path.join(workdir, "dropin")
    started = time.perf_counter()
    init_project(path, InitOptions(label_config=config, force=True, input_path=folder,
                                   input_format="json-dir"))
    row("init -i FOLDER --input-format json-dir", time.perf_counter() - started, "s")
    from label_studio.project import Project
    project = Project(path)
    project.task_ids()
    calls = 10_000
    started = time.perf_counter()
    for _ in range(calls):
        assert not project.drop_folder.changed()
    row("check per request, nothing new", (time.perf_counter() - started) / calls * 1e6, "us")
    with open(os.path.join(folder, "new.json"), "wb") as f:
        f.write(orjson.dumps([{"image": "http://example.com/new.jpg"}]))
    started = time.perf_counter()
    count_after = len(project.task_ids())
    row("request after one new file (rescan + import)", time.perf_counter() - started, "s")
    assert count_after == count + 1
    started = time.perf_counter()
    project.task_ids()
    # the folder's mtime is too recent to trust for 2 s: requests rescan (and find nothing)
    row("request within 2 s of a change (rescan)", time.perf_counter() - started, "s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of each size")
    parser.add_argument("--workdir", help="folder for the projects (default: a temp folder)")
    parser.add_argument("--only", action="append", choices=PARTS,
                        help="run just this part (repeat for several); default: all")
    args = parser.parse_args()
    parts = set(args.only or PARTS)
    scale = 10 if args.quick else 1
    workdir = args.workdir or tempfile.mkdtemp(prefix="ls-bench-import-")
    os.makedirs(workdir, exist_ok=True)
    compile_package()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workdir {workdir}")
    try:
        if "json" in parts:
            bench_json(workdir, 1_000_000 // scale)
        if "csv" in parts:
            bench_csv(workdir, 100_000 // scale)
        if "images" in parts:
            bench_images(workdir, 1_000 // scale)
        if "drop-folder" in parts:
            bench_drop_folder(workdir, 10_000 // scale)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

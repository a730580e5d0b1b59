"""Export benchmark: JSON and COCO exports of projects with 20k and 200k completed tasks.

For each size it builds two project folders (every task completed, one box per completion):
one whose tasks point at remote http URLs (JSON, and COCO without images), and one whose
tasks point at /data/upload/<name> files, small 640x480 JPEGs in its upload/ folder, as a
user's uploads are (COCO+img: COCO with every image in the zip). The images are a few
distinct files generated once with Pillow and hard-linked per task, so building is fast.
Then, in a fresh process per format, it opens the project and measures:
  - iterate: reading every task through Project.iter_tasks alone (the floor for any format);
    with --cold, the page cache is dropped first (as root), so this is the first pass over
    the records after a reboot;
  - export: exporting.export_project, the work behind GET /api/project/export (zip kept in
    export/, fsynced), best of the runs;
  - cpu: processor seconds of the export (its process and the zip writer it starts) in the
    fastest run; above the export's seconds when two cores shared the work;
  - heap: the peak of Python allocations during one export (tracemalloc), and
  - rss: how far the process's peak resident memory rose above its size before that export;
    writer: the peak resident memory of the zip writer process (0 when it ran in-process).
Flat memory means heap and rss stay about the same from 20k to 200k. Figures are printed
beside the targets (TARGETS: at 20k JSON <= 0.5 s, COCO <= 1 s, COCO+img <= 1.5 s; at 200k
JSON <= 2 s, COCO <= 3 s, COCO+img <= 12 s) with OK/MISS; the script exits 0.

    python benchmarks/bench_export.py                 # 20k and 200k
    python benchmarks/bench_export.py --quick         # 2k smoke run
    python benchmarks/bench_export.py --sizes 20000 --runs 5 --workdir /tmp/lse
    python benchmarks/bench_export.py --formats COCO+img   # only COCO with the images
    python benchmarks/bench_export.py --sizes 200000 --formats JSON --cold --workdir /tmp/lse
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _util import (BBOX_CONFIG, build_project, completion, run_never_failing,  # noqa: E402
                   write_kernel_knob)

# (name shown, export format, project kind)
RUNS = (("JSON", "JSON", "remote"), ("COCO", "COCO", "remote"), ("COCO+img", "COCO", "upload"))
TARGETS = {("JSON", 20_000): 0.5, ("COCO", 20_000): 1.0, ("COCO+img", 20_000): 1.5,
           ("JSON", 200_000): 2.0, ("COCO", 200_000): 3.0, ("COCO+img", 200_000): 12.0}
DISTINCT_IMAGES = 64     # hard links per file stay far below the file system's limit
IMAGE_SIZE = (640, 480)  # what the completions' original_width/original_height say


def make_images(folder):
    """DISTINCT_IMAGES small JPEGs of smooth random texture, about 11 kB each; their paths.

    Photo-like content: deflate gains only about 15% on them (flat drawings would shrink
    by half, which real photos never do).
    """
    import random

    from PIL import Image
    os.makedirs(folder, exist_ok=True)
    paths = []
    for n in range(DISTINCT_IMAGES):
        rng = random.Random(n)
        grid = (8, 6)
        noise = bytes(rng.randrange(256) for _ in range(grid[0] * grid[1] * 3))
        image = Image.frombytes("RGB", grid, noise).resize(IMAGE_SIZE, Image.BICUBIC)
        path = os.path.join(folder, f"source-{n}.jpg")
        image.save(path, "JPEG", quality=30)
        paths.append(path)
    return paths


def build_upload_project(path, n_tasks, seed=1):
    """Like build_project with every task completed, but each task's image is an uploaded
    file: data.image = /data/upload/<name>, upload/<name> a hard link to a small JPEG."""
    import random

    import orjson
    from label_studio.settings import default_config
    sources = make_images(path + "-sources")
    for folder in ("completions", "upload"):
        os.makedirs(os.path.join(path, folder), exist_ok=True)
    with open(os.path.join(path, "config.json"), "wb") as f:
        f.write(orjson.dumps(default_config(), option=orjson.OPT_INDENT_2))
    with open(os.path.join(path, "config.xml"), "w") as f:
        f.write(BBOX_CONFIG)
    names = [f"{i:06x}-photo{i}.jpg" for i in range(n_tasks)]
    tasks = {str(i): {"id": i, "data": {"image": f"/data/upload/{names[i]}"}}
             for i in range(n_tasks)}
    with open(os.path.join(path, "tasks.json"), "wb") as f:
        f.write(orjson.dumps(tasks))
    for i, name in enumerate(names):
        os.link(sources[i % len(sources)], os.path.join(path, "upload", name))
    order = random.Random(seed).sample(range(n_tasks), n_tasks)
    base = int(time.time()) - 86400
    for n, i in enumerate(order):
        c = completion(n)
        c.update(id=n + 1, created_at=base + n)
        record = {"id": i, "data": tasks[str(i)]["data"], "completions": [c]}
        with open(os.path.join(path, "completions", f"{i}.json"), "wb") as f:
            f.write(orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def proc_status(key, pid="self"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(path, export_format, runs):
    """Runs in a child process: the figures of one format on one project, as a dict."""
    from label_studio.exporting import export_project
    from label_studio.project import Project

    watch_writer()
    started = time.perf_counter()
    project = Project(path)
    opened = time.perf_counter() - started
    started = time.perf_counter()
    count = sum(1 for _ in project.iter_tasks())
    iterate = time.perf_counter() - started
    times, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), cpu_seconds()
        result = export_project(project, export_format)
        times.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
        zip_size = os.path.getsize(result.path)
        os.unlink(result.path)
    rss_before = proc_status("VmRSS")
    can_reset = write_kernel_knob("/proc/self/clear_refs", "5")  # resets VmHWM
    tracemalloc.start()
    os.unlink(export_project(project, export_format).path)
    heap_peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    rss_rise = proc_status("VmHWM") - rss_before if can_reset else float("nan")
    return {"format": export_format, "tasks": count, "open_s": opened, "iterate_s": iterate,
            "export_s": min(times), "runs": [round(t, 3) for t in times],
            "cpu_s": cpus[times.index(min(times))], "heap_peak_mb": heap_peak,
            "rss_rise_mb": rss_rise, "rss_mb": rss_before,
            "writer_rss_mb": max(WRITER_PEAKS, default=0.0),
            "zip_mb": zip_size / 2 ** 20}


WRITER_PEAKS = []


def watch_writer():
    """Notes the zip writer process's peak resident memory as it finishes its zip."""
    try:
        from label_studio.converters import zip_process
    except ImportError:   # a checkout that writes zips in-process
        return
    finish = zip_process.ZipProcess.finish

    def noting_finish(self):
        self._send()
        WRITER_PEAKS.append(proc_status("VmHWM", self._child.pid))
        return finish(self)
    zip_process.ZipProcess.finish = noting_finish


def cpu_seconds():
    """User and system time of this process and of its children that ended."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_child(path, export_format, runs):
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", path,
                           export_format, "--runs", str(runs)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def verdict(size, name, figures):
    target = TARGETS.get((name, size))
    if target is None:
        return ""
    return f"target <= {target} s: {'OK' if figures['export_s'] <= target else 'MISS'}"


def project_path(workdir, size, kind):
    path = os.path.join(workdir, f"p{size}" if kind == "remote" else f"p{size}-{kind}")
    if not os.path.isdir(path):
        started = time.perf_counter()
        if kind == "remote":
            build_project(path, size, completed_share=1.0)
        else:
            build_upload_project(path, size)
        print(f"  (built {os.path.basename(path)} in {time.perf_counter() - started:.1f} s)")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--quick", action="store_true", help="one 2k project")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--formats", nargs="+", default=[name for name, _, _ in RUNS],
                        choices=[name for name, _, _ in RUNS], help="which exports to measure")
    parser.add_argument("--cold", action="store_true",
                        help="drop the page cache before each format (needs root)")
    parser.add_argument("--child", nargs=2, metavar=("PROJECT", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.runs)))
        return
    sizes = [2_000] if args.quick else args.sizes
    workdir = args.workdir or tempfile.mkdtemp(prefix="ls-bench-export-")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workdir {workdir}")
    print(f"{'tasks':>8} {'format':8} {'open':>7} {'iterate':>8} {'export':>8} {'cpu':>7} "
          f"{'heap peak':>10} {'rss rise':>9} {'writer':>8} {'zip':>9}")
    all_figures = []
    try:
        for size in sizes:
            for name, export_format, kind in (run for run in RUNS if run[0] in args.formats):
                path = project_path(workdir, size, kind)
                if args.cold:
                    os.sync()
                    if not write_kernel_knob("/proc/sys/vm/drop_caches", "3\n"):
                        print("  (--cold: cannot drop the page cache, not root)")
                figures = run_child(path, export_format, args.runs)
                if figures is None:
                    print(f"{size:>8} {name:8} failed")
                    continue
                figures["name"] = name
                all_figures.append(figures)
                print(f"{size:>8} {name:8} {figures['open_s']:>6.2f}s "
                      f"{figures['iterate_s']:>7.2f}s {figures['export_s']:>7.2f}s "
                      f"{figures['cpu_s']:>6.2f}s {figures['heap_peak_mb']:>8.1f}MB "
                      f"{figures['rss_rise_mb']:>7.1f}MB {figures['writer_rss_mb']:>6.1f}MB "
                      f"{figures['zip_mb']:>7.1f}MB  {verdict(size, name, figures)}")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(all_figures))


if __name__ == "__main__":
    run_never_failing(main)

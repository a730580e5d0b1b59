"""Export benchmark: JSON and COCO exports of projects with 20k and 200k completed tasks.

For each size it builds a project folder (every task completed, one box per completion),
then, in a fresh process per format, opens the project and measures:
  - iterate: reading every task through Project.iter_tasks alone (the floor for any format);
  - export: exporting.export_project, the work behind GET /api/project/export (zip kept in
    export/, fsynced), best of the runs;
  - heap: the peak of Python allocations during one export (tracemalloc), and
  - rss: how far the process's peak resident memory rose above its size before that export.
Flat memory means heap and rss stay about the same from 20k to 200k. Figures are printed
beside the targets (at 20k: JSON <= 0.5 s, COCO <= 1 s) with OK/MISS; the script exits 0.

    python benchmarks/bench_export.py                 # 20k and 200k
    python benchmarks/bench_export.py --quick         # 2k smoke run
    python benchmarks/bench_export.py --sizes 20000 --runs 5 --workdir /tmp/lse
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _util import build_project, write_kernel_knob  # noqa: E402

FORMATS = ("JSON", "COCO")
TARGETS_AT_20K = {"JSON": 0.5, "COCO": 1.0}


def proc_status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(path, export_format, runs):
    """Runs in a child process: the figures of one format on one project, as a dict."""
    from label_studio.exporting import export_project
    from label_studio.project import Project

    started = time.perf_counter()
    project = Project(path)
    opened = time.perf_counter() - started
    started = time.perf_counter()
    count = sum(1 for _ in project.iter_tasks())
    iterate = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = export_project(project, export_format)
        times.append(time.perf_counter() - started)
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
            "heap_peak_mb": heap_peak, "rss_rise_mb": rss_rise, "rss_mb": rss_before,
            "zip_mb": zip_size / 2 ** 20}


def run_child(path, export_format, runs):
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", path,
                           export_format, "--runs", str(runs)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def verdict(size, figures):
    target = TARGETS_AT_20K.get(figures["format"]) if size == 20_000 else None
    if target is None:
        return ""
    return f"target <= {target} s: {'OK' if figures['export_s'] <= target else 'MISS'}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--quick", action="store_true", help="one 2k project")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--child", nargs=2, metavar=("PROJECT", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.runs)))
        return
    sizes = [2_000] if args.quick else args.sizes
    workdir = args.workdir or tempfile.mkdtemp(prefix="ls-bench-export-")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, workdir {workdir}")
    print(f"{'tasks':>8} {'format':6} {'open':>7} {'iterate':>8} {'export':>8} {'heap peak':>10} "
          f"{'rss rise':>9} {'zip':>8}")
    all_figures = []
    try:
        for size in sizes:
            path = os.path.join(workdir, f"p{size}")
            if not os.path.isdir(path):
                build_project(path, size, completed_share=1.0)
            for export_format in FORMATS:
                figures = run_child(path, export_format, args.runs)
                if figures is None:
                    print(f"{size:>8} {export_format:6} failed")
                    continue
                all_figures.append(figures)
                print(f"{size:>8} {export_format:6} {figures['open_s']:>6.2f}s "
                      f"{figures['iterate_s']:>7.2f}s {figures['export_s']:>7.2f}s "
                      f"{figures['heap_peak_mb']:>8.1f}MB {figures['rss_rise_mb']:>7.1f}MB "
                      f"{figures['zip_mb']:>6.1f}MB  {verdict(size, figures)}")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(all_figures))


if __name__ == "__main__":
    main()

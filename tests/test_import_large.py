"""Large imports: a JSON array parsed in parts, tasks checked in place, repeated values shared,
the CLI's JSON files checked in a first pass and streamed to the project in a second.

These are memory and speed measures (benchmarks/bench_import.py); the tests pin that they
change nothing a user sees: the same tasks, the same errors.
"""
import gc
import json
import os
import random
import subprocess
import sys

import orjson
import pytest
from click.testing import CliRunner

from conftest import make_project
from label_studio import jsonio
from label_studio.cli import main
from label_studio.errors import ValidationError
from label_studio.importers import ImportBatch, ImportLimits, streamed, validate_tasks
from label_studio.importers.streamed import StreamedTasks, streamable
from label_studio.importers.validation import SHARE_SAMPLE, _normalize, _DataChecker
from label_studio.label_config import parse_label_config

IMAGE_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Choices name="c" toName="image"><Choice value="A"/></Choices>
</View>"""
TABLE_CONFIG = """<View>
  <Table name="table" value="$table"/>
  <Text name="text" value="$text"/>
</View>"""
LIMITS = ImportLimits(max_upload_size=1 << 30, max_tasks=10_000_000, max_unpacked_size=1 << 30)


def outcome(function, *args):
    try:
        return "value", function(*args)
    except ValueError as exc:
        return "error", str(exc)


def odd_documents():
    """Arrays whose '},{' are inside strings or nested values, and broken or legacy JSON."""
    rng = random.Random(3)
    documents = []
    for _ in range(60):
        items = []
        for i in range(rng.randint(1, 40)):
            kind = rng.random()
            if kind < 0.3:
                items.append({"t": "},{" * rng.randint(1, 3), "n": [{"a": 1}, {"b": "} , {"}]})
            elif kind < 0.5:
                items.append({"x": i, "y": {"z": [{}, {}]}})
            elif kind < 0.6:
                items.append([{"a": 1}, {"b": 2}])
            elif kind < 0.7:
                items.append('s"},{"x')
            else:
                items.append({"image": f"http://x/{i}.jpg", "s": "\\\"},{\""})
        text = json.dumps(items, indent=rng.choice([None, 1, 2]),
                          separators=rng.choice([None, (",", ":")]))
        documents += [text, text[:-1], text + " x", text.replace("1", "NaN", 1),
                      "\ufeff" + text, " \r\n\t" + text, '{"a": [{"b": 1}, {"c": 2}]}',
                      text.replace("1", "123456789012345678901234567890", 1)]
    return [d.encode() for d in documents]


@pytest.mark.parametrize("part_size", [1, 7, 64, 1 << 20])
def test_parsing_in_parts_gives_the_value_and_the_error_of_one_parse(part_size):
    for document in odd_documents():
        assert outcome(jsonio.loads_large, document, part_size) == \
            outcome(jsonio.loads, document), document[:120]


@pytest.mark.parametrize("part_size", [1, 7, 64, 1 << 20])
def test_parsing_part_by_part_gives_the_parts_of_the_value(part_size):
    def joined(document):
        parts = list(jsonio.loads_in_parts(document, part_size))
        if len(parts) == 1 or all(type(part) is list for part in parts):
            return parts[0] if len(parts) == 1 else [item for part in parts for item in part]
        raise AssertionError("a value that is not a list among several")

    for document in odd_documents():
        assert json.dumps(outcome(joined, document)) == \
            json.dumps(outcome(jsonio.loads_large, document, part_size)), document[:120]


def parts_parsed(monkeypatch):
    sizes = []
    real = orjson.loads
    monkeypatch.setattr(jsonio.orjson, "loads", lambda data: sizes.append(len(data)) or real(data))
    return sizes


@pytest.mark.parametrize("option", [0, orjson.OPT_INDENT_2])
def test_a_large_array_is_parsed_in_parts(monkeypatch, option):
    sizes = parts_parsed(monkeypatch)
    tasks = [{"image": f"http://example.com/{i}.jpg", "n": i} for i in range(5000)]
    document = orjson.dumps(tasks, option=option)
    assert jsonio.loads_large(document, part_size=1000) == tasks
    assert jsonio.loads_large(bytearray(document), part_size=1000) == tasks
    assert len(sizes) > 100 and max(sizes) < 2000


def test_tasks_with_nested_objects_are_cut_between_tasks(monkeypatch):
    sizes = parts_parsed(monkeypatch)
    tasks = [{"data": {"image": f"http://x/{i}.jpg"}, "predictions": [{"result": [
        {"from_name": "c", "value": {"choices": ["A"]}}, {"from_name": "c", "value": {}}]}]}
        for i in range(2000)]
    document = orjson.dumps(tasks)
    assert jsonio.loads_large(document, part_size=4096) == tasks
    assert len(sizes) > 50 and sum(sizes) < len(document) * 1.1   # no part parsed twice


def test_checking_in_place_turns_the_list_of_items_into_the_tasks():
    label_config = parse_label_config(IMAGE_CONFIG)
    items = [{"image": "a"}, {"data": {"image": "b"}, "id": 7, "meta": None,
                              "predictions": [{"result": []}]}]
    tasks = validate_tasks(items, label_config, in_place=True)
    assert tasks is items
    assert tasks == [{"data": {"image": "a"}},
                     {"data": {"image": "b"}, "predictions": [{"result": []}]}]

    items = [{"image": "a"}]
    tasks = validate_tasks(items, label_config)
    assert tasks is not items and items == [{"image": "a"}]


@pytest.mark.parametrize("config", [IMAGE_CONFIG, TABLE_CONFIG, "<View></View>"])
def test_the_inline_check_agrees_with_the_item_by_item_one(config):
    """Bare items of plain strings take a shortcut; any other item the general way: the
    tasks and the messages must be those of the general way for every item."""
    label_config = parse_label_config(config)
    checker = _DataChecker(label_config)
    values = ["s", "", 1, True, None, 2.5, [], [{"text": "x"}], {"k": 1}, "$undefined$"]
    rng = random.Random(11)
    for _ in range(300):
        item = {key: rng.choice(values) for key in ("image", "table", "text", "$undefined$",
                                                    "data", "other") if rng.random() < 0.5}
        if "data" in item and rng.random() < 0.7:
            item["data"] = {key: rng.choice(values) for key in ("image", "table", "text")}
        try:
            expected = ("task", _normalize(json.loads(json.dumps(item)), checker))
        except Exception as exc:  # the checker's own error type
            expected = ("error", str(exc))
        try:
            expected_answer = ("task", validate_tasks([item], label_config)[0])
        except ValidationError as exc:
            expected_answer = ("error", exc.detail[0].split(": ", 1)[1].rsplit(" :: ", 1)[0])
        assert expected_answer == expected, item


@pytest.mark.parametrize("wrapped", [False, True])
def test_equal_repeated_strings_become_one_object(wrapped):
    label_config = parse_label_config(IMAGE_CONFIG)
    count = SHARE_SAMPLE * 3
    items = [{"image": f"http://x/{i}.jpg", "source": f"camera-{i % 3}",
              "flag": 1 if i % 2 else True} for i in range(count)]
    document = orjson.dumps([{"data": item} for item in items] if wrapped else items)
    tasks = validate_tasks(jsonio.loads_large(document, part_size=4096), label_config,
                           in_place=True)
    assert tasks == [{"data": {"image": f"http://x/{i}.jpg", "source": f"camera-{i % 3}",
                               "flag": 1 if i % 2 else True}} for i in range(count)]
    sources = {id(task["data"]["source"]) for task in tasks}
    assert len(sources) == 3
    assert len({id(task["data"]["image"]) for task in tasks}) == count
    assert [type(task["data"]["flag"]) for task in tasks[:2]] == [bool, int]


def test_a_batch_hands_its_one_list_over(tmp_path):
    label_config = parse_label_config(IMAGE_CONFIG)
    path = tmp_path / "tasks.json"
    path.write_bytes(orjson.dumps([{"image": f"http://x/{i}.jpg"} for i in range(100)]))
    with ImportBatch(str(tmp_path), label_config, LIMITS) as batch:
        with open(path, "rb") as stream:
            batch.add_file("tasks.json", stream)
        items = batch.items
        tasks = batch.checked_tasks()
        assert tasks is items and batch.items == []
        assert tasks[5] == {"data": {"image": "http://x/5.jpg"}}


def test_two_files_keep_their_order_and_origins(tmp_path):
    label_config = parse_label_config(IMAGE_CONFIG)
    with ImportBatch(str(tmp_path), label_config, LIMITS) as batch:
        for name, count in (("a.json", 3), ("b.json", 2)):
            path = tmp_path / name
            path.write_bytes(orjson.dumps([{"image": f"{name}{i}"} for i in range(count)]))
            with open(path, "rb") as stream:
                batch.add_file(name, stream)
        assert batch.origin(3) == "b.json #1"
        assert [t["data"]["image"] for t in batch.checked_tasks()] == [
            "a.json0", "a.json1", "a.json2", "b.json0", "b.json1"]


def test_the_import_command_leaves_the_collector_as_it_found_it(tmp_path):
    project = str(tmp_path / "p")
    make_project(project, IMAGE_CONFIG)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(orjson.dumps([{"image": "a"}, {"image": "b"}]))
    bad.write_bytes(orjson.dumps([{"image": "a"}, {"text": "b"}]))
    runner = CliRunner()
    assert gc.isenabled()
    assert runner.invoke(main, ["import", project, str(good)]).exit_code == 0
    assert gc.isenabled()
    result = runner.invoke(main, ["import", project, str(bad)])
    assert result.exit_code == 1 and "Error at item 1 (" in result.output
    assert gc.isenabled()


# ---------------------------------------------------------------- streamed (two-pass) imports

def list_path(paths, limits=LIMITS, config=IMAGE_CONFIG):
    """What ImportBatch gives for these files: ("tasks", tasks, formats) or ("error", ...)."""
    label_config = parse_label_config(config)
    try:
        with ImportBatch(str(paths[0].parent), label_config, limits) as batch:
            for path in paths:
                with open(path, "rb") as stream:
                    batch.add_file(str(path), stream)
            return "tasks", batch.checked_tasks(), batch.formats_seen()
    except ValidationError as exc:
        return "error", exc.detail


def streamed_path(paths, limits=LIMITS, config=IMAGE_CONFIG, part_size=jsonio.PART_SIZE):
    """The same through StreamedTasks: pass 1 for each file, then the batches of pass 2."""
    tasks = StreamedTasks(parse_label_config(config), limits, part_size=part_size)
    try:
        for path in paths:
            tasks.add_file(str(path))
        tasks.finish()
    except ValidationError as exc:
        return "error", exc.detail
    count = len(tasks)
    told = []
    tasks.progress = told.append
    batches = list(tasks)
    assert sum(map(len, batches)) == count == sum(told)
    assert all(len(batch) == streamed.BATCH for batch in batches[:-1])
    assert 0 < len(batches[-1]) <= streamed.BATCH
    return "tasks", [task for batch in batches for task in batch], tasks.formats_seen()


def same_outcome(paths, **options):
    expected = list_path(paths, **{k: v for k, v in options.items() if k != "part_size"})
    got = streamed_path(paths, **options)
    # json.dumps: NaN from a legacy file equals itself there
    assert json.dumps(got) == json.dumps(expected)
    return got


def write(folder, name, value, **dump_options):
    path = folder / name
    path.write_bytes(value if isinstance(value, bytes) else json.dumps(value, **dump_options)
                     .encode())
    return path


def task_files(folder):
    rng = random.Random(5)
    bare = [{"image": f"http://x/{i}.jpg", "source": f"cam-{i % 3}", "n": i} for i in range(300)]
    bare[7] = {"$undefined$": "http://x/moved.jpg"}
    # a cut found inside: that part does not parse, the rest comes from one parse of the file
    bare[150] = {"image": "nested", "pad": "." * 1200, "alt": [{"a": 1}, {"image": "y"}]}
    full = []
    for i in range(200):
        task = {"data": {"image": f"http://y/{i}.jpg"}, "id": 1000 + i}
        if rng.random() < 0.6:
            task["predictions"] = [{"result": [{"from_name": "c", "to_name": "image",
                                                "value": {"choices": ["A"]}}],
                                    "score": rng.random()}, {"result": []}]
        if rng.random() < 0.3:
            task["completions"] = [{"result": [{"value": {"x": [{"y": 1}, {"z": "},{"}]}}]}]
        if rng.random() < 0.3:
            task["meta"] = {"k": [{"a": 1}, {"b": 2}]}
        if rng.random() < 0.1:
            task["predictions"] = None
        full.append(task)
    return [write(folder, "bare.json", bare),
            write(folder, "tasks.json", full, indent=2),
            write(folder, "one.json", {"data": {"image": "http://z/1.jpg"}, "meta": {"m": 1}}),
            write(folder, "empty.json", []),
            write(folder, "legacy.json", b'[{"image": "a", "v": NaN}, {"image": "b", '
                                         b'"big": 123456789012345678901234567890}]')]


@pytest.mark.parametrize("part_size", [64, 1000, jsonio.PART_SIZE])
def test_streamed_tasks_are_those_of_the_list_path(tmp_path, monkeypatch, part_size):
    monkeypatch.setattr(streamed, "BATCH", 7)
    files = task_files(tmp_path)
    kind, tasks, formats = same_outcome(files, part_size=part_size)
    assert len(tasks) == 300 + 200 + 1 + 2 and formats == {".json": 5}
    assert tasks[7] == {"data": {"image": "http://x/moved.jpg"}}
    assert "id" not in tasks[300] and tasks[300]["data"] == {"image": "http://y/0.jpg"}
    for single in files:
        if single.name != "empty.json":
            same_outcome([single], part_size=part_size)
    same_outcome(files[::-1], part_size=part_size)


def test_streamed_batches_are_a_few_thousand_tasks(tmp_path):
    path = write(tmp_path, "t.json", [{"image": str(i)} for i in range(12_345)])
    kind, tasks, _ = same_outcome([path, path])
    assert len(tasks) == 24_690 and tasks[12_345] == {"data": {"image": "0"}}


def error_cases(folder):
    good = [{"image": f"g{i}"} for i in range(40)]
    bad = [{"image": f"g{i}"} if i % 3 else {"text": i} for i in range(40)]
    many_bad = [{"text": i} for i in range(150)]
    cases = {
        "item errors in two files": [write(folder, "a.json", bad), write(folder, "b.json", bad)],
        "more than MAX_ERRORS": [write(folder, "c.json", good), write(folder, "d.json", many_bad)],
        "invalid JSON after errors": [write(folder, "e.json", many_bad),
                                      write(folder, "f.json", b'[{"image": "x"}, {"ima')],
        "invalid JSON late in a file": [write(folder, "g.json", bad + good),
                                        write(folder, "h.json", json.dumps(good + good).encode()
                                              [:-40] + b"}, ]")],
        "null": [write(folder, "i.json", good), write(folder, "j.json", b"null")],
        "a string": [write(folder, "k.json", b'"abc"')],
        "a number": [write(folder, "l.json", b"5")],
        "nothing": [write(folder, "m.json", []), write(folder, "n.json", b" [ ] ")],
        "an empty object": [write(folder, "o.json", {})],
        "not a dict": [write(folder, "p.json", good + [[1, 2], "s", None] + good)],
        "bad predictions": [write(folder, "q.json", [{"data": {"image": "x"},
                                                      "predictions": [{"res": 1}]}] * 3)],
        "a cut inside a nested value": [write(folder, "r.json", [
            {"image": "x", "pad": "." * 200, "alt": [{"a": 1}, {"image": "y"}]}
            for _ in range(30)]
            + [{"text": 1}])],
    }
    return cases


@pytest.mark.parametrize("part_size", [64, jsonio.PART_SIZE])
def test_streamed_errors_are_those_of_the_list_path(tmp_path, part_size):
    for name, paths in error_cases(tmp_path).items():
        kind, *rest = same_outcome(paths, part_size=part_size)
        assert kind == "error", name


def test_streamed_imports_keep_max_tasks(tmp_path):
    limits = ImportLimits(max_upload_size=1 << 30, max_tasks=50, max_unpacked_size=1 << 30)
    files = [write(tmp_path, f"{n}.json", [{"image": str(i)} if i % 5 else {"x": 1}
                                           for i in range(30)]) for n in range(3)]
    for paths in (files[:1], files[:2], files):
        same_outcome(paths, limits=limits, part_size=100)
    kind, detail = streamed_path(files[:2], limits=limits, part_size=100)
    assert detail == ["Maximum task number is 50, current task number is 60"]


def test_a_file_changed_between_the_passes_is_refused(tmp_path):
    path = write(tmp_path, "t.json", [{"image": f"{i:03}"} for i in range(500)])
    for change in ("size", "same size and time"):
        tasks = StreamedTasks(parse_label_config(IMAGE_CONFIG), LIMITS, part_size=256)
        tasks.add_file(str(path))
        tasks.finish()
        status = os.stat(path)
        content = path.read_bytes()
        if change == "size":
            path.write_bytes(content[:-1] + b',{"image": "x"}]')
        else:   # rewritten in place, its size and time put back: the check finds it
            with open(path, "r+b") as f:
                f.write(content.replace(b'"image"', b'"imagx"', 1))
            os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
        with pytest.raises(ValidationError) as caught:
            list(tasks)
        assert caught.value.detail == [f"{path} changed during the import; nothing was "
                                       "imported, try again"]
        path.write_bytes(content)


def test_only_local_json_task_lists_are_streamed(tmp_path, monkeypatch):
    assert streamable(["a.json", "b/C.JSON"])
    assert not streamable(["a.json", "b.csv"]) and not streamable(["a.zip"])
    assert not streamable([])
    finished = []
    real_finish = StreamedTasks.finish
    monkeypatch.setattr(StreamedTasks, "finish",
                        lambda self: finished.append(len(self)) or real_finish(self))
    project = make_project(str(tmp_path / "p"), IMAGE_CONFIG)
    json_file = write(tmp_path, "t.json", [{"image": "a"}, {"image": "b"}])
    (tmp_path / "t.csv").write_text("image\nc\n")
    runner = CliRunner()
    result = runner.invoke(main, ["import", project, str(json_file), str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    assert finished == []
    result = runner.invoke(main, ["import", project, str(json_file), str(json_file)])
    assert result.exit_code == 0, result.output
    assert finished == [4] and "(ids 3..6)" in result.output


def test_the_command_stores_and_refuses_as_before(tmp_path, monkeypatch):
    files = task_files(tmp_path)
    bad = error_cases(tmp_path)["invalid JSON after errors"]
    outputs = {}
    for way in ("streamed", "list"):
        if way == "list":
            monkeypatch.setattr(streamed, "streamable", lambda paths: False)
        project = make_project(str(tmp_path / way), IMAGE_CONFIG)
        good = CliRunner().invoke(main, ["import", project, *map(str, files)])
        refused = CliRunner().invoke(main, ["import", project, *map(str, bad)])
        assert refused.exit_code == 1
        with open(os.path.join(project, "tasks.json"), "rb") as f:
            outputs[way] = (good.exit_code, good.output.replace(project, "P"), refused.output,
                            f.read())
    assert outputs["streamed"] == outputs["list"]


def test_a_streamed_import_on_a_terminal_shows_both_bars(tmp_path):
    from test_import_cli import run_in_terminal
    project = make_project(str(tmp_path / "p"), IMAGE_CONFIG)
    path = write(tmp_path, "t.json", [{"image": "a"}, {"image": "b"}])
    code, output = run_in_terminal(["import", project, str(path)])
    assert code == 0, output
    assert "Reading" in output and "Checking" in output and "Imported 2 tasks" in output


CHILD = """
import atexit, sys
def peak():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) // 1024 for l in f if l.startswith("VmHWM:"))
import label_studio.importers.streamed as streamed
import label_studio.project as project
import label_studio.storage.tasks_json as tasks_json
tasks_json.TasksJson._save_map = lambda self, ids: None
if sys.argv[1] == "list":
    streamed.streamable = lambda paths: False
imported = project.Project.import_tasks
def measured(self, *args, **kwargs):
    answer = imported(self, *args, **kwargs)
    print("PEAK", start, peak(), file=sys.stderr)
    return answer
project.Project.import_tasks = measured
from label_studio.cli import main
start = peak()
main(["import", "--quiet", *sys.argv[2:]], prog_name="label-studio")
"""


def test_a_streamed_import_peaks_well_below_the_list_path(tmp_path):
    """The peak of the import itself: VmHWM once Project.import_tasks returns (a child's
    ru_maxrss would start from this test process's high-water mark), without source.json,
    derived data that the store writes from a thread, the same for both ways, whose peak
    would land before or after that moment."""
    path = tmp_path / "tasks.json"
    with open(path, "wb") as f:
        for start in range(0, 200_000, 20_000):
            f.write(b"," if start else b"[")
            f.write(orjson.dumps([{"image": f"http://example.com/{i}.jpg", "n": i}
                                  for i in range(start, start + 20_000)])[1:-1])
        f.write(b"]")
    growth = {}
    for way in ("list", "streamed"):
        project = make_project(str(tmp_path / way), IMAGE_CONFIG)
        done = subprocess.run([sys.executable, "-c", CHILD, way, project, str(path)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        start, peak = map(int, done.stderr.split("PEAK")[1].split())
        growth[way] = peak - start
    assert growth["streamed"] < 0.7 * growth["list"], growth

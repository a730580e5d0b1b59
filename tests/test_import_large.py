"""Large imports: a JSON array parsed in parts, tasks checked in place, repeated values shared.

These are memory and speed measures (benchmarks/bench_import.py); the tests pin that they
change nothing a user sees: the same tasks, the same errors.
"""
import gc
import json
import random

import orjson
import pytest
from click.testing import CliRunner

from conftest import make_project
from label_studio import jsonio
from label_studio.cli import main
from label_studio.errors import ValidationError
from label_studio.importers import ImportBatch, ImportLimits, validate_tasks
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

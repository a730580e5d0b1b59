"""The compact task store over tasks.json: odd legacy files, the persisted index, appends in
place under the undo journal, rewrites that copy untouched tasks byte for byte."""
import json
import os
import threading
import zlib

import pytest

from label_studio.storage import in_place, json_offsets, task_scan, task_store
from label_studio.storage.task_store import TaskStore
from label_studio.storage.tasks_json import TasksJson


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def served(store):
    return {task_id: task for task_id, task in store.items()}


def expected_from(text):
    """What json.loads makes of the file: object keys as ids (last wins), objects only."""
    out = {}
    for key, task in json.loads(text).items():
        if isinstance(task, dict):
            out[int(key)] = {**task, "id": int(key)}
    return dict(sorted(out.items()))


ODD = {
    "10": {"id": 999, "data": {"text": "quote \" brace } bracket ] colon : comma ,"}},
    "2": {"data": {"text": "\u00e9t\u00e9 \u2603 \\ backslash at end \\"}, "meta": {"0": {"1": [1, {"2": 3}]}}},
    "7": {"data": {"image": "/data/upload/a.jpg"}, "predictions": [{"score": 0.25, "result": []},
                                                                  {"score": 0.75, "result": []}]},
    "3": {},
    "1000000000000": {"data": {"n": [1.5, -2e10, None, True]}},
}


@pytest.mark.parametrize("indent", [None, 2, "\t"])
def test_odd_legacy_files_are_served_as_json_reads_them(tmp_path, indent):
    text = json.dumps(ODD, indent=indent, ensure_ascii=indent is None)
    path = str(tmp_path / "tasks.json")
    write(path, text)
    store = TaskStore(path, "tasks.json").open()
    assert store.warnings == []
    assert served(store) == expected_from(text)
    assert list(store) == [2, 3, 7, 10, 1000000000000]  # ids with gaps, in id order
    assert store[10]["id"] == 10  # the key wins over a stale "id" inside
    assert store.score_of(7) == 0.5 and store.score_of(2) is None
    assert store.key_counts() == {"text": 2, "image": 1, "n": 1}


def test_blocks_split_anywhere(tmp_path, monkeypatch):
    text = json.dumps(ODD, indent=2)
    path = str(tmp_path / "tasks.json")
    write(path, text)
    for block in (1, 2, 3, 5, 64):
        monkeypatch.setattr(json_offsets, "BLOCK", block)
        entries = json_offsets.scan_object(text.encode(), block=block)
        assert len(entries) == len(ODD)
    assert served(TaskStore(path, "tasks.json").open()) == expected_from(text)


# compact files (no whitespace outside strings, as this server and orjson write them) are
# located by their `},"` boundaries; these hold `},"` where no entry ends
COMPACT = {
    "nested integer keys": {"1": {"data": {"a": {"2": {}, "3": {}}}}, "2": {"data": {}}},
    "a key ending with },": {"1": {"data": {"a},": {}, "b": {}}}, "5": {"x": {"},": {}}}},
    "escaped in strings": {"1": {"data": {"t": '},"9":{'}}, "9": {"data": {"t": "\\"}}},
    "unicode": {"1": {"data": {"\u00e9t\u00e9": "\u2603"}}, "2": {"data": {"k": "\u00e9"}}},
    "odd tasks": ODD,
    "non-integer keys": {"1": {"data": {"a": 1}}, "x": {"data": {}}, "3": {"data": {"a": 3}}},
    "a key that is no digit": {"\u0663": {"data": {"a": 1}}, "4": {"data": {}}},
}
COMPACT_TEXTS = {
    **{name: json.dumps(tasks, separators=(",", ":"), ensure_ascii=False)
       for name, tasks in COMPACT.items()},
    "not an object inside": '{"1":{"a":{},"b":{}},"2":3,"4":{}}',
    "repeated keys": '{"1":{"data":{"a":1}},"2":{},"1":{"data":{"a":2}}}',
    "escaped key": '{"1":{"a":{},"2":{}},"\\u0032":{}}',
    "a key beginning with no digit": '{"1":{"a":{},"2":{}},"x":{}}',
    "one entry edited by hand": '{"1":{"a":{}},"2":{"b":{}}, "3": {"c":{}},"4":{}}',
    "a trailing newline": '{"1":{"data":{"a":1}},"2":{"data":{"b":2}}}\n',
    "only one": '{"7":{"data":{"a":{"1":{},"2":{}}}}}',
    "leading zeros": '{"007":{"data":{"a":1}},"8":{"data":{"b":2}}}',
    "ids of 18 and 19 digits": '{"123456789012345678":{},"1234567890123456789":{}}',
    "an id beyond 64 bits": '{"1":{"data":{"a":1}},"12345678901234567890":{"data":{"b":2}}}',
}


# a boundary deeper than the top level, a key not written as its characters or not an
# integer, an entry not in compact form, a value not an object: the whole file is scanned
SCANNED = {"nested integer keys", "a key that is no digit", "escaped key", "non-integer keys",
           "a key beginning with no digit",
           "one entry edited by hand", "not an object inside", "only one"}


def served_facts(path):
    store = TaskStore(path, "tasks.json").open()
    return (served(store), store.warnings, store.key_counts(),
            [store.score_of(task_id) for task_id in store])


@pytest.mark.parametrize("name", sorted(COMPACT_TEXTS))
@pytest.mark.parametrize("batch", [1, 2, 3, 10000])
def test_compact_files_are_served_as_the_scan_serves_them(tmp_path, monkeypatch, name, batch):
    text = COMPACT_TEXTS[name]
    path = str(tmp_path / "tasks.json")
    write(path, text)
    monkeypatch.setattr(task_scan, "DECODE_BATCH", batch)
    scans = []
    scan = task_scan.scan_object
    monkeypatch.setattr(task_scan, "scan_object", lambda raw: scans.append(1) or scan(raw))
    found = served_facts(path)
    # those located by their boundaries alone
    # (repeated keys in one batch are fewer keys than entries; in two, the last still wins)
    assert bool(scans) == (name in SCANNED or (name == "repeated keys" and batch >= 3))
    monkeypatch.setattr(task_scan, "_index_compact", lambda store, raw: False)
    assert found == served_facts(path)
    if name in ("non-integer keys", "not an object inside", "a key beginning with no digit",
                "an id beyond 64 bits"):
        assert len(found[1]) == 1  # the scan's warning, once
    else:
        assert found[0] == expected_from(text) and found[1] == []


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 22])
def test_compact_boundaries_are_found_across_blocks(block):
    import re
    text = "".join(COMPACT_TEXTS[name] for name in sorted(COMPACT_TEXTS)).encode()
    text += b'},"-5":{},"x":{}},"'  # a negative key, a letter, an end cut short
    expected = [m.start() for m in re.finditer(rb'\},"[0-9-]', text)]
    assert len(expected) > 10
    assert json_offsets.compact_boundaries(text, block=block).tolist() == expected


def test_a_file_this_server_writes_is_not_scanned_byte_by_byte(tmp_path, monkeypatch):
    source = make_source(tmp_path, count=0)
    # nested objects followed by more keys, as predictions have them
    result = {"from_name": "label", "value": {"x": 1.5, "labels": ["Car"]}, "type": "labels"}
    tasks = [{"data": {"image": f"{i}.jpg", "meta": {"k": {"v": i}, "n": {}}}, "id": i,
              "predictions": [{"score": i / 100, "result": [result]}]} for i in range(60)]
    source.append(list(range(40)), tasks[:40])
    source.rewrite({task["id"]: {**task, "data": {"text": "\u00e9"}} for task in tasks[:10]})
    source.append(list(range(40, 60)), tasks[40:])
    expected = served(TaskStore(source.path, "tasks.json").open())

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned byte by byte")
    monkeypatch.setattr(task_scan, "scan_object", no_scan)
    monkeypatch.setattr(task_scan, "DECODE_BATCH", 7)
    store = TaskStore(source.path, "tasks.json").open()
    assert served(store) == expected and len(expected) == 60
    assert store[45]["data"]["meta"] == {"k": {"v": 45}, "n": {}}
    assert store.score_of(59) == 0.59 and store.warnings == []


def test_a_batch_too_large_for_a_compact_file_is_scanned_not_decoded(tmp_path, monkeypatch):
    # a file with no `},"` at all (indented on one line, say) would be one batch
    path = str(tmp_path / "tasks.json")
    write(path, json.dumps({str(i): {"data": {"i": i}} for i in range(20)}))
    monkeypatch.setattr(task_scan, "COMPACT_BATCH_BYTES", 100)
    monkeypatch.setattr(task_scan, "DECODE_BATCH", 5)
    decoded = []
    loads = task_scan.jsonio.loads
    monkeypatch.setattr(task_scan.jsonio, "loads", lambda data: decoded.append(len(data))
                        or loads(data))
    store = TaskStore(path, "tasks.json").open()
    assert len(store) == 20 and max(decoded) < 200


def test_repeated_keys_and_non_objects(tmp_path):
    text = '{"1": {"data": {"a": 1}}, "x": {}, "2": 5, "1": {"data": {"a": 2}}, "01": {"z": 1}}'
    path = str(tmp_path / "tasks.json")
    write(path, text)
    store = TaskStore(path, "tasks.json").open()
    assert served(store) == {1: {"z": 1, "id": 1}}  # "01" is id 1 too, and comes last
    assert any("non-integer key 'x'" in w for w in store.warnings)
    assert any("task 2: not a JSON object" in w for w in store.warnings)


def test_a_legacy_list_is_served_and_written_back_as_an_object(tmp_path):
    path = str(tmp_path / "tasks.json")
    write(path, json.dumps([{"id": 5, "data": {"t": "a"}}, {"data": {"t": "b"}}, 3]))
    source = TasksJson(str(tmp_path), ".")
    store, warnings = source.load()
    assert served(store) == {5: {"id": 5, "data": {"t": "a"}}, 1: {"id": 1, "data": {"t": "b"}}}
    source.rewrite({5: None})
    with open(path) as f:
        assert json.load(f) == {"1": {"id": 1, "data": {"t": "b"}}}


@pytest.mark.parametrize("text", ['{"1": {}} trailing', '{"1": {"a": }', '{"1": {}', "[1, 2"])
def test_broken_files_serve_nothing_and_say_why(tmp_path, text):
    path = str(tmp_path / "tasks.json")
    write(path, text)
    store = TaskStore(path, "tasks.json").open()
    assert len(store) == 0 and store.warnings


def test_a_restart_reads_the_persisted_index_not_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(task_store, "INDEX_FROM_BYTES", 0)
    path = str(tmp_path / "tasks.json")
    write(path, json.dumps({str(i): {"data": {"i": i}} for i in range(50)}))
    TaskStore(path, "tasks.json").open()

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned the file again")
    monkeypatch.setattr(task_scan, "scan_object", no_scan)
    store = TaskStore(path, "tasks.json").open()
    assert store[49] == {"data": {"i": 49}, "id": 49} and len(store) == 50


def test_a_first_open_writes_its_index_in_the_background(tmp_path, monkeypatch):
    monkeypatch.setattr(task_store, "INDEX_FROM_BYTES", 0)
    path = str(tmp_path / "tasks.json")
    write(path, json.dumps({str(i): {"data": {"i": i}} for i in range(50)}))
    writers = []
    real_write = task_store.atomic_write

    def noting_write(target, data, durable=True):
        writers.append((os.path.basename(target), threading.current_thread().name))
        return real_write(target, data, durable=durable)
    monkeypatch.setattr(task_store, "atomic_write", noting_write)

    store = TaskStore(path, "tasks.json").open()
    store.save_index(appended=0)  # waits for the writer first: never two at once
    assert writers[:2] == [(".ls-index-tasks.bin", "task-index"),
                           (".ls-index-tasks.json", "task-index")]
    assert writers[2:] == [(".ls-index-tasks.bin", "MainThread"),
                           (".ls-index-tasks.json", "MainThread")]

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned the file again")
    monkeypatch.setattr(task_scan, "scan_object", no_scan)
    monkeypatch.setattr(task_scan, "_index_compact", no_scan)
    assert served(TaskStore(path, "tasks.json").open())[49] == {"data": {"i": 49}, "id": 49}


def test_a_hand_edit_is_seen_and_reindexed(tmp_path, monkeypatch):
    monkeypatch.setattr(task_store, "INDEX_FROM_BYTES", 0)
    path = str(tmp_path / "tasks.json")
    write(path, json.dumps({str(i): {"data": {"i": i}} for i in range(5)}))
    TaskStore(path, "tasks.json").open()
    # an edit in place, same inode, same length: only the mtime tells
    with open(path, "r+") as f:
        text = f.read().replace('"i": 3', '"i": 8')
        f.seek(0)
        f.write(text)
    os.utime(path, ns=(1, 1))
    store = TaskStore(path, "tasks.json").open()
    assert store[3] == {"data": {"i": 8}, "id": 3}


def make_source(tmp_path, count=20, indent=None):
    with open(tmp_path / "tasks.json", "w") as f:
        json.dump({str(i): {"data": {"i": i}} for i in range(count)}, f, indent=indent)
    source = TasksJson(str(tmp_path), "proj")
    source.load()
    return source


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.mark.parametrize("in_place_from", [0, 1 << 40])
def test_appends_keep_both_files_legacy_json(tmp_path, monkeypatch, in_place_from):
    monkeypatch.setattr(task_store, "INDEX_FROM_BYTES", 0)
    monkeypatch.setattr(task_store, "APPEND_IN_PLACE_BYTES", in_place_from)
    monkeypatch.setattr("label_studio.storage.tasks_json.APPEND_IN_PLACE_BYTES", in_place_from)
    source = make_source(tmp_path, indent=2)
    source.rewrite({0: {"data": {"i": "zero"}}})  # the map is ours from here on
    inode = os.stat(tmp_path / "tasks.json").st_ino
    for batch in range(3):
        first = 20 + batch * 5
        ids = range(first, first + 5)
        source.append(ids, [{"data": {"i": i, "t": "\u00e9"}, "id": i} for i in ids])
    tasks = read_json(tmp_path / "tasks.json")
    assert list(tasks) == [str(i) for i in range(35)]
    assert tasks["34"] == {"data": {"i": 34, "t": "\u00e9"}, "id": 34}
    assert (os.stat(tmp_path / "tasks.json").st_ino == inode) == (in_place_from == 0)
    assert read_json(tmp_path / "source.json")["34"] == {"key": "proj/tasks.json/34",
                                                          "exists": True}
    assert len(read_json(tmp_path / "source.json")) == 35
    reopened, _ = TasksJson(str(tmp_path), "proj").load()
    assert served(reopened) == {int(k): {**v, "id": int(k)} for k, v in tasks.items()}
    assert served(source.store) == served(reopened)


def test_a_rewrite_copies_untouched_tasks_byte_for_byte(tmp_path):
    source = make_source(tmp_path, indent=4)
    with open(tmp_path / "tasks.json") as f:
        untouched = f.read().split('"5": ')[1].split("}\n    }")[0]
    source.rewrite({3: None, 7: {"data": {"new": True}, "id": 7}, 100: {"data": {"i": 100}}})
    with open(tmp_path / "tasks.json") as f:
        text = f.read()
    assert untouched in text  # task 5 kept its indentation: copied, not re-encoded
    tasks = json.loads(text)
    assert list(tasks) == [str(i) for i in range(20) if i != 3] + ["100"]
    assert tasks["7"] == {"data": {"new": True}, "id": 7}
    assert tasks["100"] == {"data": {"i": 100}}  # stored as given; served with its id
    assert served(source.store) == {int(k): {**v, "id": int(k)} for k, v in tasks.items()}
    assert list(read_json(tmp_path / "source.json")) == list(tasks)


def kill_mid_append(source, new_tasks, written_share):
    """What a writer killed after writing the journal and part of the new bytes leaves."""
    store = source.store
    entries = b",".join(b'"%d":' % i + json.dumps(t).encode() for i, t in new_tasks)
    payload = b"," + entries + b"}"
    size = os.path.getsize(store.path)
    with open(store.path, "rb") as f:
        f.seek(store._end)
        tail = f.read()
    in_place.write_journal(store.journal_path, size, store._end, tail, len(payload),
                           zlib.crc32(payload))
    fd = os.open(store.path, os.O_WRONLY)
    os.pwrite(fd, payload[:int(len(payload) * written_share)], store._end)
    os.close(fd)


@pytest.mark.parametrize("share", [0.0, 0.3, 0.99])
def test_a_torn_append_is_rolled_back_at_the_next_open(tmp_path, share):
    source = make_source(tmp_path)
    with open(tmp_path / "tasks.json", "rb") as f:
        before = f.read()
    kill_mid_append(source, [(20, {"data": {"i": 20}}), (21, {"data": {"i": 21}})], share)
    reopened = TasksJson(str(tmp_path), ".")
    assert reopened.needs_recovery()
    reopened.recover()
    with open(tmp_path / "tasks.json", "rb") as f:
        assert f.read() == before
    store, warnings = reopened.load()
    assert warnings == [] and len(store) == 20 and not reopened.needs_recovery()


def test_a_complete_append_whose_journal_was_not_cleared_is_kept(tmp_path):
    source = make_source(tmp_path)
    kill_mid_append(source, [(20, {"data": {"i": 20}})], 1.0)
    reopened = TasksJson(str(tmp_path), ".")
    reopened.recover()
    store, _ = reopened.load()
    assert store[20] == {"data": {"i": 20}, "id": 20}
    assert len(read_json(tmp_path / "tasks.json")) == 21


def test_after_a_restart_source_json_is_extended_not_rewritten(tmp_path, monkeypatch):
    monkeypatch.setattr(task_store, "APPEND_IN_PLACE_BYTES", 0)
    monkeypatch.setattr("label_studio.storage.tasks_json.APPEND_IN_PLACE_BYTES", 0)
    first = make_source(tmp_path)
    first.rewrite({99: {"data": {"i": 99}, "id": 99}})  # writes our map
    inode = os.stat(tmp_path / "source.json").st_ino
    restarted = TasksJson(str(tmp_path), "proj")
    restarted.load()
    restarted.append([100], [{"data": {}, "id": 100}])
    assert os.stat(tmp_path / "source.json").st_ino == inode  # recognised as ours: extended
    assert list(read_json(tmp_path / "source.json")) == [str(i) for i in [*range(20), 99, 100]]
    # a map that is not ours (here: from another project path) is rewritten whole
    moved = TasksJson(str(tmp_path), "elsewhere")
    moved.load()
    moved.append([101], [{"data": {}, "id": 101}])
    assert read_json(tmp_path / "source.json")["0"]["key"] == "elsewhere/tasks.json/0"


def test_a_large_map_is_written_by_a_thread_and_flushed(tmp_path, monkeypatch):
    monkeypatch.setattr("label_studio.storage.tasks_json.MAP_IN_BACKGROUND_FROM", 0)
    source = make_source(tmp_path)
    for victim in range(5):
        source.rewrite({victim: None})
    source.flush_map()
    assert list(read_json(tmp_path / "source.json")) == [str(i) for i in range(5, 20)]
    source.append([20], [{"data": {}, "id": 20}])  # waits for the thread, then extends
    assert list(read_json(tmp_path / "source.json"))[-1] == "20"


class Streamed:
    """A streamed import as the importers make it: len() first, then lists of tasks."""

    def __init__(self, batches, claimed=None):
        self.batches = batches
        self.claimed = claimed

    def __len__(self):
        return self.claimed if self.claimed is not None else sum(map(len, self.batches))

    def __iter__(self):
        return iter([[dict(task) for task in batch] for batch in self.batches])


def test_a_streamed_import_is_stored_whole_or_not_at_all(tmp_path):
    from conftest import make_project
    from label_studio.project import Project
    project_dir = make_project(str(tmp_path / "p"))
    project = Project(project_dir)
    project.import_tasks([{"data": {"image": "first"}}])
    batches = [[{"data": {"image": f"{b}-{i}"}} for i in range(3)] for b in range(4)]
    batches[2][1]["completions"] = [{"result": []}]
    result = project.import_tasks(Streamed(batches))
    assert result["task_count"] == 12 and result["new_task_ids"] == list(range(1, 13))
    assert result["completion_count"] == 1
    assert project.get_task(8)["data"] == {"image": "2-1"} and project.get_task(8)["completions"]
    with open(os.path.join(project_dir, "tasks.json")) as f:
        before = f.read()
    from label_studio.errors import Conflict
    with pytest.raises(Conflict):  # the input changed between the passes: nothing stored
        project.import_tasks(Streamed(batches, claimed=13))
    with open(os.path.join(project_dir, "tasks.json")) as f:
        assert f.read() == before
    assert Project(project_dir).summary()["task_count"] == 13


def test_an_append_does_not_wait_for_a_map_being_written(tmp_path, monkeypatch):
    monkeypatch.setattr("label_studio.storage.tasks_json.MAP_IN_BACKGROUND_FROM", 0)
    release, held_too_long = threading.Event(), []
    real_write = TasksJson._write_map

    def held_write(self, ids):
        if not release.wait(10):
            held_too_long.append(True)  # the append waited for this write: it must not
        real_write(self, ids)

    monkeypatch.setattr(TasksJson, "_write_map", held_write)
    source = make_source(tmp_path)
    source.rewrite({0: None})  # a whole map, written by the thread, held
    source.append([20], [{"data": {}, "id": 20}])
    source.append([21, 22], [{"data": {}, "id": 21}, {"data": {}, "id": 22}])
    assert source.store.get(22) == {"data": {}, "id": 22}
    release.set()
    source.flush_map()
    source.settle_map()  # as at exit, under the project lock: the waiting ids go in
    assert not held_too_long
    assert list(read_json(tmp_path / "source.json")) == [str(i) for i in range(1, 23)]


def test_ids_appended_during_a_map_write_go_in_with_the_next_append(tmp_path, monkeypatch):
    monkeypatch.setattr("label_studio.storage.tasks_json.MAP_IN_BACKGROUND_FROM", 0)
    release = threading.Event()
    real_write = TasksJson._write_map
    monkeypatch.setattr(TasksJson, "_write_map",
                        lambda self, ids: (release.wait(10), real_write(self, ids)))
    source = make_source(tmp_path)
    source.rewrite({0: None})
    source.append([20], [{"data": {}, "id": 20}])  # while the map is being written
    release.set()
    source.flush_map()
    source.append([21], [{"data": {}, "id": 21}])
    assert list(read_json(tmp_path / "source.json")) == [str(i) for i in range(1, 22)]


def test_appended_tasks_of_every_shape_are_stored_as_json_reads_them(tmp_path, monkeypatch):
    """Batches that orjson alone refuses (non-string keys, ints past 64 bits), data that is
    not an object, predictions with and without scores: each is served and counted as
    written, in memory and after a fresh scan of the file."""
    monkeypatch.setattr(task_store, "INDEX_FROM_BYTES", 0)
    monkeypatch.setattr("label_studio.storage.task_encoding.ENCODE_BATCH", 3)
    source = make_source(tmp_path, count=2)
    odd = [
        {"data": {"a": 1, "b": "\u00e9"}},
        {"data": {"b": 2, "a": 1}},  # the same keys in another order: another shape
        {"data": "not an object"},
        {"data": {"a": 1}, "predictions": [{"score": 0.2, "result": []},
                                           {"score": 0.6, "result": []}]},
        {"data": {"a": {7: "int key"}}},
        {"data": {"a": 2 ** 70}},
        {"data": {"a": 1, "b": 1}, "predictions": [{"result": []}]},
    ]
    ids = list(range(8, 8 + len(odd)))
    source.append(ids, [{**task, "id": i} for i, task in zip(ids, odd)])
    with open(tmp_path / "tasks.json", encoding="utf-8") as f:
        on_disk = json.load(f)
    assert on_disk["12"]["data"] == {"a": {"7": "int key"}}
    assert on_disk["13"]["data"] == {"a": 2 ** 70}
    monkeypatch.setattr(task_store, "INDEX_FROM_BYTES", 1 << 40)  # scan, no index file
    for store in (source.store, TaskStore(str(tmp_path / "tasks.json"), "tasks.json").open()):
        assert served(store) == expected_from(json.dumps(on_disk))
        counts = store.key_counts()
        assert counts["a"] == 6 and counts["b"] == 3 and counts["i"] == 2
        score_ids, scores = store.scores()
        assert score_ids.tolist() == [11] and scores.tolist() == pytest.approx([0.4])


@pytest.mark.parametrize("indent", [None, 2])
def test_an_id_beyond_64_bits_is_skipped_with_a_warning(tmp_path, indent):
    # it crashed the open (numpy's int64 columns), and the server with it
    path = str(tmp_path / "tasks.json")
    write(path, json.dumps({"1": {"data": {"a": 1}}, str(2 ** 64): {"data": {"b": 2}},
                            str(-2 ** 63): {"data": {"c": 3}}}, indent=indent))
    store = TaskStore(path, "tasks.json").open()
    assert served(store) == {-2 ** 63: {"data": {"c": 3}, "id": -2 ** 63},
                             1: {"data": {"a": 1}, "id": 1}}
    assert store.warnings == [f"tasks.json: skipped task {2 ** 64}: an id beyond 64 bits"]

    write(path, json.dumps([{"id": 2 ** 64, "data": {"a": 1}}, {"id": 7, "data": {}}]))
    listed = TaskStore(path, "tasks.json").open()
    assert served(listed) == {0: {"id": 0, "data": {"a": 1}}, 7: {"id": 7, "data": {}}}


def test_ids_are_read_from_digits_as_int_reads_them():
    from label_studio.storage.id_text import parse_digits
    import numpy as np
    keys = ["0", "7", "007", "10", "123456789012345678", "999999999999999999", "5"]
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    assert parse_digits("".join(keys).encode(), lengths).tolist() == [int(k) for k in keys]
    for odd in (["1", "-2"], ["1", "1234567890123456789"], ["1", ""]):
        lengths = np.array([len(k) for k in odd], dtype=np.int64)
        assert parse_digits("".join(odd).encode(), lengths) is None

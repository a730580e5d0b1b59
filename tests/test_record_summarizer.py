"""A first open summarizes the completion records in child processes (record_summarizer.py):
what the project then knows must be exactly what summarizing them in-process gives, for every
shape of record, and a child that fails must only cost time."""
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import make_project
from label_studio.project import Project
from label_studio.label_config import usage_keys
from label_studio.storage import first_open, record_summarizer, summary_cache
from label_studio.storage.completions_dir import CompletionsDir

TASKS = 300


def box(label):
    return {"from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rectanglelabels": [label]}}


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w" if isinstance(content, str) else "wb") as f:
        f.write(content)


@pytest.fixture
def folder(tmp_path):
    """A project whose completions/ holds every shape of record a folder may have."""
    project_dir = make_project(str(tmp_path / "p"))
    Project(project_dir).import_tasks([{"data": {"image": f"{i}.jpg"}} for i in range(TASKS)])
    records = os.path.join(project_dir, "completions")
    for task_id in range(0, TASKS, 2):  # every other task: ids with gaps
        completions = [{"id": 1000 + task_id * 3 + n, "created_at": 1600000000 + task_id + n,
                        "result": [box("Car" if task_id % 4 else "Airplane")],
                        "was_cancelled": n == 1}
                       for n in range(task_id % 3 + 1)]
        write(os.path.join(records, f"{task_id}.json"),
              json.dumps({"id": task_id, "completions": completions}))
    write(os.path.join(records, "1.json"), "{not json")
    write(os.path.join(records, "3.json"), "")                           # an unfinished write
    write(os.path.join(records, "5.json"), json.dumps({"id": 5}))        # no completions list
    write(os.path.join(records, "7.json"), json.dumps({"completions": []}))
    write(os.path.join(records, "9.json"), json.dumps(
        {"completions": [{"id": 2 ** 40, "created_at": "yesterday", "skipped": True,
                          "result": "not a list"}, "not a completion"]}))
    write(os.path.join(records, "sub", "11.json"), json.dumps(
        {"completions": [{"id": 77, "result": [box("Car")], "created_at": 5}]}))
    write(os.path.join(records, "5000.json"),                            # no such task
          json.dumps({"completions": [{"id": 3, "result": []}]}))
    return project_dir


def known(project):
    summaries = project.completions.summaries
    return ({task_id: summaries[task_id] for task_id in summaries}, summaries.broken(),
            dict(project.completions.paths), project.summary()["completion_count"],
            project.completed_task_ids(), dict(project.load_warnings))


def summarized_in_process(project_dir, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(record_summarizer, "MIN_RECORDS", 10 ** 9)
        return known(Project(project_dir))


def count_child_results(monkeypatch):
    """Counts the shares that children summarized (not the parent's fallback)."""
    taken = []
    real = CompletionsDir._take_summarized
    monkeypatch.setattr(CompletionsDir, "_take_summarized",
                        lambda self, parts, changed: taken.extend(parts) or real(self, parts,
                                                                                  changed))
    return taken


def counted(monkeypatch, name):
    """What record_summarizer.<name> gave that was not None, from now on."""
    given = []
    real = getattr(record_summarizer, name)

    def counting(*args):
        found = real(*args)
        if found is not None:
            given.append(found)
        return found
    monkeypatch.setattr(record_summarizer, name, counting)
    return given


def count_listings(monkeypatch):
    """The first opens whose children listed the folder themselves."""
    return counted(monkeypatch, "start_listing")


@pytest.mark.parametrize("children_list", [True, False])
def test_children_summarize_every_shape_of_record_as_the_parent_would(folder, monkeypatch,
                                                                      children_list):
    expected = summarized_in_process(folder, monkeypatch)
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    if not children_list:  # the parent lists, then gives each child its ids
        monkeypatch.setattr(record_summarizer, "start_listing", lambda *args: None)
    listings = count_listings(monkeypatch)
    taken = count_child_results(monkeypatch)

    project = Project(folder)

    assert len(listings) == children_list and len(taken) == record_summarizer.CHILDREN
    assert known(project) == expected
    summaries = project.completions.summaries
    assert summaries[9].count == 1 and summaries[9].cancelled == 1 and summaries[9].max_id == 2 ** 40
    assert summaries[1].broken and 3 not in summaries and not summaries[7].completed
    assert project.completions.paths == {11: os.path.join(folder, "completions", "sub", "11.json")}
    assert {label for _, label in summaries[0].digest[1]} == {"Airplane"}


def test_the_listing_child_cleans_what_the_parent_would(folder, monkeypatch):
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    records = os.path.join(folder, "completions")
    stale_temp = os.path.join(records, ".ls-tmp-left.1a2b")
    write(stale_temp, "{")
    os.utime(stale_temp, (1, 1))
    young_temp = os.path.join(records, ".ls-tmp-young.3c4d")
    write(young_temp, "{")
    listings = count_listings(monkeypatch)

    project = Project(folder)

    assert len(listings) == 1
    assert not os.path.exists(stale_temp) and os.path.exists(young_temp)
    # the folders the children walked are known: an unchanged restart walks nothing
    assert set(project.completions._folders) == {records, os.path.join(records, "sub")}


def test_a_listing_child_too_few_records_to_share_keeps_them_all(folder, monkeypatch):
    expected = summarized_in_process(folder, monkeypatch)
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 10 ** 6)
    monkeypatch.setattr(record_summarizer, "FOLDER_BYTES_PER_NAME", 0)
    taken = count_child_results(monkeypatch)

    project = Project(folder)

    assert len(taken) == 1
    assert known(project) == expected


def test_a_failing_second_child_leaves_its_share_to_the_parent(folder, monkeypatch):
    expected = summarized_in_process(folder, monkeypatch)
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    real = record_summarizer._start_child

    def second_dies(request, stdin=None, pass_fds=()):
        if stdin is not None:  # the child that waits for the listing child's request
            return real(request, stdin=stdin, pass_fds=pass_fds) and record_summarizer.start_child(
                [record_summarizer.sys.executable, "-c", "import sys; sys.exit(3)"], None,
                stdin=stdin)
        return real(request, stdin=stdin, pass_fds=pass_fds)
    monkeypatch.setattr(record_summarizer, "_start_child", second_dies)
    taken = count_child_results(monkeypatch)

    project = Project(folder)

    assert len(taken) == 1  # the listing child's share
    assert known(project) == expected


def test_the_two_children_share_the_records_a_chunk_at_a_time(tmp_path, monkeypatch):
    project_dir = make_project(str(tmp_path / "many"))
    count = 6000  # enough that the second child is waiting before the first is done
    Project(project_dir).import_tasks([{"data": {"image": f"{i}.jpg"}} for i in range(count)])
    for task_id in range(count):
        write(os.path.join(project_dir, "completions", f"{task_id}.json"), json.dumps(
            {"completions": [{"id": task_id + 1, "created_at": task_id,
                              "result": [box("Car")]}]}))
    expected = summarized_in_process(project_dir, monkeypatch)
    Project(project_dir).completions.flush_cache()
    for name in (summary_cache.CACHE_NAME, summary_cache.COLUMNS_NAME):
        os.unlink(os.path.join(project_dir, name))  # a first open again
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    monkeypatch.setattr(record_summarizer, "SHARE_CHUNK", 50)
    taken = count_child_results(monkeypatch)

    project = Project(project_dir)

    assert known(project) == expected
    done = [ids.tolist() for _, ids, _ in taken]
    assert len(done) == 2 and all(done)  # both took chunks
    assert sorted(done[0] + done[1]) == list(range(count))
    for ids in done:  # whole chunks of 50 records, contiguous in the listing's order
        assert len(ids) % 50 == 0


def test_a_child_that_dies_holding_chunks_leaves_them_to_the_parent(folder, monkeypatch):
    expected = summarized_in_process(folder, monkeypatch)
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    monkeypatch.setattr(record_summarizer, "SHARE_CHUNK", 7)
    real = record_summarizer._start_child
    takes_two_then_dies = (
        "import os, pickle, sys; request = pickle.loads(sys.stdin.buffer.read()); "
        "pipe, size = request[5]; os.read(pipe, 8); sys.exit(3)")

    def second_dies(request, stdin=None, pass_fds=()):
        if stdin is not None:
            return record_summarizer.start_child(
                [record_summarizer.sys.executable, "-c", takes_two_then_dies], None,
                stdin=stdin, pass_fds=pass_fds)
        return real(request, stdin=stdin, pass_fds=pass_fds)
    monkeypatch.setattr(record_summarizer, "_start_child", second_dies)
    taken = count_child_results(monkeypatch)
    here = []
    summarize_here = CompletionsDir._summarize_here
    monkeypatch.setattr(CompletionsDir, "_summarize_here", lambda self, part, changed:
                        here.append(part) or summarize_here(self, part, changed))

    project = Project(folder)

    assert known(project) == expected
    assert len(taken) == 1 and len(here) == 1 and len(here[0]) == 14  # two chunks of 7


def test_a_restart_and_a_later_change_see_what_the_children_found(folder, monkeypatch):
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    first = Project(folder)
    first.completions.flush_cache()
    os.unlink(os.path.join(folder, "completions", "2.json"))
    write(os.path.join(folder, "completions", "1.json"), json.dumps(
        {"completions": [{"id": 5, "result": [], "created_at": 9}]}))

    again = Project(folder)

    assert 2 not in again.completions.summaries
    assert again.completions.summaries[1].count == 1 and not again.completions.summaries[1].broken
    assert known(again) == summarized_in_process(folder, monkeypatch)


@pytest.mark.parametrize("child_code", [
    "import sys; sys.exit(3)",                                  # dies
    "import sys; sys.stdout.write('garbage')",                  # answers nonsense
    "import pickle, sys; sys.stdout.buffer.write(pickle.dumps((b'', {}, [], None)))",  # too short
    # values for ids it does not name
    "import pickle, sys; sys.stdout.buffer.write(pickle.dumps((b'', b'x' * 64, {}, [], None)))",
    # no listing
    "import pickle, sys; sys.stdout.buffer.write(pickle.dumps((b'', b'', {}, [], None)))",
])
def test_a_failing_child_costs_only_time(folder, monkeypatch, child_code):
    expected = summarized_in_process(folder, monkeypatch)
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    monkeypatch.setattr(record_summarizer, "_CHILD_CODE", child_code)
    taken = count_child_results(monkeypatch)

    project = Project(folder)

    assert taken == []
    assert known(project) == expected


def test_a_digest_a_child_cannot_import_is_done_in_the_parent(folder, monkeypatch):
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    assert record_summarizer.start(folder, [0, 2], {}, lambda results: len(results)) is None
    assert record_summarizer.start(folder, [0, 2], {}, None) is not None


def test_children_stop_when_the_open_gives_up(folder, monkeypatch):
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    monkeypatch.setattr(record_summarizer, "_CHILD_CODE", "import time; time.sleep(60)")
    helpers = record_summarizer.start(folder, list(range(0, TASKS, 2)), {}, None)
    children = list(helpers._children)
    assert all(child.poll() is None for child in children)

    helpers.close()

    assert all(child.poll() is not None for child in children)


def claimed_early(monkeypatch):
    """The opens that took over summarizers started by first_open.begin()."""
    return counted(monkeypatch, "claim")


def test_summarizers_started_before_the_open_are_taken_over(folder, monkeypatch):
    expected = summarized_in_process(folder, monkeypatch)
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    claimed = claimed_early(monkeypatch)
    taken = count_child_results(monkeypatch)

    first_open.begin(folder)
    project = Project(folder)

    assert len(claimed) == 1 and len(taken) == record_summarizer.CHILDREN
    assert known(project) == expected
    assert record_summarizer._early == {}


def test_a_project_with_a_summary_cache_starts_no_summarizers(folder, monkeypatch):
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    Project(folder).save_caches()  # as at the exit of a server
    assert os.path.exists(os.path.join(folder, summary_cache.CACHE_NAME))

    first_open.begin(folder)

    assert record_summarizer._early == {}


def test_summarizers_started_for_another_digest_are_stopped_not_used(folder, monkeypatch):
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    first_open.begin(folder)
    (_, listing), = record_summarizer._early.values()
    children = [child for child in listing._children if child is not None]
    assert children

    records = os.path.join(folder, "completions")
    assert record_summarizer.claim(records, None) is None

    assert all(child.poll() is not None for child in children)
    assert record_summarizer._early == {}


def test_the_digest_named_for_early_summarizers_is_the_one_projects_keep(folder):
    assert Project(folder).completions.digest is usage_keys
    assert record_summarizer._name_of(usage_keys) == first_open.RECORD_DIGEST


def test_the_command_line_loads_no_numpy_lxml_or_flask_before_the_open_begins(folder):
    # what `label-studio start` imports before first_open.begin(): kept light, so that the
    # children start while the rest loads (the start command itself once imported
    # project_init, and numpy with it, before the open began: 0.1 s with a core idle)
    code = ("import sys\n"
            "from label_studio.storage import first_open\n"
            "def begin(path):\n"
            "    print(sorted(m for m in ('numpy', 'lxml', 'flask') if m in sys.modules))\n"
            "    sys.exit(0)\n"
            "first_open.begin = begin\n"
            "from label_studio.cli import main\n"
            "main(['start', sys.argv[1], '--no-browser'])\n")
    out = subprocess.run([sys.executable, "-c", code, folder], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_a_first_open_begins_reading_tasks_json_at_once(folder, monkeypatch):
    from test_record_warming import cached, evict
    if not sys.platform.startswith("linux"):
        pytest.skip("mincore tells what is in the page cache on Linux")
    monkeypatch.setattr(record_summarizer, "start_early", lambda *args: None)
    tasks = os.path.join(folder, "tasks.json")
    if not evict(tasks):
        pytest.skip("this file system keeps the pages")

    first_open.begin(folder)

    deadline = time.monotonic() + 5
    while not cached(tasks) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cached(tasks)


@pytest.mark.parametrize("how", ["before the open", "listing", "given ids"])
def test_children_of_a_project_named_relative_to_the_current_folder(folder, monkeypatch, how):
    # `label-studio start p`: the children are given paths relative to the current folder,
    # and open records relative to theirs; records in subfolders must still be found, and
    # kept by absolute path
    expected = summarized_in_process(folder, monkeypatch)
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)
    if how == "given ids":
        monkeypatch.setattr(record_summarizer, "start_listing", lambda *args: None)
    monkeypatch.chdir(os.path.dirname(folder))
    name = os.path.basename(folder)
    taken = count_child_results(monkeypatch)
    claimed = claimed_early(monkeypatch)

    if how == "before the open":
        first_open.begin(name)
    project = Project(name)

    assert len(claimed) == (how == "before the open")
    assert len(taken) == record_summarizer.CHILDREN
    assert known(project) == expected
    assert project.completions.paths == {11: os.path.join(folder, "completions", "sub", "11.json")}


def test_the_two_children_keep_to_different_cpus():
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2:
        pytest.skip("one CPU")
    code = ("import os, sys; from label_studio.storage.record_summarizer import "
            "_keep_to_one_cpu; _keep_to_one_cpu(int(sys.argv[1])); "
            "print(sorted(os.sched_getaffinity(0)))")
    found = [subprocess.run([sys.executable, "-c", code, str(index)], capture_output=True,
                            text=True, check=True).stdout.strip() for index in (0, 1)]
    assert found == [str([cpus[0]]), str([cpus[1]])]


def test_children_given_their_ids_are_placed_on_different_cpus(monkeypatch):
    requests = []
    monkeypatch.setattr(record_summarizer, "_start_child",
                        lambda request, **kwargs: requests.append(request))
    monkeypatch.setattr(record_summarizer, "MIN_RECORDS", 1)

    record_summarizer.start("/nowhere", list(range(10)), {}, None)

    assert [request[4] for request in requests] == [0, 1]

"""TaskIndex against a brute-force reference under random changes, and SortedList."""
import random

import numpy as np
import pytest

from label_studio import int_sorted_list, sortedlist
from label_studio.int_sorted_list import IntSortedList
from label_studio.sortedlist import SortedList
from label_studio.storage.completions_dir import Summary
from label_studio.storage.task_store import TaskStore
from label_studio.task_index import TaskIndex


def reference(tasks, summaries, name, descending):
    done = {i: s for i, s in summaries.items() if i in tasks and s.count > 0}
    if name == "id":
        return sorted(tasks, reverse=descending)
    sign = -1 if descending else 1
    if name == "completed_at":
        timed = sorted((i for i in done if done[i].completed_at is not None),
                       key=lambda i: (sign * done[i].completed_at, i))
        return timed + sorted(set(tasks) - set(timed))
    ranked = sorted(done, key=lambda i: (sign * done[i].cancelled, i))
    return ranked + sorted(set(tasks) - set(done))


def scored_task(rng, task_id):
    task = {"data": {"k": task_id}}
    if rng.random() < 0.5:
        task["predictions"] = [{"result": [], "score": rng.choice([0.1, 0.5, 0.9])}]
    return task


@pytest.mark.parametrize("seed", range(5))
def test_pages_match_a_full_sort_after_random_changes(monkeypatch, seed):
    monkeypatch.setattr(sortedlist, "_LOAD", 3)  # many small sublists
    monkeypatch.setattr(int_sorted_list, "LOAD", 3)
    rng = random.Random(seed)
    tasks, summaries, index = {}, {}, TaskIndex()
    next_id = 0
    for step in range(400):
        action = rng.random()
        if action < 0.35 or not tasks:
            tasks[next_id] = scored_task(rng, next_id)
            index.add_task(next_id, tasks[next_id])
            next_id += 1
        elif action < 0.4:
            target = rng.choice(list(tasks))
            new = scored_task(rng, target)
            index.replace_task(target, tasks[target], new)
            tasks[target] = new
        elif action < 0.45:
            victim = rng.choice(list(tasks))
            index.remove_task(victim, tasks.pop(victim))
            summaries.pop(victim, None)
        else:
            target = rng.choice(list(tasks))
            if rng.random() < 0.2:
                summaries.pop(target, None)
                index.set_summary(target, None)
            else:
                summary = Summary(None, count=rng.randrange(0, 3),
                                  cancelled=rng.randrange(0, 3),
                                  completed_at=rng.choice([None, 100, 200, 300]))
                summaries[target] = summary
                index.set_summary(target, summary)
        if step % 40 == 0:
            rebuilt = TaskIndex()
            rebuilt.rebuild(tasks, summaries)
            for candidate in (index, rebuilt):
                for name in ("id", "completed_at", "has_cancelled_completions"):
                    for descending in (False, True):
                        expected = reference(tasks, summaries, name, descending)
                        got = []
                        for offset in range(0, len(expected) + 7, 7):
                            got += candidate.page(name, descending, offset, 7)
                        assert got == expected, (name, descending)
                done = sum(1 for i, s in summaries.items() if i in tasks and s.count > 0)
                assert candidate.completed_count == done
                open_ids = [i for i in tasks if not (i in summaries and summaries[i].count > 0)]
                assert list(candidate.uncompleted) == sorted(open_ids)
                scored = [(tasks[i]["predictions"][0]["score"], i) for i in open_ids
                          if tasks[i].get("predictions")]
                assert list(candidate.open_by_score) == sorted(scored)
                assert list(candidate.open_by_score_desc) == sorted((-s, i) for s, i in scored)


@pytest.mark.parametrize("seed", range(3))
def test_completed_at_orders_built_after_changes_made_since_the_rebuild(seed):
    # the completed_at orders are built when first asked for: changes made before that must
    # count once, neither lost nor applied twice
    rng = random.Random(seed)
    tasks = {i: {"data": {"k": i}} for i in range(60)}
    summaries = {i: Summary(None, count=1, cancelled=0, completed_at=rng.choice([None, 5, 9]))
                 for i in range(0, 60, 2)}
    index = TaskIndex()
    index.rebuild(tasks, summaries)
    for _ in range(40):
        target = rng.randrange(60)
        if rng.random() < 0.3:
            summaries.pop(target, None)
            index.set_summary(target, None)
        else:
            summaries[target] = Summary(None, count=1, cancelled=0,
                                        completed_at=rng.choice([None, 1, 5, 9, 12]))
            index.set_summary(target, summaries[target])
    for descending in (False, True):
        assert index.page("completed_at", descending, 0, 100) == \
            reference(tasks, summaries, "completed_at", descending)


@pytest.mark.parametrize("kind", ["SortedList", "IntSortedList", "IntSortedList.from_sorted"])
def test_sorted_lists_against_a_plain_list(monkeypatch, kind):
    monkeypatch.setattr(sortedlist, "_LOAD", 4)
    monkeypatch.setattr(int_sorted_list, "LOAD", 4)
    rng = random.Random(7)
    if kind == "IntSortedList.from_sorted":  # blocks that are views, then copies
        plain = sorted(rng.randrange(300) for _ in range(100))
        values = IntSortedList.from_sorted(np.array(plain))
    else:
        values, plain = {"SortedList": SortedList, "IntSortedList": IntSortedList}[kind](), []
    for _ in range(2000):
        v = rng.randrange(300)
        if rng.random() < 0.6:
            values.add(v)
            plain.append(v)
            plain.sort()
        else:
            assert values.discard(v) == (v in plain)
            if v in plain:
                plain.remove(v)
        assert len(values) == len(plain) and (v in values) == (v in plain)
        a, b = sorted(rng.randrange(len(plain) + 3) for _ in range(2))
        assert values.slice(a, b) == plain[a:b]
        assert values.slice_from_end(a, b) == plain[::-1][a:b]
        if plain:
            k = rng.randrange(len(plain))
            assert values[k] == plain[k] and values.first() == plain[0]
    assert list(values) == plain


def test_int_sorted_list_from_a_sorted_array_shares_it_until_changed(monkeypatch):
    monkeypatch.setattr(int_sorted_list, "LOAD", 4)
    source = np.arange(0, 40, 2)
    values = IntSortedList.from_sorted(source)
    assert all(np.shares_memory(block, source) for block in values._blocks)
    values.add(7)
    values.discard(0)
    assert list(source) == list(range(0, 40, 2))  # a block that changes is copied first
    assert np.shares_memory(values._blocks[-1], source)  # an unchanged one is still a view
    assert values.slice(0, 5) == [2, 4, 6, 7, 8] and len(values) == 20
    assert values.slice_from_end(0, 3) == [38, 36, 34] and values.first() == 2
    values.extend_sorted(np.arange(40, 51))
    values.extend_sorted([5, 60])  # not all above: added one by one
    assert list(values) == sorted([*range(2, 40, 2), 5, 7, *range(40, 51), 60])
    assert len(values) == 33 and values[-1] == 60 and 60 in values and 59 not in values


def test_an_import_indexed_in_bulk_matches_a_rebuild(monkeypatch, tmp_path):
    monkeypatch.setattr(int_sorted_list, "LOAD", 4)
    rng = random.Random(3)
    tasks = {i: scored_task(rng, i) for i in range(0, 90, 3)}
    ids = list(tasks)
    store = TaskStore(str(tmp_path / "tasks.json"), "tasks.json").open()
    index = TaskIndex()
    store.append(ids[:7], [tasks[i] for i in ids[:7]])
    index.add_appended(store, 7)
    summaries = {3: Summary(None, count=1, completed_at=50)}
    index.set_summary(3, summaries[3])
    store.append(ids[7:], [tasks[i] for i in ids[7:]], consume=True)
    index.add_appended(store, len(ids) - 7)
    rebuilt = TaskIndex()
    rebuilt.rebuild(store, summaries)
    for name in ("id", "completed_at", "has_cancelled_completions"):
        assert index.page(name, True, 0, 100) == rebuilt.page(name, True, 0, 100)
    assert index.key_counts == rebuilt.key_counts == {"k": len(tasks)}
    assert list(index.open_by_score) == list(rebuilt.open_by_score) != []
    assert list(index.uncompleted) == list(rebuilt.uncompleted) and 3 not in index.uncompleted
    assert dict(store.items()) == {i: {**task, "id": i} for i, task in tasks.items()}

"""In-memory indexes over the tasks of a project, kept current on every change.

They answer paging, ordering, `next` and the data-key counts without touching every task:
a request costs what its answer needs. Orders are int64 keys: (value << 40 | task id), so
ties fall back to id ascending in both directions.
"""
import math
import operator
from collections import Counter
from itertools import repeat

import numpy as np

from .column_map import NONE, ColumnMap
from .int_sorted_list import IntSortedList
from .sortedlist import SortedList

_ID_BITS = 40
_ABSENT = object()  # no value: the task is not completed
_ID_MASK = (1 << _ID_BITS) - 1
ORDERS = ("id", "completed_at", "has_cancelled_completions")


def parse_order(value):
    """'-completed_at' or '-tasks:completed_at' -> ('completed_at', True); None when unknown."""
    descending = value.startswith("-")
    name = value[1:] if descending else value
    if name.startswith("tasks:"):
        name = name[len("tasks:"):]
    return (name, descending) if name in ORDERS else None


def mean_score(task):
    predictions = task.get("predictions")
    if not isinstance(predictions, list):
        return None
    scores = [p["score"] for p in predictions
              if isinstance(p, dict) and isinstance(p.get("score"), (int, float))
              and not isinstance(p.get("score"), bool) and math.isfinite(p["score"])]
    return sum(scores) / len(scores) if scores else None


def data_keys(task):
    data = task.get("data")
    return data.keys() if isinstance(data, dict) else ()


class TaskIndex:
    """The orders over every task are IntSortedLists of int64 keys (8 bytes a task);
    completed tasks also have their (completed_at, cancelled count) in `_placed`."""

    def __init__(self):
        self.ids = IntSortedList()
        self.uncompleted = IntSortedList()
        self.untimed = IntSortedList()
        # (completed_at << 40 | id) needs more than 64 bits: Python ints, completed tasks
        # only; None: to be built from _placed when first needed (see timed_asc)
        self._timed = (SortedList(), SortedList())
        self.cancelled_asc = IntSortedList()
        self.cancelled_desc = IntSortedList()
        self.key_counts = Counter()
        self.scores = {}
        # uncompleted tasks with a scored prediction, for the prediction-score sampling modes
        self.open_by_score = SortedList()
        self.open_by_score_desc = SortedList()
        self._placed = ColumnMap(2)

    def rebuild(self, tasks, summaries):
        """`tasks`: a TaskStore (its columns are read, no task is decoded) or a dict."""
        self.__init__()
        if hasattr(tasks, "table"):
            ids = tasks.table.id.copy()
            self.key_counts = Counter(tasks.key_counts())
            scored_ids, scored = tasks.scores()
            self.scores = dict(zip(scored_ids.tolist(), scored.tolist()))
        else:
            ids = np.array(sorted(tasks), dtype=np.int64)
            for task_id, task in tasks.items():
                self.key_counts.update(data_keys(task))
                score = mean_score(task)
                if score is not None:
                    self.scores[task_id] = score
        self.ids = IntSortedList.from_sorted(ids)
        if hasattr(summaries, "completed"):  # a SummaryMap: its columns
            done, ts, counts = summaries.completed()
        else:
            completed = sorted((task_id, s.completed_at, s.cancelled)
                               for task_id, s in summaries.items() if s.count > 0)
            done = np.array([c[0] for c in completed], dtype=np.int64)
            ts = np.array([NONE if c[1] is None else c[1] for c in completed], dtype=np.int64)
            counts = np.array([c[2] for c in completed], dtype=np.int64)
        done_mask = np.zeros(len(ids), dtype=bool)
        if len(done) and len(ids):  # records of tasks that are gone are left out
            rows = np.minimum(np.searchsorted(ids, done), len(ids) - 1)
            keep = ids[rows] == done
            done_mask[rows[keep]] = True
            done, ts, counts = done[keep], ts[keep], counts[keep]
        else:
            done, ts, counts = done[:0], ts[:0], counts[:0]
        self._placed = ColumnMap(2, done, np.stack([ts, counts], axis=1))
        has_time = ts != NONE
        untimed_mask = ~done_mask
        untimed_mask[np.searchsorted(ids, done[~has_time])] = True
        self.uncompleted = IntSortedList.from_sorted(ids[~done_mask])
        self.untimed = IntSortedList.from_sorted(ids[untimed_mask])
        self._timed = None
        self.cancelled_asc = IntSortedList(counts << _ID_BITS | done)
        self.cancelled_desc = IntSortedList(-counts << _ID_BITS | done)
        placed = self._placed
        open_scores = [(score, i) for i, score in self.scores.items() if i not in placed]
        self.open_by_score = SortedList(open_scores)
        self.open_by_score_desc = SortedList((-score, i) for score, i in open_scores)

    @property
    def timed_asc(self):
        """The completed tasks with a completed_at, by it (then by id). Built when first
        asked for after a rebuild, under the project lock as every use: a first open need
        not wait for it (0.09 s both ways at 200k completed tasks)."""
        return (self._timed or self._build_timed())[0]

    @property
    def timed_desc(self):
        return (self._timed or self._build_timed())[1]

    def _build_timed(self):
        keys, columns = self._placed.arrays()
        ts = columns[:, 0]
        has_time = ts != NONE
        timed_ids, timed_ts = keys[has_time], ts[has_time]
        self._timed = (SortedList(_python_keys(timed_ts, timed_ids, 1)),
                       SortedList(_python_keys(timed_ts, timed_ids, -1)))
        return self._timed

    @property
    def completed_count(self):
        return len(self.ids) - len(self.uncompleted)

    def add_task(self, task_id, task, summary=None):
        self.ids.add(task_id)
        self.key_counts.update(data_keys(task))
        score = mean_score(task)
        if score is not None:
            self.scores[task_id] = score
        self.uncompleted.add(task_id)
        self.untimed.add(task_id)
        self._track_score(task_id, True)
        if summary is not None:
            self.set_summary(task_id, summary)

    def add_appended(self, store, count):
        """The last `count` tasks of the TaskStore `store`, just appended (an import): their
        ids are above every indexed one and none is completed, so every order takes them in
        bulk; their data keys and scores come from the store's columns."""
        if not count:
            return
        table = store.table
        ids = table.id[-count:]
        for order in (self.ids, self.uncompleted, self.untimed):
            order.extend_sorted(ids)
        shapes = np.bincount(table.shape[-count:][table.shape[-count:] >= 0],
                             minlength=len(store.shapes))
        for keys, n in zip(store.shapes, shapes.tolist()):
            if n:
                for key in keys:
                    self.key_counts[key] += n
        scores = table.score[-count:]
        scored = ~np.isnan(scores)
        for task_id, score in zip(ids[scored].tolist(), scores[scored].tolist()):
            self.scores[task_id] = score
            self._track_score(task_id, True)

    def remove_task(self, task_id, task):
        if not self.ids.discard(task_id):
            return
        self.key_counts.subtract(data_keys(task))
        self._track_score(task_id, False)
        self.scores.pop(task_id, None)
        self._unplace(task_id, self._placed.pop(task_id, None))

    def replace_task(self, task_id, old, new):
        self.key_counts.subtract(data_keys(old))
        self.key_counts.update(data_keys(new))
        self._track_score(task_id, False)
        self.scores.pop(task_id, None)
        score = mean_score(new)
        if score is not None:
            self.scores[task_id] = score
        self._track_score(task_id, task_id not in self._placed)

    def set_summary(self, task_id, summary):
        """A task's completions record changed (or vanished: summary None). Only the orders
        whose key for the task changed are touched: a completion added to a completed task
        moves it in the completed_at orders alone (4 list operations instead of 8, in the
        project lock of every completion POST)."""
        if task_id not in self.ids:
            return
        old = self._placed.get(task_id)
        new = (summary.completed_at, summary.cancelled) if summary is not None and \
            summary.completed else None
        if new == old:
            return
        if (new is None) != (old is None):
            self._track_score(task_id, new is None)
            if new is None:
                self.uncompleted.add(task_id)
            else:
                self.uncompleted.discard(task_id)
        old_ts, old_cancelled = old if old is not None else (_ABSENT, _ABSENT)
        new_ts, new_cancelled = new if new is not None else (_ABSENT, _ABSENT)
        if old_cancelled != new_cancelled:
            if old is not None:
                self.cancelled_asc.discard(old_cancelled << _ID_BITS | task_id)
                self.cancelled_desc.discard(-old_cancelled << _ID_BITS | task_id)
            if new is not None:
                self.cancelled_asc.add(new_cancelled << _ID_BITS | task_id)
                self.cancelled_desc.add(-new_cancelled << _ID_BITS | task_id)
        if old_ts != new_ts:
            if old_ts is not None and old is not None:
                self.timed_asc.discard(old_ts << _ID_BITS | task_id)
                self.timed_desc.discard(-old_ts << _ID_BITS | task_id)
            if new_ts is not None and new is not None:
                self.timed_asc.add(new_ts << _ID_BITS | task_id)
                self.timed_desc.add(-new_ts << _ID_BITS | task_id)
            # untimed: the uncompleted tasks and the completed ones without a timestamp
            was_untimed, is_untimed = old is None or old_ts is None, new is None or new_ts is None
            if is_untimed and not was_untimed:
                self.untimed.add(task_id)
            elif was_untimed and not is_untimed:
                self.untimed.discard(task_id)
        if new is None:
            self._placed.pop(task_id, None)
        else:
            self._placed[task_id] = new

    def _track_score(self, task_id, is_open):
        """Keeps an uncompleted task's score in (or a completed one's out of) the score lists."""
        score = self.scores.get(task_id)
        if score is None:
            return
        if is_open:
            self.open_by_score.add((score, task_id))
            self.open_by_score_desc.add((-score, task_id))
        else:
            self.open_by_score.discard((score, task_id))
            self.open_by_score_desc.discard((-score, task_id))

    def _unplace(self, task_id, place):
        if place is None:
            self.uncompleted.discard(task_id)
            self.untimed.discard(task_id)
            return
        ts, cancelled = place
        self.cancelled_asc.discard(cancelled << _ID_BITS | task_id)
        self.cancelled_desc.discard(-cancelled << _ID_BITS | task_id)
        if ts is None:
            self.untimed.discard(task_id)
        else:
            self.timed_asc.discard(ts << _ID_BITS | task_id)
            self.timed_desc.discard(-ts << _ID_BITS | task_id)

    def page(self, name, descending, offset, limit):
        """Task ids at positions [offset, offset+limit) of the given order.

        Tasks without a value for the order (no completions, no timestamp) come last, and
        ties fall back to id ascending, in both directions.
        """
        stop = offset + limit
        if name == "id":
            return (self.ids.slice_from_end(offset, stop) if descending
                    else self.ids.slice(offset, stop))
        if name == "completed_at":
            valued = self.timed_desc if descending else self.timed_asc
            rest = self.untimed
        else:
            valued = self.cancelled_desc if descending else self.cancelled_asc
            rest = self.uncompleted
        head = [key & _ID_MASK for key in valued.slice(offset, stop)]
        return head + rest.slice(max(offset - len(valued), 0), stop - len(valued))


def _python_keys(ts, ids, sign):
    """(sign * ts << 40 | id) as Python ints (they pass 64 bits), in ascending order: numpy
    sorts, so building the SortedList costs one pass."""
    order = np.lexsort((ids, sign * ts))
    shifted = map(operator.lshift, (sign * ts[order]).tolist(), repeat(_ID_BITS))
    return list(map(operator.or_, shifted, ids[order].tolist()))

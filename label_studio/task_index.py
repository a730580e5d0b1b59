"""In-memory indexes over the tasks of a project, kept current on every change.

They answer paging, ordering, `next` and the data-key counts without touching every task:
a request costs what its answer needs.
"""
import math
from collections import Counter

from .sortedlist import SortedList

_ID_BITS = 40
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
    def __init__(self):
        self.ids = SortedList()
        self.uncompleted = SortedList()
        self.untimed = SortedList()
        self.timed_asc = SortedList()
        self.timed_desc = SortedList()
        self.cancelled_asc = SortedList()
        self.cancelled_desc = SortedList()
        self.key_counts = Counter()
        self.scores = {}
        # uncompleted tasks with a scored prediction, for the prediction-score sampling modes
        self.open_by_score = SortedList()
        self.open_by_score_desc = SortedList()
        self._placed = {}

    def rebuild(self, tasks, summaries):
        self.__init__()
        self.ids = SortedList(tasks)
        uncompleted, untimed, asc, desc, c_asc, c_desc = [], [], [], [], [], []
        shapes, summary_of, placed = {}, summaries.get, self._placed
        not_done = (False, None, 0)
        # the common task has no record and no predictions: keep its path short (1M at start-up)
        for task_id, task in tasks.items():
            data = task.get("data")
            if data.__class__ is dict:
                shape = tuple(data)  # tasks share a few key sets: count those, then the keys
                shapes[shape] = shapes.get(shape, 0) + 1
            if "predictions" in task:
                score = mean_score(task)
                if score is not None:
                    self.scores[task_id] = score
            summary = summary_of(task_id)
            place = not_done if summary is None else _place(summary)
            placed[task_id] = place
            if not place[0]:
                uncompleted.append(task_id)
                untimed.append(task_id)
                continue
            c_asc.append(_cancelled_key(task_id, place, 1))
            c_desc.append(_cancelled_key(task_id, place, -1))
            if place[1] is None:
                untimed.append(task_id)
            else:
                asc.append(place[1] << _ID_BITS | task_id)
                desc.append(-place[1] << _ID_BITS | task_id)
        for shape, n in shapes.items():
            for key in shape:
                self.key_counts[key] += n
        self.uncompleted = SortedList(uncompleted)
        self.untimed = SortedList(untimed)
        self.timed_asc = SortedList(asc)
        self.timed_desc = SortedList(desc)
        self.cancelled_asc = SortedList(c_asc)
        self.cancelled_desc = SortedList(c_desc)
        open_scores = [(score, i) for i, score in self.scores.items() if not self._placed[i][0]]
        self.open_by_score = SortedList(open_scores)
        self.open_by_score_desc = SortedList((-score, i) for score, i in open_scores)

    @property
    def completed_count(self):
        return len(self.ids) - len(self.uncompleted)

    def add_task(self, task_id, task, summary=None):
        self.ids.add(task_id)
        self.key_counts.update(data_keys(task))
        score = mean_score(task)
        if score is not None:
            self.scores[task_id] = score
        self._placed[task_id] = (False, None, 0)
        self.uncompleted.add(task_id)
        self.untimed.add(task_id)
        self._track_score(task_id, True)
        if summary is not None:
            self.set_summary(task_id, summary)

    def remove_task(self, task_id, task):
        if not self.ids.discard(task_id):
            return
        self.key_counts.subtract(data_keys(task))
        self._track_score(task_id, False)
        self.scores.pop(task_id, None)
        self._unplace(task_id, self._placed.pop(task_id))

    def replace_task(self, task_id, old, new):
        self.key_counts.subtract(data_keys(old))
        self.key_counts.update(data_keys(new))
        self._track_score(task_id, False)
        self.scores.pop(task_id, None)
        score = mean_score(new)
        if score is not None:
            self.scores[task_id] = score
        self._track_score(task_id, not self._placed[task_id][0])

    def set_summary(self, task_id, summary):
        """A task's completions record changed (or vanished: summary None)."""
        old = self._placed.get(task_id)
        if old is None:
            return
        new = _place(summary)
        if new == old:
            return
        if new[0] != old[0]:
            self._track_score(task_id, not new[0])
        self._unplace(task_id, old)
        self._placed[task_id] = new
        if not new[0]:
            self.uncompleted.add(task_id)
        else:
            self.cancelled_asc.add(_cancelled_key(task_id, new, 1))
            self.cancelled_desc.add(_cancelled_key(task_id, new, -1))
        if new[1] is None:
            self.untimed.add(task_id)
        else:
            self.timed_asc.add(new[1] << _ID_BITS | task_id)
            self.timed_desc.add(-new[1] << _ID_BITS | task_id)

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
        completed, ts, _ = place
        if not completed:
            self.uncompleted.discard(task_id)
        else:
            self.cancelled_asc.discard(_cancelled_key(task_id, place, 1))
            self.cancelled_desc.discard(_cancelled_key(task_id, place, -1))
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
            head = [key & _ID_MASK for key in valued.slice(offset, stop)]
            rest = self.untimed
        else:
            valued = self.cancelled_desc if descending else self.cancelled_asc
            head = [key[1] for key in valued.slice(offset, stop)]
            rest = self.uncompleted
        return head + rest.slice(max(offset - len(valued), 0), stop - len(valued))


def _cancelled_key(task_id, place, sign):
    """Ties of the cancelled count fall back to id ascending in both directions (spec/api.md)."""
    return (sign * place[2], task_id)


def _place(summary):
    """(completed, completed_at, cancelled count) of a task, from its record's summary."""
    if summary is None or not summary.completed:
        return (False, None, 0)
    return (True, summary.completed_at, summary.cancelled)

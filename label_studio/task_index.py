"""In-memory indexes over the tasks of a project, kept current on every change.

They answer paging, ordering, `next` and the data-key counts without touching every task:
a request costs what its answer needs.
"""
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
              and not isinstance(p.get("score"), bool)]
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
        self.key_counts = Counter()
        self.scores = {}
        self._placed = {}

    def rebuild(self, tasks, summaries):
        self.__init__()
        self.ids = SortedList(tasks)
        uncompleted, untimed, asc, desc = [], [], [], []
        for task_id, task in tasks.items():
            self.key_counts.update(data_keys(task))
            score = mean_score(task)
            if score is not None:
                self.scores[task_id] = score
            place = _place(summaries.get(task_id))
            self._placed[task_id] = place
            if not place[0]:
                uncompleted.append(task_id)
            if place[1] is None:
                untimed.append(task_id)
            else:
                asc.append(place[1] << _ID_BITS | task_id)
                desc.append(-place[1] << _ID_BITS | task_id)
        self.uncompleted = SortedList(uncompleted)
        self.untimed = SortedList(untimed)
        self.timed_asc = SortedList(asc)
        self.timed_desc = SortedList(desc)

    @property
    def completed_count(self):
        return len(self.ids) - len(self.uncompleted)

    def add_task(self, task_id, task, summary=None):
        self.ids.add(task_id)
        self.key_counts.update(data_keys(task))
        score = mean_score(task)
        if score is not None:
            self.scores[task_id] = score
        self._placed[task_id] = (False, None)
        self.uncompleted.add(task_id)
        self.untimed.add(task_id)
        if summary is not None:
            self.set_summary(task_id, summary)

    def remove_task(self, task_id, task):
        if not self.ids.discard(task_id):
            return
        self.key_counts.subtract(data_keys(task))
        self.scores.pop(task_id, None)
        self._unplace(task_id, self._placed.pop(task_id))

    def replace_task(self, task_id, old, new):
        self.key_counts.subtract(data_keys(old))
        self.key_counts.update(data_keys(new))
        self.scores.pop(task_id, None)
        score = mean_score(new)
        if score is not None:
            self.scores[task_id] = score

    def set_summary(self, task_id, summary):
        """A task's completions record changed (or vanished: summary None)."""
        old = self._placed.get(task_id)
        if old is None:
            return
        new = _place(summary)
        if new == old:
            return
        self._unplace(task_id, old)
        self._placed[task_id] = new
        if not new[0]:
            self.uncompleted.add(task_id)
        if new[1] is None:
            self.untimed.add(task_id)
        else:
            self.timed_asc.add(new[1] << _ID_BITS | task_id)
            self.timed_desc.add(-new[1] << _ID_BITS | task_id)

    def _unplace(self, task_id, place):
        completed, ts = place
        if not completed:
            self.uncompleted.discard(task_id)
        if ts is None:
            self.untimed.discard(task_id)
        else:
            self.timed_asc.discard(ts << _ID_BITS | task_id)
            self.timed_desc.discard(-ts << _ID_BITS | task_id)

    def page(self, name, descending, offset, limit, cancelled_of=None):
        """Task ids at positions [offset, offset+limit) of the given order."""
        stop = offset + limit
        if name == "id":
            return (self.ids.slice_from_end(offset, stop) if descending
                    else self.ids.slice(offset, stop))
        if name == "completed_at":
            timed = self.timed_desc if descending else self.timed_asc
            head = [key & _ID_MASK for key in timed.slice(offset, stop)]
            rest = self.untimed.slice(max(offset - len(timed), 0), stop - len(timed))
            return head + rest
        return self._by_cancelled(descending, cancelled_of)[offset:stop]

    def _by_cancelled(self, descending, cancelled_of):
        # rare order: sorted on demand; tasks without completions last, ties by id
        sign = -1 if descending else 1
        done, rest = [], []
        for task_id, (completed, ts) in self._placed.items():
            if completed:
                done.append((sign * cancelled_of(task_id), sign * (ts or 0), task_id))
            else:
                rest.append(task_id)
        done.sort()
        rest.sort()
        return [key[2] for key in done] + rest


def _place(summary):
    if summary is None or not summary.completed:
        return (False, None)
    return (True, summary.completed_at)

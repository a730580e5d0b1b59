"""The completion-record summaries of a project, {task id: Summary}, held as int64 columns.

A Summary object with its stamp tuple and ints cost ~650 bytes a completed task (130 MB for
200k); here a record costs 9 columns of 8 bytes. Summary objects are made when asked for.
"""
import numpy as np

from ..column_map import NONE, ColumnMap

# ino, mtime_ns, size (the file's stamp), count, cancelled, completed_at, max_id, digest
WIDTH = 8
INO, COUNT, CANCELLED, COMPLETED_AT, MAX_ID, DIGEST = 0, 3, 4, 5, 6, 7


class SummaryMap:
    def __init__(self, summary_type, keys=None, columns=None, digests=(), broken=None):
        self.summary_type = summary_type
        self._map = ColumnMap(WIDTH, keys, columns)
        self.digests = list(digests)  # shared by the records that reduce to the same one
        self._digest_ids = {digest: i for i, digest in enumerate(self.digests)}
        self._broken = dict(broken or {})  # task id -> why (a few at most)

    def _digest_id(self, digest):
        if digest is None:
            return None
        found = self._digest_ids.get(digest)
        if found is None:
            found = self._digest_ids[digest] = len(self.digests)
            self.digests.append(digest)
        return found

    def _summary(self, task_id, values):
        ino, mtime, size, count, cancelled, completed_at, max_id, digest = values
        return self.summary_type(None if ino is None else (ino, mtime, size), count, cancelled,
                                 completed_at, max_id, self._broken.get(task_id),
                                 None if digest is None else self.digests[digest])

    def get(self, task_id, default=None):
        values = self._map.get(task_id)
        return default if values is None else self._summary(task_id, values)

    def __getitem__(self, task_id):
        found = self.get(task_id)
        if found is None:
            raise KeyError(task_id)
        return found

    def __setitem__(self, task_id, summary):
        self.update({task_id: summary})

    def update(self, summaries):
        """Sets {task_id: Summary} with one merge of the columns."""
        self._map.update((task_id, self._values(task_id, summary))
                         for task_id, summary in summaries.items())

    def update_columns(self, keys, columns, digests, broken):
        """Sets many summaries given as columns (summarize_all in record_summarizer.py): the
        DIGEST column numbers values of the list `digests`; `broken`: {task id: why}."""
        # the DIGEST column is renumbered in place: a copy unless the array is ours already
        columns = np.require(columns, np.int64, ["C", "W", "O"]).reshape(len(keys), WIDTH)
        numbers = columns[:, DIGEST]
        given = numbers != NONE
        if given.any():
            ours = np.array([self._digest_id(digest) for digest in digests], dtype=np.int64)
            numbers[given] = ours[numbers[given]]
        if self._broken:
            known = np.fromiter(self._broken, dtype=np.int64, count=len(self._broken))
            for task_id in known[np.isin(known, keys)].tolist():
                del self._broken[task_id]
        self._broken.update(broken)
        self._map.update_arrays(np.asarray(keys, dtype=np.int64), columns)

    def _values(self, task_id, summary):
        if summary.broken:
            self._broken[task_id] = summary.broken
        else:
            self._broken.pop(task_id, None)
        stamp = summary.stamp or (None, None, None)
        return (*stamp, summary.count, summary.cancelled, summary.completed_at, summary.max_id,
                self._digest_id(summary.digest))

    def pop(self, task_id, default=None):
        found = self.get(task_id)
        if found is None:
            return default
        self._map.pop(task_id)
        self._broken.pop(task_id, None)
        return found

    def __delitem__(self, task_id):
        if self.pop(task_id) is None:
            raise KeyError(task_id)

    def __contains__(self, task_id):
        return task_id in self._map

    def __len__(self):
        return len(self._map)

    def __iter__(self):
        return iter(self._map.keys())

    def keys(self):
        return self._map.keys()

    def items(self):
        for task_id, values in self._map.items():
            yield task_id, self._summary(task_id, values)

    def values(self):
        return (summary for _, summary in self.items())

    def clear(self):
        self._map.clear()
        self._broken.clear()

    # ---- column views for start-up paths that would otherwise make 200k objects

    def arrays(self):
        """(task ids, columns) ascending by id."""
        return self._map.arrays()

    def broken(self):
        return dict(self._broken)

    def completed(self):
        """(ids, completed_at with NONE for none, cancelled counts) of records with
        completions, ascending by id."""
        keys, columns = self.arrays()
        done = columns[:, COUNT] > 0
        return keys[done], columns[done, COMPLETED_AT], columns[done, CANCELLED]

    def max_completion_id(self, default=0):
        _, columns = self.arrays()
        if not len(columns):
            return default
        ids = columns[:, MAX_ID]
        ids = ids[ids != NONE]
        return max(default, int(ids.max())) if len(ids) else default

    def present(self, task_ids):
        """A bool per id of the int64 array `task_ids`: whether it has a summary."""
        _, hit, _ = self._lookup(task_ids)
        return hit.tolist()

    def completion_total(self, task_ids):
        """How many completions the records of `task_ids` hold (an int64 array)."""
        rows, hit, columns = self._lookup(task_ids)
        return int(columns[rows[hit], COUNT].sum())

    def stamps_of(self, task_ids):
        """The stamp tuple of each id of the int64 array `task_ids`, None where there is no
        summary or no stamp, as a list."""
        rows, hit, columns = self._lookup(task_ids)
        hit &= columns[rows, INO] != NONE
        stamps = columns[rows, :3].tolist()
        return [tuple(stamp) if ok else None for stamp, ok in zip(stamps, hit.tolist())]

    def inode_of(self, task_ids):
        """The stamp inodes of `task_ids` (an int64 array), NONE where there is no summary."""
        rows, hit, columns = self._lookup(task_ids)
        out = np.full(len(task_ids), NONE, dtype=np.int64)
        out[hit] = columns[rows[hit], INO]
        return out

    def _lookup(self, task_ids):
        """(rows, hit, columns) for the int64 array `task_ids`: `hit` says which have a
        summary, at columns[rows[hit]]."""
        keys, columns = self.arrays()
        task_ids = np.asarray(task_ids, dtype=np.int64)
        if not len(keys):
            return (np.zeros(len(task_ids), dtype=np.int64), np.zeros(len(task_ids), dtype=bool),
                    np.zeros((1, columns.shape[1]), dtype=np.int64))
        rows = np.minimum(np.searchsorted(keys, task_ids), len(keys) - 1)
        return rows, keys[rows] == task_ids, columns

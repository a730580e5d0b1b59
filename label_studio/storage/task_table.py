"""Growable parallel numpy columns: one row per task, kept in ascending id order."""
import numpy as np

COLUMNS = (
    ("id", np.int64),
    ("start", np.int64),    # where the entry ('"id": {...}') starts in the file
    ("voff", np.uint32),    # value start - entry start
    ("vlen", np.uint32),    # the value's length in bytes
    ("shape", np.int32),    # index of the task's data keys in the store's shapes (-1: unknown)
    ("score", np.float64),  # mean prediction score (NaN: none)
    ("npred", np.uint32),   # how many predictions (objects in "predictions")
)
RECORD = np.dtype(list(COLUMNS))


class Table:
    def __init__(self, columns=None):
        """`columns`: {name: array}, all the same length (copied into owned storage)."""
        columns = columns or {}
        self.n = len(columns["id"]) if columns else 0
        capacity = max(self.n, 1024)
        self._data = {}
        for name, dtype in COLUMNS:
            array = np.empty(capacity, dtype=dtype)
            if columns:
                array[:self.n] = columns[name]
            self._data[name] = array

    @classmethod
    def from_records(cls, records):
        return cls({name: records[name] for name, _ in COLUMNS})

    def __len__(self):
        return self.n

    def __getattr__(self, name):
        data = self.__dict__.get("_data")
        if data is None or name not in data:
            raise AttributeError(name)
        return data[name][:self.n]

    def records(self, start=0):
        """Rows [start, n) as one structured array (the index file's layout)."""
        out = np.empty(self.n - start, dtype=RECORD)
        for name, _ in COLUMNS:
            out[name] = self._data[name][start:self.n]
        return out

    def append(self, columns):
        extra = len(columns["id"])
        need = self.n + extra
        if need > len(self._data["id"]):
            capacity = max(need, int(len(self._data["id"]) * 1.5))
            for name, dtype in COLUMNS:
                grown = np.empty(capacity, dtype=dtype)
                grown[:self.n] = self._data[name][:self.n]
                self._data[name] = grown
        for name, _ in COLUMNS:
            self._data[name][self.n:need] = columns[name]
        self.n = need

    def position(self, task_id):
        """The row of `task_id`, or -1."""
        ids = self.id
        at = int(ids.searchsorted(task_id))
        return at if at < self.n and ids[at] == task_id else -1

    def value_of(self, row):
        """(task id, start, end) of one row's task value in the file: a task read alone (a
        listing sorted by date, a task page) needs no column slices."""
        data = self._data
        start = int(data["start"][row]) + int(data["voff"][row])
        return int(data["id"][row]), start, start + int(data["vlen"][row])

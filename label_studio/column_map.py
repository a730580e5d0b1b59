"""A mapping of int keys to fixed tuples of ints, held as sorted numpy columns.

A dict of 200k small tuples of ints costs about 500 bytes an entry (the dict slot, the
tuple, an object per int); here an entry costs 8 bytes a column. Changes go to a small dict
on top (`_overlay`, plus `_gone` for removed keys) that is merged into the columns once it
grows past a share of them, so a change costs O(1) and the columns stay compact.

Values are tuples of Python ints or None (None is stored as NONE).
"""
import numpy as np

NONE = np.iinfo(np.int64).min
MERGE_SHARE = 0.1
MERGE_MIN = 4096


class ColumnMap:
    def __init__(self, width, keys=None, columns=None):
        """`keys`: ascending int64 array; `columns`: a (len(keys), width) int64 array."""
        self.width = width
        self._keys = np.asarray(keys if keys is not None else [], dtype=np.int64)
        self._columns = (np.asarray(columns, dtype=np.int64).reshape(len(self._keys), width)
                         if columns is not None else np.empty((0, width), dtype=np.int64))
        self._overlay = {}
        self._gone = set()
        self._len = len(self._keys)

    @classmethod
    def from_items(cls, width, items):
        """From {key: tuple} or [(key, tuple)]; keys need not be sorted."""
        items = list(items.items()) if isinstance(items, dict) else list(items)
        keys = np.fromiter((k for k, _ in items), dtype=np.int64, count=len(items))
        columns = _rows_array((value for _, value in items), width)
        order = np.argsort(keys, kind="stable")
        return cls(width, keys[order], columns[order])

    def _row(self, key):
        keys = self._keys
        at = int(keys.searchsorted(key))  # the method: np.searchsorted's dispatch costs more
        return at if at < len(keys) and keys[at] == key else -1

    def get(self, key, default=None):
        found = self._overlay.get(key)
        if found is not None:
            return found
        if key in self._gone:
            return default
        row = self._row(key)
        if row < 0:
            return default
        values = self._columns[row].tolist()
        if NONE in values:
            return tuple(None if v == NONE else v for v in values)
        return tuple(values)

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key):
        if key in self._overlay:
            return True
        return key not in self._gone and self._row(key) >= 0

    def __setitem__(self, key, value):
        if key not in self:
            self._len += 1
        self._overlay[key] = tuple(value)
        self._gone.discard(key)
        self._merge_if_large()

    def update(self, items):
        """Sets many (key, value) pairs with one merge; a large batch (a first load of 200k
        records) goes into the columns as arrays, without a look-up per key."""
        items = dict(items)  # a key given twice: its last value
        if len(items) >= MERGE_MIN:
            self._merge_many(items)
            return
        for key, value in items.items():
            if key in self._overlay:
                self._overlay[key] = tuple(value)
                continue
            if key in self._gone:
                self._gone.discard(key)
            elif self._row(key) < 0:
                self._len += 1
            self._overlay[key] = tuple(value)
        self._merge_if_large()

    def pop(self, key, default=None):
        value = self.get(key)
        if value is None:
            return default
        self._len -= 1
        self._overlay.pop(key, None)
        if self._row(key) >= 0:
            self._gone.add(key)
            self._merge_if_large()
        return value

    def __delitem__(self, key):
        if self.pop(key) is None:
            raise KeyError(key)

    def __len__(self):
        return self._len

    def __iter__(self):
        return iter(self.keys())

    def keys(self):
        return self.arrays()[0].tolist()

    def items(self):
        keys, columns = self.arrays()
        for key, row in zip(keys.tolist(), columns.tolist()):
            yield key, tuple(None if v == NONE else v for v in row)

    def arrays(self):
        """(keys, columns) of every entry, ascending by key. The changes are merged into the
        columns on the way (once: the next call, with no change between, costs nothing)."""
        if self._overlay or self._gone:
            self._merge()
        return self._keys, self._columns

    def _merge_many(self, items):
        self.update_arrays(np.fromiter(items, dtype=np.int64, count=len(items)),
                           _rows_array(items.values(), self.width))

    def update_arrays(self, keys, columns):
        """Sets the rows of `columns` (a (len(keys), width) int64 array, NONE for None) for
        the distinct int64 `keys`, in any order, with one merge."""
        self.arrays()  # the pending changes first
        if len(self._keys):
            keep = ~np.isin(self._keys, keys)
            keys = np.concatenate([self._keys[keep], keys])
            columns = np.concatenate([self._columns[keep], columns])
        order = np.argsort(keys)  # distinct keys: any sort gives the one order
        self._keys, self._columns = keys[order], columns[order]
        self._len = len(self._keys)

    def _merge(self):
        changed = set(self._overlay) | self._gone
        keep = ~np.isin(self._keys, np.fromiter(changed, dtype=np.int64, count=len(changed)))
        extra = sorted(self._overlay.items())
        extra_keys = np.fromiter((k for k, _ in extra), dtype=np.int64, count=len(extra))
        extra_columns = _rows_array((value for _, value in extra), self.width)
        keys = np.concatenate([self._keys[keep], extra_keys])
        columns = np.concatenate([self._columns[keep], extra_columns])
        order = np.argsort(keys, kind="stable")
        self._keys, self._columns = keys[order], columns[order]
        self._overlay = {}
        self._gone = set()

    def clear(self):
        self.__init__(self.width)

    def _merge_if_large(self):
        if len(self._overlay) + len(self._gone) > max(MERGE_MIN, MERGE_SHARE * len(self._keys)):
            self._merge()


def _rows_array(values, width):
    """A (count, width) int64 array of value tuples, None stored as NONE."""
    rows = [value if None not in value else [NONE if v is None else v for v in value]
            for value in values]
    return np.array(rows, dtype=np.int64).reshape(len(rows), width)

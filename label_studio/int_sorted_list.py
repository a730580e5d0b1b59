"""A sorted list of int64 values in numpy blocks: 8 bytes a value, O(log n) insert and delete,
cheap positional slices.

The pure-Python SortedList (sortedlist.py) spends 36 bytes on each int (a pointer and the
int object): 1M task ids cost 36 MB in each of the five id lists of the task index. Here
a block is a numpy array of at most 2 * LOAD values; an insert copies one block. The
positional reads (slices, indexing) are SortedList's.
"""
from bisect import bisect_left

import numpy as np

from .sortedlist import SortedList

LOAD = 2048


class IntSortedList(SortedList):
    def __init__(self, values=()):
        ordered = np.sort(np.asarray(values, dtype=np.int64)) if len(values) else \
            np.empty(0, dtype=np.int64)
        self._set_sorted(ordered)

    @classmethod
    def from_sorted(cls, array):
        """From an ascending int64 array (not copied: blocks are views until changed)."""
        out = cls.__new__(cls)
        out._set_sorted(np.asarray(array, dtype=np.int64))
        return out

    def _set_sorted(self, ordered):
        self._blocks = [ordered[i:i + LOAD] for i in range(0, len(ordered), LOAD)]
        self._maxes = [int(block[-1]) for block in self._blocks]
        self._len = len(ordered)

    def __iter__(self):
        for block in self._blocks:
            yield from block.tolist()

    def to_array(self):
        return np.concatenate(self._blocks) if self._blocks else np.empty(0, dtype=np.int64)

    def _locate(self, value):
        """(block index, position in block) where value is or would go; block None past all."""
        i = bisect_left(self._maxes, value)
        if i == len(self._maxes):
            return None, 0
        return i, int(self._blocks[i].searchsorted(value))  # the method: less dispatch

    def __contains__(self, value):
        i, j = self._locate(value)
        return i is not None and self._blocks[i][j] == value

    def add(self, value):
        value = int(value)
        if not self._blocks:
            self._blocks.append(np.array([value], dtype=np.int64))
            self._maxes.append(value)
            self._len = 1
            return
        i, j = self._locate(value)
        if i is None:
            i = len(self._blocks) - 1
            j = len(self._blocks[i])
            self._maxes[i] = value
        block = _inserted(self._blocks[i], j, value)
        if len(block) > 2 * LOAD:
            self._blocks[i:i + 1] = [block[:LOAD], block[LOAD:]]
            self._maxes[i:i + 1] = [int(block[LOAD - 1]), int(block[-1])]
        else:
            self._blocks[i] = block
        self._len += 1

    def extend_sorted(self, array):
        """Adds ascending values all above the largest one held (tasks appended)."""
        array = np.asarray(array, dtype=np.int64)
        if not len(array):
            return
        if self._maxes and array[0] <= self._maxes[-1]:
            for value in array.tolist():
                self.add(value)
            return
        count = len(array)
        if self._blocks and len(self._blocks[-1]) < LOAD:
            room = LOAD - len(self._blocks[-1])
            self._blocks[-1] = np.concatenate([self._blocks[-1], array[:room]])
            self._maxes[-1] = int(self._blocks[-1][-1])
            array = array[room:]
        for start in range(0, len(array), LOAD):
            block = array[start:start + LOAD].copy()
            self._blocks.append(block)
            self._maxes.append(int(block[-1]))
        self._len += count

    def discard(self, value) -> bool:
        i, j = self._locate(value)
        if i is None or self._blocks[i][j] != value:
            return False
        block = np.concatenate((self._blocks[i][:j], self._blocks[i][j + 1:]))
        if len(block):
            self._blocks[i] = block
            self._maxes[i] = int(block[-1])
        else:
            del self._blocks[i]
            del self._maxes[i]
        self._len -= 1
        return True

    def first(self):
        return int(self._blocks[0][0]) if self._len else None

    @staticmethod
    def _values(part):
        return part.tolist()


def _inserted(block, at, value):
    """np.insert(block, at, value), without its generic checks (a quarter of the time: the
    task index updates several lists on every completion write)."""
    grown = np.empty(len(block) + 1, dtype=np.int64)
    grown[:at] = block[:at]
    grown[at] = value
    grown[at + 1:] = block[at:]
    return grown

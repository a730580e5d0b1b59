"""A sorted list of int64 values in blocks (numpy views until changed, then array('q')):
8 bytes a value, O(log n) insert and delete, cheap positional slices.

The pure-Python SortedList (sortedlist.py) spends 36 bytes on each int (a pointer and the
int object): 1M task ids cost 36 MB in each of the five id lists of the task index. Here a
block holds at most 2 * LOAD values. A list made from a sorted numpy array starts with
blocks that are views of it (no copy: the task ids' list shares the task table's column);
a block is copied into an array('q') the first time it changes, and from then on an insert
or a delete moves the rest of that block in place. Blocks used to be numpy arrays replaced
by a new one at each change: 2.13 -> 0.56 us an add or discard (100k values, in process),
and a completion write makes 4 to 6 of them. The positional reads (slices, indexing) are
SortedList's.
"""
from array import array
from bisect import bisect_left

import numpy as np

from .sortedlist import SortedList

LOAD = 2048


def _block(values):
    """An array('q') holding a slice of an int64 numpy array."""
    block = array("q")
    block.frombytes(np.ascontiguousarray(values, dtype=np.int64).tobytes())
    return block


class IntSortedList(SortedList):
    def __init__(self, values=()):
        ordered = np.sort(np.asarray(values, dtype=np.int64)) if len(values) else \
            np.empty(0, dtype=np.int64)
        self._set_sorted(ordered)

    @classmethod
    def from_sorted(cls, array_):
        """From an ascending int64 array (not copied: blocks are views until changed)."""
        out = cls.__new__(cls)
        out._set_sorted(np.asarray(array_, dtype=np.int64))
        return out

    def _set_sorted(self, ordered):
        self._blocks = [ordered[i:i + LOAD] for i in range(0, len(ordered), LOAD)]
        self._maxes = [int(block[-1]) for block in self._blocks]
        self._len = len(ordered)

    def __iter__(self):
        for block in self._blocks:
            yield from block.tolist()

    def to_array(self):
        if not self._blocks:
            return np.empty(0, dtype=np.int64)
        return np.concatenate([np.frombuffer(block, dtype=np.int64)
                               if block.__class__ is array else block
                               for block in self._blocks])

    def _locate(self, value):
        """(block index, position in block) where value is or would go; block None past all."""
        i = bisect_left(self._maxes, value)
        if i == len(self._maxes):
            return None, 0
        block = self._blocks[i]
        if block.__class__ is array:
            return i, bisect_left(block, value)
        return i, int(block.searchsorted(value))  # the method: less dispatch

    def _owned(self, i):
        """Block i as an array('q') of this list's own, to change in place."""
        block = self._blocks[i]
        if block.__class__ is not array:
            block = self._blocks[i] = _block(block)
        return block

    def __contains__(self, value):
        i, j = self._locate(value)
        return i is not None and self._blocks[i][j] == value

    def add(self, value):
        value = int(value)
        if not self._blocks:
            self._blocks.append(array("q", [value]))
            self._maxes.append(value)
            self._len = 1
            return
        i, j = self._locate(value)
        if i is None:
            i = len(self._blocks) - 1
            j = len(self._blocks[i])
            self._maxes[i] = value
        block = self._owned(i)
        block.insert(j, value)
        if len(block) > 2 * LOAD:
            self._blocks[i:i + 1] = [block[:LOAD], block[LOAD:]]
            self._maxes[i:i + 1] = [block[LOAD - 1], block[-1]]
        self._len += 1

    def extend_sorted(self, values):
        """Adds ascending values all above the largest one held (tasks appended)."""
        values = np.asarray(values, dtype=np.int64)
        if not len(values):
            return
        if self._maxes and values[0] <= self._maxes[-1]:
            for value in values.tolist():
                self.add(value)
            return
        count = len(values)
        if self._blocks and len(self._blocks[-1]) < LOAD:
            room = LOAD - len(self._blocks[-1])
            self._owned(-1).extend(_block(values[:room]))
            self._maxes[-1] = self._blocks[-1][-1]
            values = values[room:]
        for start in range(0, len(values), LOAD):
            block = _block(values[start:start + LOAD])
            self._blocks.append(block)
            self._maxes.append(block[-1])
        self._len += count

    def discard(self, value) -> bool:
        i, j = self._locate(value)
        if i is None or self._blocks[i][j] != value:
            return False
        block = self._owned(i)
        del block[j]
        if block:
            self._maxes[i] = block[-1]
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

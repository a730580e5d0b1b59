"""A sorted list with O(log n) insert and delete and cheap positional slices.

Values live in sublists of bounded length, so an insert moves at most a few thousand
pointers and a positional lookup walks the sublist lengths, not the values.
"""
from bisect import bisect_left, insort

_LOAD = 1000


class SortedList:
    def __init__(self, values=()):
        ordered = sorted(values)
        self._blocks = [ordered[i:i + _LOAD] for i in range(0, len(ordered), _LOAD)]
        self._maxes = [part[-1] for part in self._blocks]
        self._len = len(ordered)

    def __len__(self):
        return self._len

    def __bool__(self):
        return self._len > 0

    def __iter__(self):
        for part in self._blocks:
            yield from part

    def __contains__(self, value):
        i = bisect_left(self._maxes, value)
        if i == len(self._maxes):
            return False
        part = self._blocks[i]
        j = bisect_left(part, value)
        return part[j] == value

    def add(self, value):
        maxes = self._maxes
        if not maxes:
            self._blocks.append([value])
            maxes.append(value)
        else:
            i = bisect_left(maxes, value)
            if i == len(maxes):
                i -= 1
                self._blocks[i].append(value)
                maxes[i] = value
            else:
                insort(self._blocks[i], value)
            part = self._blocks[i]
            if len(part) > 2 * _LOAD:
                self._blocks[i:i + 1] = [part[:_LOAD], part[_LOAD:]]
                maxes[i:i + 1] = [part[_LOAD - 1], part[-1]]
        self._len += 1

    def discard(self, value) -> bool:
        i = bisect_left(self._maxes, value)
        if i == len(self._maxes):
            return False
        part = self._blocks[i]
        j = bisect_left(part, value)
        if part[j] != value:
            return False
        del part[j]
        if part:
            self._maxes[i] = part[-1]
        else:
            del self._blocks[i]
            del self._maxes[i]
        self._len -= 1
        return True

    def first(self):
        return self._blocks[0][0] if self._len else None

    def __getitem__(self, position):
        if position < 0:
            position += self._len
        if not 0 <= position < self._len:
            raise IndexError(position)
        for part in self._blocks:
            if position < len(part):
                return self._values(part[position:position + 1])[0]
            position -= len(part)
        raise IndexError(position)

    @staticmethod
    def _values(part):
        """A slice of a block as a list of Python values (blocks of subclasses differ)."""
        return part

    def slice(self, start, stop):
        """Values at positions [start, stop), ascending."""
        start, stop = max(start, 0), min(stop, self._len)
        out = []
        if start >= stop:
            return out
        for part in self._blocks:
            n = len(part)
            if start >= n:
                start -= n
                stop -= n
                continue
            out.extend(self._values(part[start:stop]))
            stop -= n
            start = 0
            if stop <= 0:
                break
        return out

    def slice_from_end(self, start, stop):
        """Values at positions [start, stop) counted from the largest value, descending."""
        lo, hi = self._len - min(stop, self._len), self._len - max(start, 0)
        if lo >= hi:
            return []
        return self.slice(lo, hi)[::-1]

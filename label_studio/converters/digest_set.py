"""DigestSet: a set of strings kept as 64-bit digests in one flat array.

About 16 bytes a member where a Python set of strings takes about 100, so the file names an
export of a million images hands out stay a few megabytes. Two strings with the same digest
would count as one; with 64 bits that does not happen in practice, and the digest does not
vary between runs, so an export would at least repeat itself exactly.
"""
from array import array
from hashlib import blake2b

_EMPTY = 0


def _digest(text) -> int:
    value = int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8)
                           .digest(), "little")
    return value or 1


class DigestSet:
    def __init__(self, capacity=1024):   # a power of two
        self._slots = array("Q", [_EMPTY]) * capacity
        self._count = 0

    def __len__(self):
        return self._count

    def __contains__(self, text):
        digest = _digest(text)
        return self._slots[self._slot(digest)] == digest

    def add_new(self, text) -> bool:
        """Adds `text`; False when it was there already."""
        digest = _digest(text)
        slot = self._slot(digest)
        if self._slots[slot] == digest:
            return False
        self._slots[slot] = digest
        self._count += 1
        if self._count * 2 > len(self._slots):
            self._grow()
        return True

    def _slot(self, digest):
        """The slot holding `digest`, or the empty one where it would go (linear probing)."""
        slots = self._slots
        mask = len(slots) - 1
        slot = digest & mask
        while slots[slot] != digest and slots[slot] != _EMPTY:
            slot = (slot + 1) & mask
        return slot

    def _grow(self):
        old = self._slots
        self._slots = array("Q", [_EMPTY]) * (2 * len(old))
        for digest in old:
            if digest != _EMPTY:
                self._slots[self._slot(digest)] = digest

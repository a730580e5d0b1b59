"""Task ids as decimal text, for arrays of them at once (numpy, no Python loop per id)."""
import numpy as np

_POWERS_OF_TEN = np.array([10 ** k for k in range(1, 19)], dtype=np.int64)


def text_lengths(ids):
    """len(b"%d" % id) of each id of an int64 array: its digits and its sign."""
    ids = np.asarray(ids, dtype=np.int64)
    return 1 + np.searchsorted(_POWERS_OF_TEN, np.abs(ids), side="right") + (ids < 0)


def join_around(pieces, ids, separator=b","):
    """separator.join(b"%d".join(pieces) % (id, id, ...) for id in ids): each entry is the
    bytes `pieces` with the id written between every two of them. Rows of one digit count
    are filled as a byte matrix: 1M source.json entries take 0.1 s instead of 0.5 s."""
    ids = np.asarray(ids, dtype=np.int64)
    if not len(ids):
        return b""
    if ids.min() < 0:
        return separator.join((b"%d" % i).join(pieces) for i in ids.tolist())
    lengths = text_lengths(ids)
    # runs of ids with the same number of digits, in the order given
    breaks = np.flatnonzero(np.diff(lengths)) + 1
    starts = np.concatenate([[0], breaks]).tolist()
    stops = np.concatenate([breaks, [len(ids)]]).tolist()
    return separator.join(_rows(pieces, ids[a:b], int(lengths[a]), separator)
                          for a, b in zip(starts, stops))


def _rows(pieces, ids, digits, separator):
    """The entries of ids that all have `digits` digits, separated."""
    row = (b"0" * digits).join(pieces) + separator
    matrix = np.empty((len(ids), len(row)), dtype=np.uint8)
    matrix[:] = np.frombuffer(row, dtype=np.uint8)
    places = []  # the column of each conversion's first digit
    column = 0
    for piece in pieces[:-1]:
        column += len(piece)
        places.append(column)
        column += digits
    value = ids.copy()
    for k in range(digits - 1, -1, -1):  # the last digit first
        digit = (value % 10 + 48).astype(np.uint8)
        value //= 10
        for place in places:
            matrix[:, place + k] = digit
    data = matrix.tobytes()
    return data[:len(data) - len(separator)]

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


def parse_digits(text, lengths):
    """The ids written one after another in `text` (ASCII digits only, bytes), the i-th in
    the next lengths[i] bytes: what int() gives each, as an int64 array at once (10k ids:
    0.7-0.8 ms, against 1.1 ms for int() per key, the range check and filling a column).
    None when any is not plain digits or has more than 18 of them."""
    if not len(lengths) or lengths.max() > 18 or lengths.min() < 1 or not text.isdigit():
        return None
    digits = np.frombuffer(text, dtype=np.uint8).astype(np.int64) - ord("0")
    ends = np.cumsum(lengths)
    # each digit's power of ten: how many digits of its id come after it
    after = np.repeat(ends, lengths) - np.arange(len(digits)) - 1
    return np.add.reduceat(digits * _POWERS[after], ends - lengths)


_POWERS = np.array([10 ** k for k in range(19)], dtype=np.int64)

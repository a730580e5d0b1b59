"""Task ids written as text for whole arrays: the same bytes as formatting each id."""
import random

import numpy as np
import pytest

from label_studio.storage.id_text import join_around, text_lengths

PIECES = [b'"', b'":{"key":"50%d proj/tasks.json/', b'","exists":true}']


def one_by_one(ids, pieces=PIECES, separator=b","):
    return separator.join((b"%d" % i).join(pieces) for i in ids)


EDGES = [0, 5, 9, 10, 99, 100, 101, 999_999, 1_000_000, 10 ** 17, 10 ** 18 - 1, 10 ** 18,
         2 ** 63 - 1]


@pytest.mark.parametrize("ids", [
    [], [0], [7], list(range(0, 1200)), EDGES, list(reversed(EDGES)),
    [3, 10_000, 4, 10_000_000, 5],  # runs of one digit count come and go, order is kept
    [-5, 3, -100], [0, -1],
])
def test_entries_are_the_bytes_of_formatting_each_id(ids):
    assert join_around(PIECES, np.array(ids, dtype=np.int64)) == one_by_one(ids)
    assert join_around(PIECES, ids) == one_by_one(ids)
    assert join_around([b"<", b">"], ids, separator=b"|") == one_by_one(ids, [b"<", b">"], b"|")


def test_text_lengths_count_digits_and_sign():
    rng = random.Random(3)
    ids = EDGES + [-1, -9, -10, -(2 ** 63) + 1] + [rng.randrange(-10 ** 15, 10 ** 18)
                                                   for _ in range(5000)]
    assert text_lengths(np.array(ids, dtype=np.int64)).tolist() == [len(b"%d" % i) for i in ids]


def test_many_random_ids():
    rng = random.Random(5)
    ids = sorted(rng.randrange(0, 10 ** rng.randrange(1, 19)) for _ in range(20000))
    assert join_around(PIECES, np.array(ids, dtype=np.int64)) == one_by_one(ids)

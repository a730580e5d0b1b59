"""ColumnMap (the completion summaries' store) behaves as a dict of tuples, whichever path a
change takes: one key at a time (the overlay), or a large batch merged into the columns."""
import random

import pytest

from label_studio.column_map import MERGE_MIN, ColumnMap


def apply_changes(store, expected, rng, count):
    for _ in range(count):
        if expected and rng.random() < 0.3:
            key = rng.choice(sorted(expected))
            assert store.pop(key) == expected.pop(key)
        else:
            key = rng.randrange(10 ** 6)
            store[key] = expected[key] = (key, rng.randrange(5), None)


@pytest.mark.parametrize("existing, batch, singles", [
    (0, MERGE_MIN + 10, 0),        # a first load
    (300, MERGE_MIN * 2, 200),     # a batch on top of pending single changes
    (MERGE_MIN * 3, 20, 50),       # a small batch: through the overlay
])
def test_updates_match_a_dict(existing, batch, singles):
    rng = random.Random(existing + batch)
    store, expected = ColumnMap(3), {}
    first = {key: (key, 0, 1) for key in rng.sample(range(10 ** 6), existing)}
    store.update(first.items())
    expected.update(first)
    apply_changes(store, expected, rng, singles)
    pairs = [(rng.randrange(10 ** 6), (1, None, rng.randrange(9))) for _ in range(batch)]
    pairs.append((pairs[0][0], (7, 7, 7)))  # a key given twice: the last value wins
    store.update(iter(pairs))
    expected.update(pairs)

    assert len(store) == len(expected)
    assert dict(store.items()) == expected
    keys, _ = store.arrays()
    assert keys.tolist() == sorted(expected)
    for key in sorted(expected)[:50]:
        assert store.get(key) == expected[key] and key in store
    assert store.get(-1) is None and -1 not in store

"""New tasks as the bytes of tasks.json entries, and the columns the store keeps of them."""
from itertools import repeat

import numpy as np
import orjson

from .. import jsonio
from ..task_index import mean_score
from .id_text import text_lengths

ENCODE_BATCH = 10000


def prediction_facts(task):
    """(mean score or NaN, number of predictions) of a task with a "predictions" key."""
    predictions = task["predictions"]
    count = sum(1 for p in predictions if isinstance(p, dict)) \
        if isinstance(predictions, list) else 0
    score = mean_score(task)
    return (np.nan if score is None else score), count


def encode(ids, tasks, store, consume=False):
    """The entries ('"id":{...}') of new tasks as comma-joined chunks of ENCODE_BATCH, and
    their columns; starts count from the first entry, with a comma between entries.

    Each batch goes through list comprehensions and map() rather than one Python loop body
    per task (the CLI import of a 1M-task file spends most of its time here)."""
    count = len(tasks)
    lengths = np.empty(count, dtype=np.int64)
    shapes = np.empty(count, dtype=np.int32)
    scores = np.full(count, np.nan)
    npred = np.zeros(count, dtype=np.uint32)
    chunks = []
    for first in range(0, count, ENCODE_BATCH):
        stop = min(first + ENCODE_BATCH, count)
        batch = tasks[first:stop]
        parts = _entries(ids[first:stop], batch)
        chunks.append(b",".join(parts))
        lengths[first:stop] = np.fromiter(map(len, parts), dtype=np.int64, count=stop - first)
        shapes[first:stop] = shapes_of(batch, store)
        for k in [k for k, task in enumerate(batch) if "predictions" in task]:
            scores[first + k], npred[first + k] = prediction_facts(batch[k])
        if consume:
            tasks[first:stop] = [None] * (stop - first)
    starts = np.zeros(count, dtype=np.int64)
    if count:
        starts[1:] = np.cumsum(lengths + 1)[:-1]
    ids = np.asarray(ids, dtype=np.int64)
    key_lengths = 3 + text_lengths(ids)  # '"<id>":'
    columns = {"id": ids, "start": starts, "voff": key_lengths,
               "vlen": lengths - key_lengths, "shape": shapes, "score": scores, "npred": npred}
    return chunks, columns


def _entries(ids, batch):
    """'"id":{task}' of each task. Plain orjson.dumps: without OPT_NON_STR_KEYS it is twice
    as fast, and gives the same bytes for the string keys that tasks have; a batch it refuses
    goes through jsonio.dumps (other keys, big ints)."""
    try:
        return [b'"%d":' % task_id + orjson.dumps(task) for task_id, task in zip(ids, batch)]
    except TypeError:
        return [b'"%d":' % task_id + jsonio.dumps(task) for task_id, task in zip(ids, batch)]


def shapes_of(batch, store):
    """The store's shape id (its tuple of data keys) of each task, new shapes registered."""
    datas = list(map(dict.get, batch, repeat("data")))
    if not set(map(type, datas)) <= {dict}:
        return [store._shape_id(task) for task in batch]
    found = list(map(store._shape_ids.get, map(tuple, datas)))
    if None in found:  # new shapes: rare after the first batch
        for k in [k for k, shape in enumerate(found) if shape is None]:
            found[k] = store._shape_id(batch[k])
    return found


def encode_each(ids, tasks, store):
    """Like encode, with one bytes object per entry (a rewrite places them one by one)."""
    parts, columns = [], None
    chunks, columns = encode(ids, tasks, store)
    for chunk, first in zip(chunks, range(0, len(tasks), ENCODE_BATCH)):
        starts = columns["start"][first:first + ENCODE_BATCH] - columns["start"][first]
        ends = starts + columns["voff"][first:first + ENCODE_BATCH] + \
            columns["vlen"][first:first + ENCODE_BATCH]
        parts.extend(chunk[a:b] for a, b in zip(starts.tolist(), ends.tolist()))
    return parts, columns


def joined(parts, separator, batch=None):
    """[part, separator, part, ...]: separators between, nothing joined into one big bytes
    (or, with `batch`, the parts joined a batch at a time)."""
    if batch:
        groups = [separator.join(parts[i:i + batch]) for i in range(0, len(parts), batch)]
        return joined(groups, separator)
    out = []
    for n, part in enumerate(parts):
        if n:
            out.append(separator)
        out.append(part)
    return out

"""New tasks as the bytes of tasks.json entries, and the columns the store keeps of them."""
import numpy as np

from .. import jsonio
from ..task_index import mean_score

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
    their columns; starts count from the first entry, with a comma between entries."""
    count = len(tasks)
    lengths = np.empty(count, dtype=np.int64)
    key_lengths = np.empty(count, dtype=np.int64)
    shapes = np.empty(count, dtype=np.int32)
    scores = np.full(count, np.nan)
    npred = np.zeros(count, dtype=np.uint32)
    shape_ids = store._shape_ids
    chunks = []
    for first in range(0, count, ENCODE_BATCH):
        stop = min(first + ENCODE_BATCH, count)
        parts, part_lengths, keys, batch_shapes = [], [], [], []
        for k in range(first, stop):
            task = tasks[k]
            key = b'"%d":' % ids[k]
            part = key + jsonio.dumps(task)
            parts.append(part)
            part_lengths.append(len(part))
            keys.append(len(key))
            data = task.get("data")
            found = shape_ids.get(tuple(data) if data.__class__ is dict else ())
            batch_shapes.append(store._shape_id(task) if found is None else found)
            if "predictions" in task:
                scores[k], npred[k] = prediction_facts(task)
            if consume:
                tasks[k] = None
        chunks.append(b",".join(parts))
        lengths[first:stop] = part_lengths
        key_lengths[first:stop] = keys
        shapes[first:stop] = batch_shapes
    starts = np.zeros(count, dtype=np.int64)
    if count:
        starts[1:] = np.cumsum(lengths + 1)[:-1]
    columns = {"id": np.asarray(ids, dtype=np.int64), "start": starts, "voff": key_lengths,
               "vlen": lengths - key_lengths, "shape": shapes, "score": scores, "npred": npred}
    return chunks, columns


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

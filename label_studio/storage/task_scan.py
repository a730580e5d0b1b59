"""A first open of a tasks.json: where each task lies, checked by decoding it once.

The bytes are scanned for the entries' spans (json_offsets.py), then decoded a batch of
entries at a time to check them and to learn each task's id, data keys and prediction
facts; the tasks themselves are dropped again. A legacy list of tasks is encoded into an
object held in memory.
"""
from itertools import compress, repeat

import numpy as np

from .. import jsonio
from .json_offsets import NotAnObject, scan_object
from .task_encoding import encode, prediction_facts, shapes_of
from .task_table import Table

DECODE_BATCH = 10000  # 1M tasks, fresh processes: 1.48-1.58 s of CPU against 1.57-1.69 at 20000


def index_bytes(store, raw):
    """Fills a just-reset store from the bytes of its file (a first open)."""
    if not raw.strip():
        store._fd_unused()
        return
    try:
        entries = scan_object(raw)
    except NotAnObject:
        _from_other_json(store, raw)
        store._fd_unused()
        return
    except (ValueError, IndexError) as exc:
        store.warnings.append(f"{store.name} is not valid JSON ({exc}); serving no tasks")
        return
    try:
        _rows_from_entries(store, raw, entries)
    except jsonio.JSONDecodeError as exc:
        store.reset()
        store.warnings.append(f"{store.name} is not valid JSON ({exc}); serving no tasks")

def _rows_from_entries(store, raw, entries):
    """Decodes the entries a batch at a time: checks them, finds their ids, data keys and
    scores; the tasks themselves are dropped again."""
    count = len(entries)
    ids = np.empty(count, dtype=np.int64)
    keep = np.ones(count, dtype=bool)
    shape = np.full(count, -1, dtype=np.int32)
    score = np.full(count, np.nan)
    npred = np.zeros(count, dtype=np.uint32)
    key_start, separator = entries.key_start, entries.separator
    for first in range(0, count, DECODE_BATCH):
        last = min(first + DECODE_BATCH, count) - 1
        body = raw[int(key_start[first]):int(separator[last])]
        batch = jsonio.loads(b"{" + body + b"}")
        if len(batch) == last - first + 1:
            pairs = batch
        else:  # repeated keys: decode the entries one by one to keep them apart
            pairs = [(jsonio.loads(raw[int(key_start[i]):int(entries.key_end[i])]),
                      jsonio.loads(raw[int(entries.key_end[i]) + 1:int(separator[i])]
                                   .lstrip(b" \t\r\n:")))
                     for i in range(first, last + 1)]
        _read_batch(store, pairs, first, entries, ids, keep, shape, score, npred)
    store._entries = count
    store._end = entries.end
    columns = {
        "id": ids, "start": key_start, "shape": shape, "score": score, "npred": npred,
        "voff": entries.value_start - key_start,
        "vlen": entries.value_end - entries.value_start,
    }
    order = _last_of_each_id(ids, keep)
    # every entry kept, in id order: runs of rows are runs of bytes in the file
    store._dense = len(order) == count and bool((np.diff(order) == 1).all())
    store.table = Table({name: column[order] for name, column in columns.items()})

def _read_batch(store, pairs, first, entries, ids, keep, shape, score, npred):
    """Fills the rows of one decoded batch (the hot loop of a first open: 1M tasks). The
    usual batch (integer keys, object tasks) goes through map() over the whole batch; a
    batch with anything odd in it, entry by entry."""
    keys, tasks = (list(pairs.keys()), list(pairs.values())) if pairs.__class__ is dict \
        else (list(key for key, _ in pairs), list(task for _, task in pairs))
    stop = first + len(tasks)
    try:
        batch_ids = list(map(int, keys))
    except (TypeError, ValueError):
        batch_ids = None
    if (batch_ids is None or set(map(type, tasks)) != {dict}
            or bool((entries.value_start[first:stop] < 0).any())):
        _read_odd_batch(store, keys, tasks, first, entries, ids, keep, shape)
    else:
        ids[first:stop] = batch_ids
        shape[first:stop] = shapes_of(tasks, store)
    has = map(dict.__contains__ if keep[first:stop].all() else _has_predictions, tasks,
              repeat("predictions"))
    for row in compress(range(first, stop), has):
        if keep[row]:
            score[row], npred[row] = prediction_facts(tasks[row - first])


def _has_predictions(task, key):
    return task.__class__ is dict and key in task


def _read_odd_batch(store, keys, tasks, first, entries, ids, keep, shape):
    not_objects = set((np.flatnonzero(entries.value_start[first:first + len(tasks)] < 0)
                       + first).tolist())
    for row, key, task in zip(range(first, first + len(tasks)), keys, tasks):
        task_id = _int_key(key)
        if task_id is None or task.__class__ is not dict or row in not_objects:
            what = ("with non-integer key " + repr(key) if task_id is None
                    else f"{key}: not a JSON object")
            store.warnings.append(f"{store.name}: skipped task {what}")
            keep[row] = False
            ids[row] = 0
            continue
        ids[row] = task_id
        shape[row] = store._shape_id(task)

def _from_other_json(store, raw):
    """A file that is not a JSON object: the legacy list of tasks is served (ids from
    each task's "id", else its position) from an object encoded in memory; it is written
    as an object on the first change."""
    try:
        value = jsonio.loads(raw)
    except ValueError as exc:
        store.warnings.append(f"{store.name} is not valid JSON ({exc}); serving no tasks")
        return
    if not isinstance(value, list):
        store.warnings.append(f"{store.name} must hold a JSON object of tasks; serving no "
                             "tasks")
        return
    tasks = {}
    for position, task in enumerate(value):
        if not isinstance(task, dict):
            store.warnings.append(f"{store.name}: skipped item {position}: not a JSON object")
            continue
        task_id = task.get("id")
        if isinstance(task_id, bool) or not isinstance(task_id, int) or task_id in tasks:
            task_id = position
        task["id"] = task_id
        tasks[task_id] = task
    ids = sorted(tasks)
    chunks, columns = encode(ids, [tasks[i] for i in ids], store)
    columns["start"] = columns["start"] + 1  # after the '{'
    store._buffer = b"{" + b",".join(chunks) + b"}"
    store._end = len(store._buffer) - 1
    store._entries = len(ids)
    store.table = Table(columns)
    store._dense = True

# ------------------------------------------------------------------ the index file


def _int_key(key):
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def _last_of_each_id(ids, keep):
    """Row numbers, ascending by id, of the last kept entry of each id (JSON's last wins)."""
    rows = np.flatnonzero(keep)
    if not len(rows):
        return rows
    kept_ids = ids[rows]
    if len(kept_ids) < 2 or bool((kept_ids[1:] > kept_ids[:-1]).all()):
        return rows
    order = np.argsort(kept_ids, kind="stable")
    sorted_ids = kept_ids[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = sorted_ids[1:] != sorted_ids[:-1]
    return rows[order[last]]

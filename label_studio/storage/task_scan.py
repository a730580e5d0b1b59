"""A first open of a tasks.json: where each task lies, checked by decoding it once.

The entries are located, then decoded a batch of entries at a time to check them and to
learn each task's id, data keys and prediction facts; the tasks themselves are dropped
again. A file in the compact form this server writes (orjson's: no whitespace outside
strings) is located by its `},"` boundaries alone, each batch being checked to be in that
form by encoding it again; any other is scanned byte by byte (json_offsets.py). A first
open of 1M tasks in compact form took 1.22-1.32 s of CPU here, 1.58-1.69 s with the scan.
A legacy list of tasks is encoded into an object held in memory.
"""
from itertools import compress, repeat

import numpy as np
import orjson

from .. import jsonio
from .id_text import parse_digits
from .json_offsets import Entries, NotAnObject, compact_boundaries, scan_object
from .task_encoding import encode, prediction_facts, shapes_of
from .task_table import Table

DECODE_BATCH = 10000  # 1M tasks, fresh processes: 1.48-1.58 s of CPU against 1.57-1.69 at 20000
# a batch this large between `},"` boundaries: the file is not in compact form (an indented
# file has none at all), so it is scanned rather than decoded whole
COMPACT_BATCH_BYTES = 32 << 20
_WHITESPACE = b" \t\r\n"
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1  # the ids the store's columns hold
_DIGIT_0, _MINUS = np.uint8(ord("0")), ord("-")


def index_bytes(store, raw):
    """Fills a just-reset store from the bytes of its file (a first open)."""
    if not raw.strip():
        store._fd_unused()
        return
    warnings = len(store.warnings)
    if _index_compact(store, raw):
        return
    del store.warnings[warnings:]  # the scan tells them again
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


class _Rows:
    """What a first open learns of each entry of the file, in the file's order."""

    def __init__(self, count):
        self.ids = np.empty(count, dtype=np.int64)
        self.keep = np.ones(count, dtype=bool)
        self.shape = np.full(count, -1, dtype=np.int32)
        self.score = np.full(count, np.nan)
        self.npred = np.zeros(count, dtype=np.uint32)


def _batches(count):
    """(first, last) entry of each batch to decode."""
    return [(first, min(first + DECODE_BATCH, count) - 1)
            for first in range(0, count, DECODE_BATCH)]


def _rows_from_entries(store, raw, entries):
    """Decodes the entries a batch at a time: checks them, finds their ids, data keys and
    scores; the tasks themselves are dropped again."""
    rows = _Rows(len(entries))
    key_start, separator = entries.key_start, entries.separator
    for first, last in _batches(len(entries)):
        body = raw[int(key_start[first]):int(separator[last])]
        batch = jsonio.loads(b"{" + body + b"}")
        if len(batch) == last - first + 1:
            pairs = batch
        else:  # repeated keys: decode the entries one by one to keep them apart
            pairs = [(jsonio.loads(raw[int(key_start[i]):int(entries.key_end[i])]),
                      jsonio.loads(raw[int(entries.key_end[i]) + 1:int(separator[i])]
                                   .lstrip(b" \t\r\n:")))
                     for i in range(first, last + 1)]
        _read_batch(store, pairs, first, entries, rows)
    _keep_rows(store, entries, rows)


def _index_compact(store, raw):
    """Fills the store from a file in compact form, located by its `},"` boundaries (see
    above). False when the file is not in that form or not valid JSON (the scan then tells
    what is wrong); the data-key shapes of the batches read stay registered, as the scan
    would register them too.

    Each batch between boundaries must decode and encode again to the same bytes, every
    value an object, every key plain ASCII beginning with a digit or '-': then the
    boundary before each of its keys is such a `},"`, and when there are as many keys as
    boundaries plus one, no boundary lay elsewhere (nested, or in a string)."""
    end = _last_non_space(raw)
    if raw[:2] != b'{"' or raw[end] != ord("}") or raw.find(b"\n", 0, end) >= 0:
        return False
    bounds = compact_boundaries(raw)
    count = len(bounds) + 1
    key_start = np.empty(count, dtype=np.int64)
    key_start[0], key_start[1:] = 1, bounds + 2
    separator = np.empty(count, dtype=np.int64)
    separator[:-1], separator[-1] = bounds + 1, end
    batches = _batches(count)
    firsts, lasts = (np.array(ends) for ends in zip(*batches))
    if int((separator[lasts] - key_start[firsts]).max()) > COMPACT_BATCH_BYTES:
        return False
    key_end = np.empty(count, dtype=np.int64)
    value_start = np.empty(count, dtype=np.int64)
    # in compact form each value ends right before its separator
    entries = Entries(key_start, key_end, value_start, separator, separator, end)
    rows = _Rows(count)
    for first, last in batches:
        doc = b"{" + raw[int(key_start[first]):int(separator[last])] + b"}"
        try:
            batch = jsonio.loads(doc)
        except jsonio.JSONDecodeError:
            return False
        keys = _compact_keys(batch, doc, last - first + 1)
        if keys is None:
            return False
        text, key_lengths = keys
        stop = last + 1
        key_end[first:stop] = key_start[first:stop] + 2 + key_lengths
        value_start[first:stop] = key_end[first:stop] + 1
        _read_batch(store, batch, first, entries, rows, parse_digits(text, key_lengths))
    _keep_rows(store, entries, rows)
    return True


def _compact_keys(batch, doc, located):
    """(the keys one after another as bytes, their lengths) of a decoded batch, when it is
    `doc` in compact form with as many keys as entries were located, every value an object,
    and every key printable ASCII with nothing to escape, beginning with a digit or '-' (its
    length is then its bytes'); else None."""
    keys = list(batch)
    if len(keys) != located or set(map(type, batch.values())) != {dict}:
        return None
    joined = "".join(keys)
    if not (joined.isascii() and joined.isprintable()) or '"' in joined or "\\" in joined:
        return None
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    if not len(keys) or lengths.min() == 0:
        return None
    text = joined.encode("ascii")
    firsts = np.frombuffer(text, dtype=np.uint8)[np.cumsum(lengths) - lengths]
    if not (((firsts - _DIGIT_0) < 10) | (firsts == _MINUS)).all():
        return None
    try:
        same = orjson.dumps(batch) == doc
    except TypeError:  # what orjson cannot encode (an integer beyond 64 bits) was not its own
        return None
    return (text, lengths) if same else None


def _last_non_space(raw):
    end = len(raw) - 1
    while end > 0 and raw[end] in _WHITESPACE:
        end -= 1
    return end


def _keep_rows(store, entries, rows):
    """The table of the kept rows: the last entry of each id, in id order."""
    count = len(entries)
    store._entries = count
    store._end = entries.end
    columns = {
        "id": rows.ids, "start": entries.key_start, "shape": rows.shape, "score": rows.score,
        "npred": rows.npred, "voff": entries.value_start - entries.key_start,
        "vlen": entries.value_end - entries.value_start,
    }
    order = _last_of_each_id(rows.ids, rows.keep)
    # every entry kept, in id order: runs of rows are runs of bytes in the file
    store._dense = len(order) == count and bool((np.diff(order) == 1).all())
    store.table = Table(columns if store._dense else
                        {name: column[order] for name, column in columns.items()})


def _read_batch(store, pairs, first, entries, rows, known_ids=None):
    """Fills the rows of one decoded batch (the hot loop of a first open: 1M tasks). The
    usual batch (integer keys, object tasks) goes through map() over the whole batch; a
    batch with anything odd in it, entry by entry. `known_ids`: the ids of a batch of object
    tasks whose keys the caller read already (id_text.parse_digits)."""
    tasks = list(pairs.values()) if pairs.__class__ is dict else [task for _, task in pairs]
    ids, keep, score, npred = rows.ids, rows.keep, rows.score, rows.npred
    stop = first + len(tasks)
    if known_ids is not None:
        ids[first:stop] = known_ids
        rows.shape[first:stop] = shapes_of(tasks, store)
    else:
        _read_keys(store, pairs, tasks, first, entries, rows)
    has = map(dict.__contains__ if keep[first:stop].all() else _has_predictions, tasks,
              repeat("predictions"))
    for row in compress(range(first, stop), has):
        if keep[row]:
            score[row], npred[row] = prediction_facts(tasks[row - first])


def _read_keys(store, pairs, tasks, first, entries, rows):
    """The ids and data-key shapes of a batch from its keys, by int(); entry by entry when
    anything in it is odd."""
    keys = list(pairs.keys()) if pairs.__class__ is dict else [key for key, _ in pairs]
    stop = first + len(tasks)
    try:
        batch_ids = list(map(int, keys))
    except (TypeError, ValueError):
        batch_ids = None
    if (batch_ids is None or min(batch_ids) < INT64_MIN or max(batch_ids) > INT64_MAX
            or set(map(type, tasks)) != {dict}
            or bool((entries.value_start[first:stop] < 0).any())):
        _read_odd_batch(store, keys, tasks, first, entries, rows)
    else:
        rows.ids[first:stop] = batch_ids
        rows.shape[first:stop] = shapes_of(tasks, store)


def _has_predictions(task, key):
    return task.__class__ is dict and key in task


def _read_odd_batch(store, keys, tasks, first, entries, rows):
    ids, keep, shape = rows.ids, rows.keep, rows.shape
    not_objects = set((np.flatnonzero(entries.value_start[first:first + len(tasks)] < 0)
                       + first).tolist())
    for row, key, task in zip(range(first, first + len(tasks)), keys, tasks):
        task_id = _int_key(key)
        too_large = task_id is not None and not INT64_MIN <= task_id <= INT64_MAX
        if task_id is None or too_large or task.__class__ is not dict or row in not_objects:
            what = ("with non-integer key " + repr(key) if task_id is None
                    else f"{key}: an id beyond 64 bits" if too_large
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
        if (isinstance(task_id, bool) or not isinstance(task_id, int) or task_id in tasks
                or not INT64_MIN <= task_id <= INT64_MAX):
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

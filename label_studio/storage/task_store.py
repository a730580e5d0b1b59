"""The tasks of tasks.json as an offset table over the file: a task is decoded when asked for.

Why this shape (1M image tasks, an 89 MB tasks.json, 200k completed, 2 cores; `python
benchmarks/bench_core.py --sizes 1000000`): holding every task as a Python dict cost 874
bytes a task (887 MB resident at 1M) and a restart decoded the whole file (10.7 s to the
first answer). Measured alternatives:

* orjson.loads of the whole file: 1.6 s and ~500 MB of dicts, at every start;
* the file memory-mapped: no copy, but a hand edit that truncates the file in place would
  kill the server with SIGBUS on its next read; reads use pread on a kept descriptor
  instead (about 1 us; the tasks of a page, neighbours in the file, are one read and one
  orjson call);
* the byte offsets found by numpy passes over the bytes (json_offsets.py): 0.5-0.6 s at 1M
  (1.1 s before the quotes and the structural characters were found in one pass), plus
  0.9 s to decode every task once in batches (which checks the file and learns what the
  indexes need; 1.6 s with a Python loop body per task rather than map() over a batch);
  done only when the file is new to us or changed behind our back. A file in the compact
  form this server writes is located by its entry boundaries instead, each batch checked
  by encoding it again (task_scan.py): 1.13-1.16 s for both at 1M;
* the offsets persisted beside the file (.ls-index-tasks.bin, 40 bytes a task, bound to
  the file's stamp): a restart reads 40 MB of columns and no task JSON (0.57 s from spawn
  to the first answer at 1M, 173 MB resident).

So each task is one row of numpy columns (task_table.py): its id, where its entry and its
value lie in the file, and what the indexes need without decoding it (its data keys, as an
index into a short list of key sets; its mean prediction score and prediction count):
40 bytes a task in memory.

Writes:
* new tasks (ids above every stored one) are appended: the file's closing brace is
  overwritten by ',"id":{...}...}'. A copy of the file with the tail added, renamed over it,
  costs time in the size of the file (60 ms at 1M: 100 imports of 1k, 6 s), so files
  above APPEND_IN_PLACE_BYTES are extended in place, under an undo journal (in_place.py),
  fsynced before the file is touched; the next open finishes or rolls back an append a
  dead writer left, so after a crash the file is the old one or the new one. The one
  moment a reader other than us could see a torn file is a kill during the writes of the
  new bytes; the next open by this program repairs it. Smaller files are copied (stored
  bytes as they are) and renamed.
* any other change (a task edited, tasks deleted, predictions stored) writes a new file,
  renamed over the old: runs of unchanged tasks are copied as byte ranges (in the kernel
  when large), only the changed tasks are encoded.
"""
import os
import threading

import numpy as np
import orjson

from .. import jsonio
from ..errors import Conflict
from .files import KeptDescriptor, _replace_with, _write_all, atomic_write, read_bytes, stamp
from .in_place import extend_in_place, journal_pending, recover_journal
from .task_encoding import ENCODE_BATCH, encode, encode_each, joined
from .task_scan import index_bytes
from .task_table import RECORD, Table

APPEND_IN_PLACE_BYTES = 8 << 20
INDEX_FROM_BYTES = 1 << 20  # a smaller file is scanned in milliseconds: no index file
INDEX_VERSION = 2
READ_SPAN = 1 << 20
# index file path -> the thread writing a first open's index (see _save_index_in_background)
_index_writers = {}


class TaskStore(KeptDescriptor):
    """{task id: task} read from one version of a JSON object file; see the module doc."""

    def __init__(self, path, name):
        self.path = path
        self.name = name  # for messages: "tasks.json"
        folder = os.path.dirname(path)
        stem = os.path.basename(path).rsplit(".", 1)[0].lstrip(".")
        self.index_path = os.path.join(folder, f".ls-index-{stem}.bin")
        self.header_path = os.path.join(folder, f".ls-index-{stem}.json")
        self.journal_path = os.path.join(folder, f".ls-journal-{stem}")
        self.table = Table()
        self.shapes = []
        self._shape_ids = {}
        self.warnings = []
        self.stamp = None
        self._fd = None
        self._buffer = None   # the bytes served from when the file is not a plain object
        self._end = None      # position of the file's closing '}'
        self._entries = 0     # entries in the file (skipped ones too): the comma rule
        self._dense = True    # the file's entries are the rows, in order, nothing between

    # ------------------------------------------------------------------ opening

    def open(self):
        """(Re)reads the file: from the persisted index when it matches, else by a scan. The
        descriptor is opened first and everything is read through it, so the offsets always
        describe the version it reads."""
        self.close()
        self.__init__(self.path, self.name)
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            return self
        st = os.fstat(fd)
        self._fd = fd
        self.stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._load_index():
            return self
        index_bytes(self, _read_all(fd, st.st_size))
        if self._buffer is None and not self.warnings:
            self._save_index_in_background()  # a file with problems is read again at each start
        return self

    def needs_recovery(self):
        return journal_pending(self.journal_path)

    def recover(self):
        """Finishes or undoes an append a dead writer left (call under the project lock)."""
        recover_journal(self.path, self.journal_path)


    def reset(self):
        self.__init__(self.path, self.name)

    def _fd_unused(self):
        """Nothing is served from the file itself (empty, or a list held in memory)."""
        self.close()
        self._end = None

    def _load_index(self):
        _wait_for_index_writer(self.index_path)
        raw = read_bytes(self.header_path)
        try:
            header = jsonio.loads(raw) if raw else None
            if (not isinstance(header, dict) or header.get("version") != INDEX_VERSION
                    or tuple(header["stamp"]) != self.stamp):
                return False
            count = header["count"]
            if tuple(header["index_stamp"]) != _short_stamp(self.index_path):
                return False  # the columns were written by another process since
            records = np.fromfile(self.index_path, dtype=RECORD, count=count)
            if len(records) != count:
                return False
            self.table = Table.from_records(records)
            self.shapes = [tuple(keys) for keys in header["shapes"]]
            self._shape_ids = {keys: i for i, keys in enumerate(self.shapes)}
            self._end = header["end"]
            self._entries = header["entries"]
            self._dense = bool(header["dense"])
        except (OSError, ValueError, TypeError, KeyError):
            self.table, self.shapes, self._shape_ids = Table(), [], {}
            return False
        return True

    def save_index(self, appended=0):
        """Persists the columns (derived data: atomic, no fsync). `appended`: only the last
        rows are new since the last save, so only they are written."""
        _wait_for_index_writer(self.index_path)
        if not self._indexed():
            return
        try:
            if appended and os.path.getsize(self.index_path) == (
                    (len(self.table) - appended) * RECORD.itemsize):
                with open(self.index_path, "ab") as f:
                    f.write(self.table.records(len(self.table) - appended).tobytes())
            else:
                atomic_write(self.index_path, self.table.records().tobytes(), durable=False)
        except OSError:
            return
        self._write_index_header(self._index_header())

    def _save_index_in_background(self):
        """save_index() by a thread, for a first open: the index of 1M tasks (40 MB, 0.15-0.24 s
        of CPU to write) is written while the open goes on, mostly in write() outside the
        interpreter lock. What it writes is taken now; whoever next reads or writes the
        index waits for it."""
        if not self._indexed():
            return
        writer = threading.Thread(target=self._write_index, name="task-index",
                                  args=(self.table.records(), self._index_header()))
        _index_writers[self.index_path] = writer
        writer.start()

    def _write_index(self, records, header):
        try:
            atomic_write(self.index_path, records.tobytes(), durable=False)
        except OSError:
            return
        self._write_index_header(header)

    def _indexed(self):
        return (self.stamp is not None and self._buffer is None
                and self.stamp[2] >= INDEX_FROM_BYTES)

    def _index_header(self):
        return {"version": INDEX_VERSION, "stamp": list(self.stamp), "count": len(self.table),
                "shapes": [list(keys) for keys in self.shapes],
                "end": self._end, "entries": self._entries, "dense": self._dense}

    def _write_index_header(self, header):
        """The header, last: it names the index file's stamp, binding the two."""
        header["index_stamp"] = list(_short_stamp(self.index_path))
        try:
            atomic_write(self.header_path, jsonio.dumps(header), durable=False)
        except OSError:
            pass

    # ------------------------------------------------------------------ reading

    def __len__(self):
        return len(self.table)

    def __bool__(self):
        return len(self.table) > 0

    def __contains__(self, task_id):
        return isinstance(task_id, int) and self.table.position(task_id) >= 0

    def __iter__(self):
        return iter(self.table.id.tolist())

    def __reversed__(self):
        return iter(self.table.id[::-1].tolist())

    def keys(self):
        return self.table.id.tolist()

    def last_id(self, default=-1):
        return int(self.table.id[-1]) if len(self.table) else default

    def __getitem__(self, task_id):
        row = self.table.position(task_id) if isinstance(task_id, int) else -1
        if row < 0:
            raise KeyError(task_id)
        return self._decode_rows(row, row + 1)[0]

    def get(self, task_id, default=None):
        try:
            return self[task_id]
        except KeyError:
            return default

    def items(self, batch=2000):
        for first in range(0, len(self.table), batch):
            last = min(first + batch, len(self.table))
            ids = self.table.id[first:last].tolist()
            yield from zip(ids, self._decode_rows(first, last))

    def many(self, task_ids):
        """{id: task} of the known ones among `task_ids`, in the order given; neighbours in
        the file are read together."""
        rows, ids = self.rows_of(np.fromiter(task_ids, dtype=np.int64))
        if not len(rows):
            return {}
        if bool((np.diff(rows) == 1).all()):
            tasks = self._decode_rows(int(rows[0]), int(rows[-1]) + 1)
        else:
            tasks = [self._decode_rows(row, row + 1)[0] for row in rows.tolist()]
        return dict(zip(ids.tolist(), tasks))

    def rows_of(self, task_ids):
        """(rows, ids) of the known ones among `task_ids` (any order kept)."""
        wanted = np.asarray(task_ids, dtype=np.int64)
        if not len(self.table) or not len(wanted):
            return np.empty(0, dtype=np.int64), wanted[:0]
        rows = np.minimum(np.searchsorted(self.table.id, wanted), len(self.table) - 1)
        found = self.table.id[rows] == wanted
        return rows[found], wanted[found]

    def prediction_total(self, task_ids):
        """How many predictions the known tasks among `task_ids` hold, without decoding."""
        rows, _ = self.rows_of(task_ids)
        return int(self.table.npred[rows].sum())

    def values(self):
        return (task for _, task in self.items())

    def _decode_rows(self, first, last):
        """The tasks of rows [first, last): neighbours in the file (a page of a listing, a
        batch of an export) are read with one read and decoded with one call."""
        table = self.table
        if last - first == 1:
            task_id, start, end = table.value_of(first)
            return [self._decode_one(self._read(start, end - start), task_id)]
        starts = table.start[first:last] + table.voff[first:last]
        ends = starts + table.vlen[first:last]
        ids = table.id[first:last].tolist()
        count = last - first
        if count > 1 and bool((starts[1:] >= ends[:-1]).all()) and \
                int(ends[-1] - starts[0]) <= 64 * READ_SPAN:
            base = int(starts[0])
            data = self._read(base, int(ends[-1]) - base)
            if self._dense:
                # the rows' entries are one stretch of the object: decode it whole
                entry = int(table.start[first])
                head = self._read(entry, base - entry)
                try:
                    found = list(orjson.loads(b"{" + head + data + b"}").values())
                except orjson.JSONDecodeError:
                    found = None
                if found is not None and len(found) == count and all(
                        task.__class__ is dict for task in found):
                    for task, task_id in zip(found, ids):
                        task["id"] = task_id
                    return found
            data = memoryview(data)
            return [self._decode_one(data[a:b], task_id) for a, b, task_id in
                    zip((starts - base).tolist(), (ends - base).tolist(), ids)]
        return [self._decode_one(self._read(a, b - a), task_id)
                for a, b, task_id in zip(starts.tolist(), ends.tolist(), ids)]

    def _decode_one(self, raw, task_id):
        try:
            task = orjson.loads(raw)
        except orjson.JSONDecodeError:
            try:
                task = jsonio.loads(raw)  # NaN, huge integers: what orjson refuses
            except ValueError:
                task = None
        if not isinstance(task, dict):
            # the file changed under us (an edit in place): re-read it on the next sync
            self.stamp = ("changed",)
            _wait_for_index_writer(self.index_path)
            _remove_quietly(self.header_path)
            raise Conflict(f"{self.name} changed while it was read; try again")
        task["id"] = task_id
        return task

    def _read(self, offset, length):
        if self._buffer is not None:
            return self._buffer[offset:offset + length]
        if self._fd is None:
            return b""
        return os.pread(self._fd, length, offset)

    # ------------------------------------------------------------------ derived data

    def _shape_id(self, task):
        data = task.get("data")
        keys = tuple(data) if data.__class__ is dict else ()
        shape = self._shape_ids.get(keys)
        if shape is None:
            shape = self._shape_ids[keys] = len(self.shapes)
            self.shapes.append(keys)
        return shape

    def key_counts(self):
        """{data key: number of tasks whose data has it}."""
        counts = np.bincount(self.table.shape[self.table.shape >= 0],
                             minlength=len(self.shapes))
        out = {}
        for keys, n in zip(self.shapes, counts.tolist()):
            if n:
                for key in keys:
                    out[key] = out.get(key, 0) + n
        return out

    def scores(self):
        """(ids, scores) of the tasks with a prediction score."""
        has = ~np.isnan(self.table.score)
        return self.table.id[has], self.table.score[has]

    def score_of(self, task_id):
        row = self.table.position(task_id)
        if row < 0:
            return None
        value = float(self.table.score[row])
        return None if value != value else value

    # ------------------------------------------------------------------ writing

    @property
    def writable_in_place(self):
        return (self._fd is not None and self._buffer is None and self._end is not None
                and self.stamp is not None and self.stamp[2] >= APPEND_IN_PLACE_BYTES)

    def append(self, ids, tasks, consume=False):
        """Adds `tasks` under `ids` (ascending, above every stored id); see the module doc.
        With `consume`, each task of the list is dropped (set to None) once encoded."""
        self.append_batches([(ids, tasks)], consume)

    def append_batches(self, batches, consume=False):
        """append() of several (ids, tasks) batches as one write: all of them or none."""
        chunks, parts = [], []
        last = self.last_id() if len(self.table) else None
        offset = 0
        for ids, tasks in batches:
            if not len(tasks):
                continue
            if (last is not None and ids[0] <= last) or len(ids) != len(tasks):
                raise ValueError("appended ids must be above the stored ones, one a task")
            last = ids[-1]
            batch_chunks, columns = encode(ids, tasks, self, consume)
            columns["start"] = columns["start"] + offset
            offset += sum(len(chunk) for chunk in batch_chunks) + len(batch_chunks)
            chunks.extend(batch_chunks)
            parts.append(columns)
        if not parts:
            return
        columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
        count = len(columns["id"])
        has_entries = self._entries > 0
        payload = [b"," if has_entries else b""] + joined(chunks, b",") + [b"}"]
        # where the first new entry starts: after the comma, or after a new file's '{'
        base = 1 if self._end is None else self._end + len(payload[0])
        if self.writable_in_place:
            extend_in_place(self.path, self.journal_path, self._end, payload)
        else:
            self._append_by_copy(payload)
        columns["start"] = columns["start"] + base
        self.table.append(columns)
        self._end = base + int(sum(len(part) for part in payload[1:-1]))
        self._entries += count
        st = os.fstat(self._fd)
        self.stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        self.save_index(appended=count)

    def _append_by_copy(self, payload):
        """A new file: the stored entries copied as they are, the new ones after them."""
        def fill(fd):
            out = _Writer(fd)
            if self._end is None:
                out.write(b"{")
            else:
                out.copy(self, 0, self._end)
            for part in payload:
                out.write(part)
            out.flush()
        _replace_with(self.path, fill, True)
        self.close()
        self._buffer = None
        self._fd = os.open(self.path, os.O_RDONLY)  # under the project lock: our new file

    def rewrite(self, changes, durable=True):
        """Writes a new file: `changes` is {id: task, or None to delete}; every other task
        keeps its bytes. Ids may be new (any value)."""
        table = self.table
        ids = table.id
        deleted = np.array([i for i, task in changes.items() if task is None], dtype=np.int64)
        changed = sorted((i, task) for i, task in changes.items() if task is not None)
        changed_ids = np.array([i for i, _ in changed], dtype=np.int64)
        keep = ~np.isin(ids, np.concatenate([deleted, changed_ids]))
        kept_rows = np.flatnonzero(keep)
        parts, new_columns = encode_each([i for i, _ in changed], [t for _, t in changed], self)
        # where each changed task goes among the kept ones (ids ascending)
        slots = np.searchsorted(ids[kept_rows], changed_ids)
        pieces = []  # ("rows", first, last) of kept rows, or ("new", first, last) of parts
        previous = -1
        for index, slot in enumerate(slots.tolist()):
            if slot == previous and pieces and pieces[-1][0] == "new":
                pieces[-1] = ("new", pieces[-1][1], index + 1)
                continue
            if slot > max(previous, 0):
                pieces.extend(self._runs(kept_rows[max(previous, 0):slot]))
            pieces.append(("new", index, index + 1))
            previous = slot
        previous = max(previous, 0)
        if previous < len(kept_rows):
            pieces.extend(self._runs(kept_rows[previous:]))
        starts_out = []
        order_columns = []
        position = [1]

        def fill(fd):
            out = _Writer(fd)
            out.write(b"{")
            for n, piece in enumerate(pieces):
                if n:
                    out.write(b",")
                kind, first, last = piece
                if kind == "new":
                    starts = new_columns["start"][first:last]
                    starts_out.append(starts - starts[0] + out.position)
                    order_columns.append(piece)
                    for chunk in joined(parts[first:last], b",", ENCODE_BATCH):
                        out.write(chunk)
                    continue
                span_start = int(table.start[first])
                span_end = int(table.start[last - 1] + table.voff[last - 1]
                               + table.vlen[last - 1])
                starts_out.append(table.start[first:last] - span_start + out.position)
                order_columns.append(("rows", first, last))
                out.copy(self, span_start, span_end - span_start)
            out.write(b"}")
            out.flush()
            position[0] = out.position

        _replace_with(self.path, fill, durable)
        merged = {name: [] for name in new_columns if name != "start"}
        for item in order_columns:
            for name in merged:
                source = new_columns[name] if item[0] == "new" else getattr(table, name)
                merged[name].append(source[item[1]:item[2]])
        columns = {name: np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int64)
                   for name, arrays in merged.items()}
        columns["start"] = (np.concatenate(starts_out) if starts_out
                            else np.empty(0, dtype=np.int64))
        self.close()
        self._buffer = None
        self.table = Table(columns)
        self._end = position[0] - 1
        self._entries = len(self.table)
        self._dense = True
        self._fd = os.open(self.path, os.O_RDONLY)  # under the project lock: our new file
        st = os.fstat(self._fd)
        self.stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        self.save_index()

    def _runs(self, rows):
        """Kept rows as ("rows", first, last) pieces that are contiguous in the file."""
        if not len(rows):
            return []
        if not self._dense:
            return [("rows", r, r + 1) for r in rows.tolist()]
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        bounds = np.concatenate([[0], breaks, [len(rows)]])
        return [("rows", int(rows[a]), int(rows[b - 1]) + 1)
                for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]

    def clear(self):
        self.rewrite({task_id: None for task_id in self.table.id.tolist()})


class _Writer:
    """Buffered writes to a file descriptor; long byte ranges of the store are copied."""

    def __init__(self, fd):
        self.fd = fd
        self.position = 0
        self._chunks = []
        self._size = 0

    def write(self, data):
        self._chunks.append(data)
        self._size += len(data)
        self.position += len(data)
        if self._size >= READ_SPAN:
            self.flush()

    def copy(self, store, offset, length):
        if store._buffer is not None or length < READ_SPAN:
            self.write(store._read(offset, length))
            return
        self.flush()
        done = 0
        while done < length:
            try:
                copied = os.copy_file_range(store._fd, self.fd, length - done, offset + done)
            except OSError:
                copied = os.write(self.fd, os.pread(store._fd, min(length - done, READ_SPAN),
                                                    offset + done))
            if copied <= 0:
                raise OSError(f"could not copy {store.name} ({done} of {length} bytes)")
            done += copied
        self.position += length

    def flush(self):
        if self._chunks:
            _write_all(self.fd, b"".join(self._chunks))
            self._chunks = []
            self._size = 0


def _short_stamp(path):
    found = stamp(path)
    return (found[0], found[2]) if found else ()


def _read_all(fd, size):
    chunks, offset = [], 0
    while True:
        chunk = os.pread(fd, max(size - offset, 1 << 16), offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _wait_for_index_writer(index_path):
    writer = _index_writers.pop(index_path, None)
    if writer is not None:
        writer.join()


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass

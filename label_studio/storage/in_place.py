"""Extending a JSON object file in place, under an undo journal.

`extend_in_place` writes ',<entries>}' over the file's closing brace. Before it touches the
file it records in a journal file the old size, the old tail and a CRC of the new bytes; it
empties the journal once the new bytes are written (and fdatasynced, when durable). A
journal that is not empty at the next open (`recover_journal`, under the project lock)
means the writer died: if the new bytes are all there they stay, else the file is cut back
to its old size and tail. A journal torn while being written means the file was not
touched yet.
"""
import os
import zlib

from .. import jsonio
from .files import fsync_path, read_bytes


def extend_in_place(path, journal_path, end, payload, durable=True):
    """Writes `payload` (a list of bytes: ',' or '', the entries, '}') over the closing brace
    at `end` of the JSON object file at `path`, under the undo journal. Returns the length
    written."""
    length = sum(len(part) for part in payload)
    crc = 0
    for part in payload:
        crc = zlib.crc32(part, crc)
    fd = os.open(path, os.O_RDWR)
    try:
        old_size = os.fstat(fd).st_size
        tail = os.pread(fd, old_size - end, end)
        write_journal(journal_path, old_size, end, tail, length, crc, durable)
        offset = end
        for part in payload:
            _pwrite_all(fd, part, offset)
            offset += len(part)
        if end + length < old_size:  # the old tail had trailing spaces past the new end
            os.ftruncate(fd, end + length)
        if durable:
            os.fdatasync(fd)
    finally:
        os.close(fd)
    clear_journal(journal_path)
    return length


def object_end(path):
    """(position of the closing '}', whether the object has entries) of a JSON object file,
    from its last bytes; None when it does not end like an object."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            f.seek(max(size - 4096, 0))
            tail = f.read()
    except OSError:
        return None
    body = tail.rstrip()
    if not body.endswith(b"}") or size < 2:
        return None
    end = size - len(tail) + len(body) - 1
    return end, not body[:-1].rstrip().endswith(b"{")

def write_journal(path, old_size, end, tail, length, crc, durable=True):
    """Before a file is extended in place: how to undo it (durably, unless the file is only
    derived data)."""
    record = jsonio.dumps({"size": old_size, "end": end, "tail": tail.decode("latin-1"),
                           "length": length, "crc": crc})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        created = os.fstat(fd).st_size == 0
        _pwrite_all(fd, record, 0)
        os.ftruncate(fd, len(record))
        if durable:
            os.fdatasync(fd)
    finally:
        os.close(fd)
    if created and durable:
        fsync_path(os.path.dirname(path) or ".")


def journal_pending(path):
    try:
        return os.path.getsize(path) > 0
    except OSError:
        return False


def clear_journal(path):
    # emptied in place, not removed: the file stays, so the next append needs no folder fsync
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def recover_journal(path, journal_path):
    """Rolls back an in-place extension that did not complete; keeps one that did."""
    raw = read_bytes(journal_path)
    if not raw:
        return
    try:
        record = jsonio.loads(raw)
        old_size, end, length = record["size"], record["end"], record["length"]
        tail = record["tail"].encode("latin-1")
        crc = record["crc"]
    except (ValueError, KeyError, TypeError, AttributeError):
        clear_journal(journal_path)  # torn while being written: the file was not touched
        return
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        clear_journal(journal_path)
        return
    try:
        written = os.pread(fd, length, end)
        size = os.fstat(fd).st_size
        if not (size == end + length and zlib.crc32(written) == crc and len(written) == length):
            _pwrite_all(fd, tail, end)
            os.ftruncate(fd, old_size)
            os.fsync(fd)
    finally:
        os.close(fd)
    clear_journal(journal_path)


def _pwrite_all(fd, data, offset):
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        view = view[done:]
        offset += done

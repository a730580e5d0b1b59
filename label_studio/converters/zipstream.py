"""ZipStream: a zip file written front to back, entry after entry, with flat memory.

zipfile.ZipFile keeps a ZipInfo per entry until it closes (about 0.5 kB each, 100 MB for
200k images) and puts every entry through its generic path; here the central directory
is spooled to a temp file as entries are written, and a file already on disk is read once
and written behind a header that carries its CRC. Streamed entries (sizes unknown when
they start) get zip64 size fields in their local header, patched in place once they end,
as zipfile's force_zip64 does. Zip64 end records are added when there are 65535 entries or
more, or offsets beyond 4 GB. Not thread-safe: one writer. Run as a script, it serves
zip_process.py (serve() below), so it imports nothing but the standard library.
"""
import os
import struct
import tempfile
import zlib

STORED = 0
DEFLATED = 8

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<IHHHHIIH")
_EOCD64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_ZIP64_SIZES = struct.Struct("<HHQQ")
_LOCAL_SIG, _CENTRAL_SIG = 0x04034B50, 0x02014B50
_EOCD_SIG, _EOCD64_SIG, _LOCATOR64_SIG = 0x06054B50, 0x06064B50, 0x07064B50
_UTF8_FLAG = 0x800
_UNIX = 3 << 8
_V20, _V45 = 20, 45
_MAX32, _MAX16 = 0xFFFFFFFF, 0xFFFF

FILE_MODE = 0o644 << 16
FOLDER_MODE = (0o40755 << 16) | 0x10
WHOLE_FILE_LIMIT = 16 * 2 ** 20   # files up to this size are read in one go
CHUNK = 2 ** 20
# Written parts are handed to the disk every WRITEBACK_STEP bytes, so that the fsync at the
# end waits for the last part only, not for gigabytes held in the page cache.
WRITEBACK_STEP = 32 * 2 ** 20
_fadvise = getattr(os, "posix_fadvise", None)


def dos_date_time(date_time):
    year, month, day, hour, minute, second = date_time[:6]
    year = min(max(year, 1980), 2107)
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


def _encode_name(name):
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_FLAG


class ZipStream:
    def __init__(self, path, date_time, spool_dir=None, level=1):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.time, self.date = dos_date_time(date_time)
        self.level = level
        self.offset = 0
        self.count = 0
        self._central = tempfile.TemporaryFile(dir=spool_dir)
        self._entry = None   # the streamed entry being written
        self._buffer = bytearray()   # small entries are written a megabyte at a time
        self._flushed = self._written_back = 0

    # -- whole entries

    def add_bytes(self, name, data, compress=True, mode=FILE_MODE):
        crc = zlib.crc32(data)
        size = len(data)
        method = STORED
        if compress and size:
            packer = zlib.compressobj(self.level, zlib.DEFLATED, -15)
            packed = packer.compress(data) + packer.flush()
            if len(packed) < size:   # else stored: deflate made it no smaller
                data, method = packed, DEFLATED
        self._whole(name, method, crc, len(data), size, mode, data)

    def add_file(self, name, path, compress=False):
        """The file at `path` as the entry `name`, read once."""
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            if size <= WHOLE_FILE_LIMIT:
                # one call for the whole file; a short read is the end of the file
                data = os.read(fd, size + 1)
                if len(data) <= size:
                    self.add_bytes(name, data, compress)
                    return
            else:
                data = os.read(fd, CHUNK)
            self.begin(name, compress)   # a large file, or one that grew: streamed
            while data:
                self.write(data)
                data = os.read(fd, CHUNK)
            self.end()
        finally:
            os.close(fd)

    def folder(self, name):
        self._whole(name.rstrip("/") + "/", STORED, 0, 0, 0, FOLDER_MODE, b"")

    def _whole(self, name, method, crc, packed, size, mode, data):
        if size >= _MAX32 or packed >= _MAX32:
            # sizes that need zip64 fields: written like a streamed entry
            self.begin(name, False, mode)
            self._entry.update(method=method, crc=crc, size=size, packed=packed)
            self._write(data)
            self._close_entry()
            return
        raw, flags = _encode_name(name)
        start = self.offset
        self._write(_LOCAL.pack(_LOCAL_SIG, _V20, flags, method, self.time, self.date, crc,
                                packed, size, len(raw), 0) + raw)
        self._write(data)
        self._add_central(raw, flags, method, crc, packed, size, start, mode)

    # -- streamed entries

    def begin(self, name, compress=True, mode=FILE_MODE):
        if self._entry is not None:
            raise ValueError("an entry is still being written")
        raw, flags = _encode_name(name)
        extra = _ZIP64_SIZES.pack(1, 16, 0, 0)
        header = _LOCAL.pack(_LOCAL_SIG, _V45, flags, DEFLATED if compress else STORED,
                             self.time, self.date, 0, _MAX32, _MAX32, len(raw), len(extra))
        self._entry = {"raw": raw, "flags": flags, "start": self.offset, "mode": mode,
                       "method": DEFLATED if compress else STORED, "crc": 0, "size": 0,
                       "packed": 0, "header": header,
                       "packer": zlib.compressobj(self.level, zlib.DEFLATED, -15)
                       if compress else None}
        self._write(header + raw + extra)

    def write(self, data):
        entry = self._entry
        entry["crc"] = zlib.crc32(data, entry["crc"])
        entry["size"] += len(data)
        if entry["packer"] is not None:
            data = entry["packer"].compress(data)
        if data:
            entry["packed"] += len(data)
            self._write(data)

    def end(self):
        entry = self._entry
        if entry["packer"] is not None:
            tail = entry["packer"].flush()
            entry["packed"] += len(tail)
            self._write(tail)
        self._close_entry()

    def _close_entry(self):
        entry, self._entry = self._entry, None
        header = bytearray(entry["header"])
        struct.pack_into("<I", header, 14, entry["crc"])
        sizes = _ZIP64_SIZES.pack(1, 16, entry["size"], entry["packed"])
        self._flush()
        os.pwrite(self.fd, bytes(header) + entry["raw"] + sizes, entry["start"])
        self._add_central(entry["raw"], entry["flags"], entry["method"], entry["crc"],
                          entry["packed"], entry["size"], entry["start"], entry["mode"])

    # -- the end

    def _add_central(self, raw, flags, method, crc, packed, size, start, mode):
        fields = []
        if size >= _MAX32:
            fields.append(size)
            size = _MAX32
        if packed >= _MAX32:
            fields.append(packed)
            packed = _MAX32
        if start >= _MAX32:
            fields.append(start)
            start = _MAX32
        extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
        version = _V45 if fields else _V20
        self._central.write(_CENTRAL.pack(
            _CENTRAL_SIG, _UNIX | version, version, flags, method, self.time, self.date, crc,
            packed, size, len(raw), len(extra), 0, 0, 0, mode, start) + raw + extra)
        self.count += 1

    def close(self, fsync=True):
        """Writes the central directory and the end records; fsyncs unless told not to."""
        if self._entry is not None:
            raise ValueError("an entry is still being written")
        start = self.offset
        self._central.seek(0)
        while True:
            chunk = self._central.read(CHUNK)
            if not chunk:
                break
            self._write(chunk)
        self._central.close()
        size = self.offset - start
        if self.count >= _MAX16 or start >= _MAX32 or size >= _MAX32:
            end64 = self.offset
            self._write(_EOCD64.pack(_EOCD64_SIG, 44, _UNIX | _V45, _V45, 0, 0, self.count,
                                     self.count, size, start)
                        + _LOCATOR64.pack(_LOCATOR64_SIG, 0, end64, 1))
        self._write(_EOCD.pack(_EOCD_SIG, 0, 0, min(self.count, _MAX16),
                               min(self.count, _MAX16), min(size, _MAX32), min(start, _MAX32), 0))
        self._flush()
        if fsync:
            os.fsync(self.fd)
        self.abort()

    def abort(self):
        """Closes the file as it is (after an error: the caller deletes it)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self._central.close()

    def _write(self, data):
        if len(data) >= CHUNK:
            self._flush()
            _write_all(self.fd, data)
            self.offset += len(data)
            self._flush()
            return
        self.offset += len(data)
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self._flush()

    def _flush(self):
        if self._buffer:
            _write_all(self.fd, self._buffer)
            self._buffer = bytearray()
        self._flushed = self.offset
        if _fadvise is not None and self._flushed - self._written_back >= WRITEBACK_STEP:
            # on Linux, DONTNEED starts writing dirty pages out without waiting for them
            _fadvise(self.fd, self._written_back, self._flushed - self._written_back,
                     os.POSIX_FADV_DONTNEED)
            self._written_back = self._flushed


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# -- the zip writer as a child process (see zip_process.py): stdlib only, run as a script

def apply(stream, op, args):
    """One operation sent by ZipProcess."""
    if op == "copy":   # (name, path, compress, remove)
        name, path, compress, remove = args
        try:
            stream.add_file(name, path, compress)
        finally:
            if remove:
                os.unlink(path)
    elif op in ("folder", "add_bytes", "begin", "write", "end", "close"):
        getattr(stream, op)(*args)
    else:
        raise ValueError(f"unknown zip operation {op!r}")


def serve(path, spool_dir, level, date_time):
    """Reads batches of operations from stdin until it closes; answers on stdout with None
    or what went wrong, pickled. After an error the rest is read and dropped."""
    import pickle
    import signal
    import sys
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # a Ctrl-C is the parent's to handle
    source, answer = sys.stdin.buffer, sys.stdout.buffer
    stream = ZipStream(path, date_time, spool_dir, level)
    problem = None
    while True:
        head = source.read(8)
        if len(head) < 8:
            break
        batch = source.read(int.from_bytes(head, "little"))
        if problem is not None:
            continue
        try:
            for op, args in pickle.loads(batch):
                apply(stream, op, args)
        except Exception as exc:  # reported to the parent, which raises it
            problem = (type(exc).__name__, getattr(exc, "errno", None),
                       getattr(exc, "strerror", None), getattr(exc, "filename", None), str(exc))
            stream.abort()
    answer.write(pickle.dumps(problem))
    answer.flush()


if __name__ == "__main__":
    import sys as _sys
    _path, _spool_dir, _level, _stamp = _sys.argv[1:5]
    serve(_path, _spool_dir or None, int(_level), tuple(int(p) for p in _stamp.split(",")))

"""ArchiveWriter: the zip an export writes into, one streamed entry at a time.

A ZipStream writes the zip, in a child process (zip_process.py) so that copying media and
deflating run on a second core beside the conversion, or here when no child can be started.
Files already compressed (JPEG, PNG, MP3...) are stored as they are; everything else is
deflated at level 1, several times faster than the default level for a few percent more
bytes. Every entry carries the export time.
"""
import io
import os
import shutil
import tempfile
from contextlib import contextmanager

from . import zip_process
from .zipstream import ZipStream, apply

COMPRESS_LEVEL = 1
# Formats that deflate cannot shrink: stored, not deflated.
COMPRESSED_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .apng .gif .webp .avif .heic .heif .jp2 .jxl "
    ".mp3 .ogg .oga .opus .m4a .aac .flac .wma .mp4 .m4v .mov .webm .mkv "
    ".zip .gz .bz2 .xz .7z .zst .npz".split())
ENTRY_BUFFER = 256 * 1024   # bytes of a streamed entry gathered before they are passed on


def stored_as_is(name) -> bool:
    return os.path.splitext(name)[1].lower() in COMPRESSED_EXTENSIONS


class ArchiveWriter:
    def __init__(self, path, date_time, spool_dir=None, child_process=True):
        stamp = tuple(date_time.timetuple())[:6]
        self._sink = child_process and zip_process.start(path, stamp, spool_dir, COMPRESS_LEVEL)
        if not self._sink:
            self._sink = _HereSink(ZipStream(path, stamp, spool_dir, COMPRESS_LEVEL))
        self.spool_dir = spool_dir
        self._folders = set()
        self._done = False

    def close(self):
        """Finishes the zip (fsynced); raises what went wrong while writing it."""
        if not self._done:
            self._done = True
            try:
                self._sink.do("close")
                self._sink.finish()
            except BaseException:
                self._sink.abort()
                raise

    def abort(self):
        """Stops writing; the file is left incomplete, for the caller to delete."""
        if not self._done:
            self._done = True
            self._sink.abort()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def folder(self, name):
        """A folder entry, so that an empty folder (images/ with no image) still shows."""
        name = name.rstrip("/")
        if name not in self._folders:
            self._folders.add(name)
            self._sink.do("folder", name)

    def _parent_folders(self, name):
        parent = name.rpartition("/")[0]
        if parent and parent not in self._folders:
            self._parent_folders(parent)
            self.folder(parent)

    @contextmanager
    def open(self, name):
        """A binary file to write the entry `name` into."""
        self._parent_folders(name)
        self._sink.do("begin", name, not stored_as_is(name))
        entry = _EntryWriter(self._sink)
        yield entry
        entry.flush()
        self._sink.do("end")

    def write_bytes(self, name, data: bytes):
        self._parent_folders(name)
        self._sink.do("add_bytes", name, bytes(data), not stored_as_is(name), size=len(data))

    def copy_file(self, name, source_path, remove=False):
        """The file at source_path as the entry `name`, read once by the writer; with
        `remove`, deleted once read (a downloaded temp file)."""
        self._parent_folders(name)
        self._sink.do("copy", name, source_path, not stored_as_is(name), remove)

    def copy_spool(self, name, spool):
        """The whole content of a spool as the entry `name`."""
        spool.seek(0)
        with self.open(name) as f:
            shutil.copyfileobj(spool, f, ENTRY_BUFFER)

    def spool(self):
        """A scratch file for parts written before they can be put in order (deleted on close)."""
        return tempfile.TemporaryFile(dir=self.spool_dir)


class _HereSink:
    """The zip written by this process, when no child process could be started."""

    def __init__(self, stream):
        self.stream = stream

    def do(self, op, *args, size=0):
        apply(self.stream, op, args)

    def finish(self):
        pass

    def abort(self):
        self.stream.abort()


class _EntryWriter(io.BufferedIOBase):
    """The file object of ArchiveWriter.open: gathers small writes into larger pieces."""

    def __init__(self, sink):
        super().__init__()
        self._sink = sink
        self._parts = []
        self._size = 0

    def writable(self):
        return True

    def write(self, data):
        if data:
            self._parts.append(bytes(data))
            self._size += len(data)
            if self._size >= ENTRY_BUFFER:
                self.flush()
        return len(data)

    def flush(self):
        if self._parts:
            data = b"".join(self._parts)
            self._parts, self._size = [], 0
            self._sink.do("write", data, size=len(data))


def archive_name(*parts):
    """Zip entry names always use "/", whatever the OS."""
    return "/".join(p.strip("/") for p in parts if p)

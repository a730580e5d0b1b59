"""ZIP archives: their members as (name, stream), after checks against hostile archives.

Nothing is ever extracted with an archive-controlled path: members are read as streams, and
an archive naming an absolute path, a `..` step, a link or a device is refused whole, as is one
with too many members. Sizes are not taken on trust: the member streams count the bytes that
actually come out and raise ArchiveTooLarge the moment the archive passes `max_unpacked_size`
or a member inflates more than `max_compression_ratio` times (a zip bomb). The sizes the
central directory declares only serve to refuse an archive before reading it. Damaged or
crafted data raises FileFormatError, whatever zipfile or its decompressors raise for it.
"""
import lzma
import posixpath
import stat
import struct
import zipfile
import zlib

from .format_error import FileFormatError
from .limits import ImportLimits

SKIPPED_FOLDERS = ("__MACOSX/",)
READ_CHUNK = 1024 * 1024
RATIO_FREE_BYTES = 1024 * 1024       # output of a member before its compression ratio counts
ENTRY_SIGNATURE = b"PK\x01\x02"      # starts each central directory entry
ENTRY_HEADER_SIZE = 46
# what zipfile and its decompressors raise on damaged or crafted data (ValueError: a negative
# seek, an undecodable name; IndexError, struct.error: truncated fields)
DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError,
           RuntimeError, OSError, ValueError, IndexError, struct.error)


class ArchiveTooLarge(Exception):
    """The archive unpacks to more than the limits allow."""


def archive_members(stream, limits: ImportLimits):
    """Yields (member path, binary stream) of the archive's files, in archive order."""
    source = _ArchiveFile(stream, limits.max_archive_members)
    archive = _open_archive(source)
    unpacked = _Unpacked(limits)
    with archive:
        for info in _checked_members(archive.infolist(), limits):
            with _open_member(archive, info) as member:
                yield info.filename, _MemberStream(member, info.filename, source, unpacked)


def _open_archive(source):
    try:
        archive = zipfile.ZipFile(source)
    except FileFormatError:
        raise
    except DAMAGED as exc:
        raise FileFormatError(f"it is not a valid ZIP archive ({exc})") from None
    source.max_entries = None
    return archive


def _open_member(archive, info):
    try:
        return archive.open(info)
    except DAMAGED as exc:
        raise FileFormatError(f'member "{info.filename}" cannot be read ({exc})') from None


def _checked_members(infos, limits):
    if len(infos) > limits.max_archive_members:
        raise FileFormatError(f"the archive has {len(infos)} members; at most "
                              f"{limits.max_archive_members} are allowed")
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_unpacked_size:
        raise ArchiveTooLarge(f"the archive unpacks to {declared} bytes; at most "
                              f"{limits.max_unpacked_size} are allowed "
                              '("max_unpacked_size" in config.json)')
    members = []
    for info in infos:
        problem = _unsafe(info)
        if problem:
            raise FileFormatError(f'member "{info.filename}" {problem}; the archive is refused')
        if not info.is_dir() and not _skipped(info.filename):
            members.append(info)
    return members


def _unsafe(info):
    name = info.filename
    if not name:
        return "has an empty name"
    if "\x00" in name:
        return "has a NUL byte in its name"
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return "has an absolute path"
    if ".." in normalized.split("/"):
        return 'has a ".." step in its path'
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return "is a link or a device, not a file"
    return None


def _skipped(name):
    """Folders and files that archivers add by themselves (macOS forks, dot files)."""
    return name.startswith(SKIPPED_FOLDERS) or posixpath.basename(name).startswith(".")


class _ArchiveFile:
    """The archive file as zipfile reads it, counting the packed bytes read.

    While the archive is opened (max_entries set), zipfile reads the whole central directory
    in one read and then builds an object per entry: a read that starts with more entries
    than allowed is refused, so a small file of millions of tiny entries never gets there.
    """

    def __init__(self, raw, max_entries):
        self._raw = raw
        self.read_bytes = 0
        self.max_entries = max_entries

    def read(self, size=-1):
        data = self._raw.read(size)
        self.read_bytes += len(data)
        if self.max_entries is not None:
            entries = _leading_entries(data, self.max_entries)
            if entries > self.max_entries:
                raise FileFormatError(f"the archive has more than {self.max_entries} members; "
                                      f"at most {self.max_entries} are allowed")
        return data

    def seek(self, offset, whence=0):
        return self._raw.seek(offset, whence)

    def tell(self):
        return self._raw.tell()

    def seekable(self):
        return self._raw.seekable()


def _leading_entries(data, most):
    """How many central directory entries `data` starts with, counted up to most + 1."""
    count = position = 0
    while (count <= most and data.startswith(ENTRY_SIGNATURE, position)
           and position + ENTRY_HEADER_SIZE <= len(data)):
        name, extra, comment = struct.unpack_from("<3H", data, position + 28)
        position += ENTRY_HEADER_SIZE + name + extra + comment
        count += 1
    return count


class _Unpacked:
    """The bytes all members of the archive gave so far, against the limits."""

    def __init__(self, limits):
        self.limit = limits.max_unpacked_size
        self.max_ratio = limits.max_compression_ratio
        self.total = 0

    @property
    def left(self):
        return max(0, self.limit - self.total)

    def add(self, size, member):
        self.total += size
        if self.total > self.limit:
            raise ArchiveTooLarge(f'the archive unpacks to more than {self.limit} bytes (member '
                                  f'"{member}" goes past them); at most {self.limit} are '
                                  'allowed ("max_unpacked_size" in config.json)')


class _MemberStream:
    """A member's bytes as they come out, counted against the limits on every read."""

    def __init__(self, member, name, source, unpacked):
        self._member = member
        self._name = name
        self._source = source
        self._packed_before = source.read_bytes
        self._unpacked = unpacked
        self._size = 0

    def read(self, size=-1):
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(READ_CHUNK), b""))
        # one byte past the limit is enough to know it is crossed
        data = self._read(min(size, self._unpacked.left + 1))
        self._count(len(data))
        return data

    def _read(self, size):
        try:
            return self._member.read(size)
        except DAMAGED as exc:
            raise FileFormatError(f"its data is damaged ({exc})") from None

    def _count(self, size):
        self._size += size
        self._unpacked.add(size, self._name)
        # the packed bytes read so far are at least those the decompressor used
        packed = max(1, self._source.read_bytes - self._packed_before)
        ratio = self._unpacked.max_ratio
        if self._size > RATIO_FREE_BYTES and self._size > ratio * packed:
            raise ArchiveTooLarge(f'member "{self._name}" unpacks to more than {ratio:g} times '
                                  "its packed size, as zip bombs do; the archive is refused "
                                  '("max_compression_ratio" in config.json)')

"""ZIP archives: their members as (name, stream), after checks against hostile archives.

Nothing is ever extracted with an archive-controlled path: members are read as streams, and
an archive naming an absolute path, a `..` step, a link or a device is refused whole, as is one
with too many members or too many unpacked bytes (a zip bomb). The sizes checked are those of
the central directory; zipfile never returns more bytes than they declare and fails the CRC
check when the data does not match.
"""
import posixpath
import stat
import zipfile

from .format_error import FileFormatError
from .limits import ImportLimits

SKIPPED_FOLDERS = ("__MACOSX/",)


def archive_members(stream, limits: ImportLimits):
    """Yields (member path, binary stream) of the archive's files, in archive order."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileFormatError(f"it is not a valid ZIP archive ({exc})") from None
    with archive:
        members = _checked_members(archive.infolist(), limits)
        for info in members:
            with archive.open(info) as member:
                yield info.filename, member


def _checked_members(infos, limits):
    if len(infos) > limits.max_archive_members:
        raise FileFormatError(f"the archive has {len(infos)} members; at most "
                              f"{limits.max_archive_members} are allowed")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_unpacked_size:
        raise FileFormatError(f"the archive unpacks to {unpacked} bytes; at most "
                              f"{limits.max_unpacked_size} are allowed")
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

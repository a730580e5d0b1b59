"""A cache of the completion-record summaries, so that a restart stats each record file
instead of reading and parsing it. An entry counts only while its file's stamp (inode,
mtime, size) is unchanged; anything else in the folder is read as usual."""
import os

from .. import jsonio
from .files import atomic_write, read_bytes

CACHE_NAME = ".ls-summaries.json"
VERSION = 4


def load(project_dir, completions_path, summary_type, decode):
    """({task_id: Summary}, {task_id: path}, {folder: stamp}) from the cache, or empty ones.
    The folder stamps are those of a moment the summaries were all current (may be empty)."""
    raw = read_bytes(os.path.join(project_dir, CACHE_NAME))
    try:
        cached = jsonio.loads(raw) if raw else {}
        if not isinstance(cached, dict) or cached.get("version") != VERSION:
            return {}, {}, {}
        summaries, paths = {}, {}
        digests = [decode(value) for value in cached["digests"]]
        for task_id, relative, ino, mtime, size, count, cancelled, done_at, max_id, broken, \
                digest in cached["records"]:
            summaries[task_id] = summary_type((ino, mtime, size), count, cancelled, done_at,
                                              max_id, broken, digests[digest])
            if relative:  # "": the usual place, completions/<id>.json
                paths[task_id] = os.path.join(completions_path, relative)
        folders = {os.path.join(completions_path, relative) if relative else completions_path:
                   tuple(folder_stamp) for relative, folder_stamp in cached["folders"]}
        return summaries, paths, folders
    except (ValueError, TypeError, KeyError, IndexError):
        return {}, {}, {}


def save(project_dir, completions_path, summaries, paths, encode, folders):
    start = len(completions_path) + 1  # paths are completions_path/<relative>
    # records share a few digests: each is stored once, records hold its position
    positions, digests = {}, []

    def position(digest):
        key = id(digest)
        if key not in positions:
            positions[key] = len(digests)
            digests.append(encode(digest))
        return positions[key]

    records = [
        [task_id, paths[task_id][start:] if task_id in paths else "", *s.stamp, s.count, s.cancelled, s.completed_at,
         s.max_id, s.broken, position(s.digest)]
        for task_id, s in summaries.items() if s.stamp
    ]
    folders = [[folder[start:], list(folder_stamp)] for folder, folder_stamp in folders.items()
               if folder_stamp]
    data = jsonio.dumps({"version": VERSION, "digests": digests, "records": records,
                         "folders": folders})
    # derived data: atomic, but not worth an fsync
    atomic_write(os.path.join(project_dir, CACHE_NAME), data, durable=False)

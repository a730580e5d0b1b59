"""A cache of the completion-record summaries, so that a restart reads no record file.

Two files beside the project: `.ls-summaries.bin` (the summary columns, summary_map.py) and
`.ls-summaries.json` (what goes with them: the digests they point to, broken records, record
paths outside the usual place, the stamps of the completions folders when it was written,
and the stamp of the .bin file, which binds the two). An entry counts only while its file's
inode is unchanged (records are replaced by rename); when the folders' stamps are those
recorded, no file came, went or was replaced, and the folder is not even listed.
"""
import os

from .. import jsonio
from .files import atomic_write, read_bytes, stamp

CACHE_NAME = ".ls-summaries.json"
COLUMNS_NAME = ".ls-summaries.bin"
VERSION = 5


def load(project_dir, completions_path, summary_type, decode):
    """(SummaryMap, {task_id: path}, {folder: stamp}) from the cache, or empty ones. The
    folder stamps are those of a moment the summaries were all current (may be empty)."""
    import numpy as np  # here: first_open.py reads CACHE_NAME before numpy loads
    from .summary_map import WIDTH, SummaryMap
    empty = SummaryMap(summary_type), {}, {}
    raw = read_bytes(os.path.join(project_dir, CACHE_NAME))
    columns_path = os.path.join(project_dir, COLUMNS_NAME)
    try:
        cached = jsonio.loads(raw) if raw else {}
        if not isinstance(cached, dict) or cached.get("version") != VERSION:
            return empty
        if list(stamp(columns_path) or ()) != cached["columns_stamp"]:
            return empty  # written by another process since
        count = cached["count"]
        data = np.fromfile(columns_path, dtype=np.int64)
        if len(data) != count * (WIDTH + 1):
            return empty
        keys, columns = data[:count], data[count:].reshape(count, WIDTH)
        digests = [decode(value) for value in cached["digests"]]
        broken = {int(k): v for k, v in cached["broken"].items()}
        summaries = SummaryMap(summary_type, keys, columns, digests, broken)
        paths = {int(k): os.path.join(completions_path, v) for k, v in cached["paths"].items()}
        folders = {os.path.join(completions_path, relative) if relative else completions_path:
                   tuple(folder_stamp) for relative, folder_stamp in cached["folders"]}
        return summaries, paths, folders
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return empty


def snapshot(summaries, paths):
    """What save() needs, taken at once (requests go on changing the summaries)."""
    keys, columns = summaries.arrays()
    return keys.copy(), columns.copy(), list(summaries.digests), summaries.broken(), dict(paths)


def save(project_dir, completions_path, taken, encode, folders):
    keys, columns, digests, broken, paths = taken
    start = len(completions_path) + 1  # paths are completions_path/<relative>
    columns_path = os.path.join(project_dir, COLUMNS_NAME)
    # derived data: atomic, but not worth an fsync
    atomic_write(columns_path, keys.tobytes() + columns.tobytes(), durable=False)
    header = {
        "version": VERSION, "count": len(keys), "columns_stamp": list(stamp(columns_path)),
        "digests": [encode(digest) for digest in digests],
        "broken": {str(k): v for k, v in broken.items()},
        "paths": {str(k): v[start:] for k, v in paths.items()},
        "folders": [[folder[start:], list(folder_stamp)]
                    for folder, folder_stamp in folders.items() if folder_stamp],
    }
    atomic_write(os.path.join(project_dir, CACHE_NAME), jsonio.dumps(header), durable=False)

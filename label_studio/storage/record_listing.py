"""Which record files a completions folder holds: `<task_id>.json` files, in it and in its
subfolders, with their inodes (from the listing: no stat per file) and the stamps of the
folders walked. Standard library only: on a first open a summarizer child lists the folder
itself (record_summarizer.py)."""
import os

from .base import is_id_text
from .files import TEMP_MARK, remove_if_stale, stamp

COMPLETIONS_DIR = "completions"


def task_id_of(name):
    """The task id a file name stands for, or None."""
    if not name.endswith(".json") or name.startswith(TEMP_MARK):
        return None
    stem = name[:-5]
    return int(stem) if is_id_text(stem) else None


def list_records(root):
    """({task id: (path, inode)}, {folder: stamp}): the first file found for an id (folders
    depth first, in name order); path is None for a file directly in `root`. Temp files
    left by a writer that died are removed on the way."""
    found, folders = {}, {}
    _walk(root, root, found, folders)
    return found, folders


def _walk(root, folder, found, folders):
    folders[folder] = stamp(folder)
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    subfolders = []
    top = folder == root
    names = [entry.name for entry in entries]
    for entry, task_id in zip(entries, map(task_id_of, names)):
        if task_id is not None:
            if task_id not in found:
                # paths are kept only for records outside the usual place
                found[task_id] = (None if top else entry.path, entry.inode())
        elif entry.name.endswith(".json"):
            continue
        elif entry.name.startswith(TEMP_MARK):
            remove_if_stale(entry)
        elif entry.is_dir(follow_symlinks=False):
            subfolders.append(entry.path)
    for path in sorted(subfolders):
        _walk(root, path, found, folders)

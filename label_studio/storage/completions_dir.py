"""The `completions-dir` target storage: one `<task_id>.json` record per completed task.

Only a small summary of each record stays in memory (how many completions, how many
cancelled, the latest `created_at`, the largest completion id). Records are read from disk
when an answer needs them, so a file edited by hand is served as it is now.
"""
import errno
import os
import threading
from array import array
from itertools import repeat
from operator import itemgetter

import numpy as np

from .. import jsonio
from ..column_map import NONE
from . import record_files, record_reader, record_summarizer, summary_cache
from .base import Storage
from .files import KeptFolder, SpareFiles, atomic_write, fsync_path, remove_file, stamp
from .record_listing import COMPLETIONS_DIR, list_records
from .record_summary import Summary, summarize, summarize_read
from .summary_map import DIGEST, WIDTH

CACHE_AFTER_READS = 200
WARM_BYTES = 65536


class CompletionsDir(Storage):
    type_name = "completions-dir"
    can_import = can_delete = True

    def __init__(self, project_dir, digest=None, digest_codec=(None, None)):
        """`digest(results)` is kept in each summary: a record's results, reduced to what its
        owner needs later without reading the file again; `digest_codec` is (encode, decode)
        to and from JSON values, for the summary cache."""
        self.digest = digest
        self.project_dir = project_dir
        self.path = os.path.join(project_dir, COMPLETIONS_DIR)
        self._encode, self._decode = (f or (lambda value: value) for f in digest_codec)
        self.summaries, self.paths, self._cached_folders = summary_cache.load(
            project_dir, self.path, Summary, self._decode)
        self._folders = {}  # folder -> stamp, as the last walk found them
        self._saved_folders = dict(self._cached_folders)  # what the cache on disk vouches for
        self._cache_writer = None
        # made in the project folder: one made in completions/ would change its stamp, which
        # tells other processes that records came or went
        self.spares = SpareFiles(project_dir)
        self.kept_folder = KeptFolder(self.path)

    def dir_stamp(self):
        return stamp(self.path)

    def _file_path(self, task_id):
        return self.paths.get(task_id) or self._default_path(task_id)

    def _default_path(self, task_id):
        return os.path.join(self.path, f"{task_id}.json")

    def _list_files(self):
        """{task id: (path, inode)} of the record files (record_listing.py)."""
        found, self._folders = list_records(self.path)
        return found

    def rescan(self):
        """Brings the summaries in line with the folder; returns the ids whose summary changed."""
        return self.begin_rescan().finish()

    def begin_rescan(self):
        """rescan() in two steps: the folder is listed now and, when many records must be
        read (a first open), child processes start summarizing them; the caller may do other
        work before the returned Rescan's finish() (see record_summarizer.py). On a first
        open of a large folder the children list it too."""
        early = record_summarizer.claim(self.path, self.digest)  # first_open.py
        cached, self._cached_folders = self._cached_folders, None
        if cached and all(stamp(folder) == folder_stamp
                          for folder, folder_stamp in cached.items()):
            # no file came, went or was replaced since the cache was written: no walk
            self._folders = cached
            if early is not None:
                early.close()
            return Rescan(self, [], set())
        if not self.summaries and not self.paths:
            listing = early or record_summarizer.start_listing(self.path, self.digest)
            if listing is not None:
                return Rescan(self, None, set(), listing)
        elif early is not None:
            early.close()
        stale, changed = self._stale_records()
        return Rescan(self, stale, changed)

    def _stale_records(self):
        """Lists the folder: ([(task id, path)] of the records to read, in inode order; the
        ids whose record is gone)."""
        found = self._list_files()
        changed = set(self.summaries) - set(found)
        for task_id in changed:
            del self.summaries[task_id]
            self.paths.pop(task_id, None)
        # a record written by us or anyone else is a new file (renamed over the old one):
        # a new inode. An edit in place keeps the inode; it is seen when the record is read.
        stale = []
        if found:
            ids = np.fromiter(found, dtype=np.int64, count=len(found))
            inodes = np.fromiter((inode for _, inode in found.values()), dtype=np.int64,
                                 count=len(found))
            paths = [path for path, _ in found.values()]
            is_stale = self.summaries.inode_of(ids) != inodes
            if self.paths or any(paths):  # a record outside the usual place, now or before
                is_stale |= np.fromiter(
                    (path != self.paths.get(task_id) for task_id, path in zip(found, paths)),
                    dtype=bool, count=len(found))
            # in inode order: from a cold disk, the reads of files made one after another
            # merge into few device requests (direct_reads.py). Where direct reads cannot
            # be had, the read threads do a little worse in this order than in the folder's
            # (200k records: 7.0-8.1 s against 6.4 s)
            picked = np.flatnonzero(is_stale)
            picked = picked[np.argsort(inodes[picked], kind="stable")].tolist()
            stale = [(task_id, paths[at]) for task_id, at in zip(ids[picked].tolist(), picked)]
        return stale, changed

    def _summarize_here(self, stale, changed):
        fresh = {}  # set at once: one merge of the summary columns, not one per record
        files = [path or self._default_path(task_id) for task_id, path in stale]
        for (task_id, path), read in zip(stale, record_files.read_all(files)):
            summary = summarize_read(read, self.digest)
            if summary is None:
                self._forget(task_id, changed)
                continue
            fresh[task_id] = summary
            self._place(task_id, path)
            changed.add(task_id)
        self.summaries.update(fresh)

    def _take_summarized(self, taken, changed):
        """Puts in what summarizer children found (see record_summarizer.py), with one merge
        of the summary columns for all of them. `taken`: [(stale part, its ids as an int64
        array, the child's result)]."""
        all_ids, all_rows, all_digests, all_broken = [], [], [], {}
        for part, ids, (values, broken, digests) in taken:
            rows = np.frombuffer(values, dtype=np.int64).reshape(len(ids), WIDTH)
            if all_digests:  # each child numbers its digests from 0
                rows = rows.copy()
                numbered = rows[:, DIGEST] != NONE
                rows[numbered, DIGEST] += len(all_digests)
            gone = rows[:, 0] == NONE
            if gone.any():
                for task_id in ids[gone].tolist():
                    self._forget(task_id, changed)
                ids, rows = ids[~gone], rows[~gone]
            all_ids.append(ids)
            all_rows.append(rows)
            all_digests.extend(digests)
            all_broken.update(broken)
            if self.paths or any(map(itemgetter(1), part)):
                for (task_id, path), is_gone in zip(part, gone.tolist()):
                    self._place(task_id, None if is_gone else path)
        ids = np.concatenate(all_ids)
        self.summaries.update_columns(ids, np.concatenate(all_rows), all_digests, all_broken)
        changed.update(ids.tolist())

    def _forget(self, task_id, changed):
        if self.summaries.pop(task_id, None) is not None:
            self.paths.pop(task_id, None)
            changed.add(task_id)

    def _place(self, task_id, path):
        if path:
            self.paths[task_id] = path
        else:
            self.paths.pop(task_id, None)

    def _save_cache_in_background(self):
        # off the start-up path; a snapshot, since requests go on changing the summaries.
        # The folder stamps are left out: a request may write a record before it is saved
        taken = summary_cache.snapshot(self.summaries, self.paths)
        self.flush_cache()
        self._cache_writer = threading.Thread(
            target=summary_cache.save, name="summary-cache",
            args=(self.project_dir, self.path, taken, self._encode, {}))
        self._cache_writer.start()

    def save_cache(self):
        """Saves the summaries with the folders' stamps, so that the next start trusts them
        without a walk. Call under the project lock, right after a sync."""
        self.flush_cache()
        folders = {folder: stamp(folder) for folder in self._folders}
        if folders == self._saved_folders or not os.path.isdir(self.path):
            return
        summary_cache.save(self.project_dir, self.path,
                           summary_cache.snapshot(self.summaries, self.paths), self._encode,
                           folders)
        self._saved_folders = folders

    def flush_cache(self):
        """Waits until a summary cache being written is on disk."""
        if self._cache_writer is not None:
            self._cache_writer.join()
            self._cache_writer = None

    def read(self, task_id):
        """The record on disk now, or None. Refreshes its summary as a side effect."""
        return self.read_known(task_id, self.summaries.get(task_id))[0]

    def read_known(self, task_id, known):
        """read(), given the task's summary as known now (or None): (the record or None, its
        summary after the read). Spares a page of tasks three summary look-ups a task."""
        path = self._file_path(task_id)
        try:
            raw, file_stamp = record_files.read_with_stamp(path)
        except (FileNotFoundError, NotADirectoryError):
            raw = b""
        if not raw:  # gone, or empty: never acknowledged (see _summarize_read)
            self.summaries.pop(task_id, None)
            self.paths.pop(task_id, None)
            return None, None
        try:
            record = jsonio.loads(raw)
        except ValueError as exc:
            broken = self.summaries[task_id] = Summary(file_stamp,
                                                       broken=f"not valid JSON ({exc})")
            return None, broken
        if known is None or known.stamp != file_stamp:
            known = self.summaries[task_id] = summarize(record, file_stamp, self.digest)
        return (record if isinstance(record, dict) else None), known

    def warm(self, task_id):
        """Brings the task's record, if one is known, into the page cache; reads nothing
        else. A task without a record (most completion POSTs are a task's first) costs no
        look-up in the folder; a record dropped in by hand and not yet seen is read under
        the lock, as before."""
        if task_id not in self.summaries:
            return
        try:
            # O_NONBLOCK: a FIFO put there by hand must not hold the request here
            fd = os.open(self._file_path(task_id), os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)  # all of a large one
            os.read(fd, WARM_BYTES)  # and wait for the start
        except OSError:
            pass
        finally:
            os.close(fd)

    def prefetch(self, task_ids):
        """Starts reading the records of `task_ids` (an ascending int64 array) ahead in a
        child process, for read_many(); None when that is not worth it or not possible."""
        task_ids = np.ascontiguousarray(task_ids, dtype=np.int64)
        elsewhere = {task_id: path for task_id, path in self.paths.items() if path}
        reader = record_reader.start(self.path, array("q", task_ids.tobytes()), elsewhere)
        return None if reader is None else Prefetched(reader, task_ids)

    def read_many(self, task_ids, ahead=None):
        """read() of each id of the int64 array `task_ids`, a list in the same order.

        Exports read every completed task's record: the summaries' stamps are looked up for
        the batch at once, and a file whose stamp matches them is only parsed; anything else
        (no summary, a changed or broken file) goes through read(). `ahead`: what
        prefetch() gave, for ids in ascending order across calls."""
        stamps = self.summaries.stamps_of(task_ids)
        loads, paths, folder = jsonio.loads, self.paths, self.path
        read = ahead.take(task_ids) if ahead is not None else [None] * len(task_ids)
        records = []
        for task_id, known, read_ahead in zip(task_ids.tolist(), stamps, read):
            if known is None:
                records.append(self.read(task_id))
                continue
            try:
                if read_ahead is None:
                    read_ahead = record_files.read_with_stamp(
                        paths.get(task_id) or f"{folder}{os.sep}{task_id}.json")
                raw, file_stamp = read_ahead
                record = loads(raw) if file_stamp == known else None
            except (OSError, ValueError):
                record = None
            records.append(record if isinstance(record, dict) else self.read(task_id))
        return records

    def write(self, task_id, record, sync_folder=True, sync_data=True):
        """Writes the record; returns its path. With sync_folder=False the caller fsyncs the
        record's folder before it tells anyone the write is done; with sync_data=False it
        returns (path, descriptor of the new file) and the caller fsyncs and closes that too
        (writers that do it after the project lock share journal commits)."""
        path = self._file_path(task_id)
        data = jsonio.dumps(record, jsonio.RECORD)
        spare = self.spares.take()
        try:
            fd = atomic_write(path, data, sync_folder=sync_folder, sync_data=sync_data,
                              temp=spare)
        except OSError as exc:
            # no completions/ yet (made here, not checked every write); or the spare could
            # not be renamed: removed by another process, or completions/ on another device
            if isinstance(exc, FileNotFoundError):
                os.makedirs(os.path.dirname(path), exist_ok=True)
            elif spare is None:
                raise
            elif exc.errno == errno.EXDEV:
                self.spares.disable()
            fd = atomic_write(path, data, sync_folder=sync_folder, sync_data=sync_data)
        file_stamp = os.fstat(fd) if fd is not None else os.stat(path)
        self.summaries[task_id] = summarize(
            record, (file_stamp.st_ino, file_stamp.st_mtime_ns, file_stamp.st_size), self.digest)
        return path if fd is None else (path, fd)


    # the Storage interface (ProjectState calls read/write/rescan directly)
    def ids(self):
        return sorted(self.summaries)

    def get(self, task_id):
        return self.read(task_id)

    def set_many(self, values):
        for task_id, record in values.items():
            self.write(task_id, record)

    def sync(self):
        self.rescan()

    def remove(self, task_id, durable=True):
        """Removes the record; returns its path, or None when there was none. With
        durable=False the caller fsyncs the record's folder before it answers."""
        path = self._file_path(task_id)
        self.summaries.pop(task_id, None)
        self.paths.pop(task_id, None)
        return path if remove_file(path, durable=durable) else None

    def remove_all(self):
        for task_id, (path, _) in self._list_files().items():
            remove_file(path or self._default_path(task_id), durable=False)
        self.summaries.clear()
        self.paths.clear()
        if os.path.isdir(self.path):
            fsync_path(self.path)


class Rescan:
    """A rescan under way (CompletionsDir.begin_rescan); finish() once, or close()."""

    def __init__(self, owner, stale, changed, listing=None):
        self._owner = owner
        self._stale = stale  # None: the listing children list the folder
        self._changed = changed
        self._listing = listing
        self._helpers = None
        if listing is None:
            elsewhere = {task_id: path for task_id, path in stale if path}
            self._helpers = record_summarizer.start(
                owner.path, [task_id for task_id, _ in stale], elsewhere, owner.digest)

    def finish(self):
        """Puts the summaries in; returns the ids whose summary changed."""
        owner, changed = self._owner, self._changed
        taken = []
        shares = self._shares()
        for part, ids, result in shares:
            if result is None:
                owner._summarize_here(part, changed)
            else:
                taken.append((part, ids, result))
        if taken:
            owner._take_summarized(taken, changed)
        if sum(len(part) for part, _, _ in shares) >= CACHE_AFTER_READS:
            owner._save_cache_in_background()
        self._stale = []
        return changed

    def _shares(self):
        """[(part of the stale records, their ids as an int64 array or None, its child's
        result or None)]."""
        if self._listing is not None:
            listed, results = self._listing.results()
            self._listing = None
            if listed is None:  # the listing child failed: as if there were none
                self._stale, _ = self._owner._stale_records()
                return [(self._stale, None, None)]
            ids, elsewhere, folders = listed
            self._owner._folders = folders
            shares = [(_with_paths(done, elsewhere), done, result) for done, result in results]
            # what no child answered for (one failed, or gave up): read here
            left = ids[~np.isin(ids, np.concatenate([done for done, _ in results]))] \
                if results else ids
            if len(left):
                shares.append((_with_paths(left, elsewhere), left, None))
            return shares
        if self._helpers is None:
            return [(self._stale, None, None)]
        parts, at = [], 0
        for share in self._helpers.shares:
            part = self._stale[at:at + len(share)]
            parts.append((part, np.array(share, dtype=np.int64)))
            at += len(share)
        return [(part, ids, result)
                for (part, ids), result in zip(parts, self._helpers.results())]

    def close(self):
        for helpers in (self._helpers, self._listing):
            if helpers is not None:
                helpers.close()


def _with_paths(ids, elsewhere):
    """[(task id, its path elsewhere or None)] of an int64 array of ids."""
    id_list = ids.tolist()
    return list(zip(id_list, map(elsewhere.get, id_list) if elsewhere else repeat(None)))


class Prefetched:
    """What a RecordReader read ahead, taken by task ids in ascending order: ids the reader
    was given but no longer asked for are skipped; an id it was not given gives None."""

    def __init__(self, reader, task_ids):
        self._reader = reader
        self._ids = task_ids
        self._at = 0  # entries of the reader taken so far

    def take(self, task_ids):
        """(bytes, stamp) or None per id of the ascending int64 array `task_ids`."""
        ids, at = self._ids, self._at
        if not len(task_ids) or not len(ids):
            return [None] * len(task_ids)
        places = np.searchsorted(ids, task_ids)
        given = (places >= at) & (places < len(ids))
        given[given] = ids[places[given]] == task_ids[given]
        if not given.any():
            return [None] * len(task_ids)
        end = int(places[given][-1]) + 1
        entries = self._reader.take(end - at)
        self._at = end
        return [entries[place - at] if ok else None
                for place, ok in zip(places.tolist(), given.tolist())]

    def close(self):
        self._reader.close()

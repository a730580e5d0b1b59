"""ProjectState: a project's files held in memory and kept in step with the folder.

It loads config.json, config.xml, tasks.json and the completion summaries, notices on every
call what changed on disk (a cheap check of stamps and write generations), and wraps every
change in the project lock: take the lock, re-check the files, write, tell other processes.
Project (project.py) builds the operations on top of it.
"""
import atexit
import logging
import os
import random
import weakref
from contextlib import contextmanager

from . import sampling
from .collector import paused
from .errors import Conflict, LabelStudioError
from .importers import drop_folder
from .label_config import (LabelConfigError, parse_label_config, usage_from_json, usage_keys,
                           usage_to_json)
from .project_storages import ProjectStorages
from .storage.base import StorageError
from .settings import CONFIG_NAME, Settings
from .storage.completions_dir import CompletionsDir
from .storage.files import (ProjectLock, StateFile, fsync_path, read_bytes,
                            remove_stale_temp_files, stamp)
from .storage.tasks_json import TasksJson
from .task_index import TaskIndex

log = logging.getLogger(__name__)
_open_states = weakref.WeakSet()

LABEL_CONFIG_NAME = "config.xml"
TABS_NAME = "tabs.json"  # the 0.9 Data Manager's tabs (data_manager/tabs.py)
EMPTY_LABEL_CONFIG = "<View></View>"


class ProjectNotFound(Exception):
    pass


class ProjectState:
    def __init__(self, path, name=None, multi_session=False):
        self.path = os.path.abspath(path)
        self.name = name if name is not None else path
        self.multi_session = multi_session
        if not os.path.isdir(self.path):
            raise ProjectNotFound(f'Project directory "{path}" not found. '
                                  f"Create it first with `label-studio init {path}`")
        if not os.path.isfile(os.path.join(self.path, CONFIG_NAME)):
            raise ProjectNotFound(f'Couldn\'t find config file {CONFIG_NAME} in project directory '
                                  f'"{path}"; run `label-studio init {path}` first')
        self.lock = ProjectLock(self.path)
        self.state_file = StateFile(self.path)
        self.local_source = TasksJson(self.path, self.name.rstrip("/") or ".")
        self.source = self.local_source
        self.storages = ProjectStorages(self)
        self.background_storage = False  # a server sets it: buckets are synced by a thread
        self._target_ops = {}
        # each record's label usage is kept, so a config check needs no file reads
        with paused(freeze=True):
            self.completions = CompletionsDir(self.path, digest=usage_keys,
                                              digest_codec=(usage_to_json, usage_from_json))
        self.index = TaskIndex()
        self.tasks = self.local_source.store
        self.rng = random.Random()
        self.last_task_id = -1
        self.last_completion_id = 0
        self._stamps = {}
        self._gens = (None, None)
        self._state_seen = {}
        self._reload_all = True
        self._dirty = set()
        self._folders_to_sync = set()
        self._files_to_sync = []
        self.load_warnings = {}
        self.drop_folder = None
        self._tasks_file_problem = None
        with self.lock.local:
            self.sync()
        remove_stale_temp_files(self.path)
        _open_states.add(self)

    def save_caches(self):
        """Leaves the completion summaries on disk with the folder stamps they match, so the
        next start needs no walk of completions/ (at exit; under the lock, after a sync)."""
        if not os.path.isdir(self.path):
            return
        self.local_source.flush_map()
        with self.lock.exclusive():
            self.sync()
            self.local_source.settle_map()
            self.completions.save_cache()

    def sync(self):
        """Notice what changed on disk since the last call; cheap when nothing did."""
        state = self._state_seen = self.state_file.read()
        gens = (state.get("tasks_gen"), state.get("completions_gen"))
        self._sync_settings()
        xml_stamp = stamp(os.path.join(self.path, LABEL_CONFIG_NAME))
        if self._reload_all or xml_stamp != self._stamps.get("xml"):
            self._load_label_config(xml_stamp)
        tasks_changed = (self._reload_all or gens[0] != self._gens[0]
                         or self.source.stamp() != self._stamps.get("tasks"))
        dir_stamp = self.completions.dir_stamp()
        rescan = None
        if self._reload_all or gens[1] != self._gens[1] or dir_stamp != self._stamps.get("dir"):
            with paused(freeze=True):
                rescan = self.completions.begin_rescan()
        try:
            if tasks_changed:
                # meanwhile, children may be summarizing the records (a first open)
                with paused(freeze=True):
                    self._read_tasks()
        except BaseException:
            if rescan is not None:
                rescan.close()
            raise
        if rescan is not None:
            with paused(freeze=True):
                changed = rescan.finish()
            self._stamps["dir"] = dir_stamp
            self._note_broken_records()
            if not tasks_changed:
                for task_id in changed:
                    self.index.set_summary(task_id, self.completions.summaries.get(task_id))
        if tasks_changed:
            with paused(freeze=True):
                self._index_tasks()
        self._gens = gens
        self._reload_all = False
        self.last_task_id = max(self.last_task_id, _int(state.get("last_task_id"), -1))
        self.last_completion_id = max(self.last_completion_id,
                                      _int(state.get("last_completion_id"), 0))

    def _sync_settings(self):
        """The sync() of config.json alone; call under the lock."""
        config_stamp = stamp(os.path.join(self.path, CONFIG_NAME))
        if self._reload_all or config_stamp != self._stamps.get("config"):
            self._load_settings(config_stamp)

    def _load_settings(self, config_stamp):
        try:
            self.settings = Settings.load(self.path)
            self.load_warnings.pop("config", None)
        except (OSError, ValueError) as exc:
            if not hasattr(self, "settings"):
                self.settings = Settings({})
            self.load_warnings["config"] = f"{CONFIG_NAME} could not be read: {exc}"
        if self.settings.sampling not in sampling.KNOWN:
            self.load_warnings["sampling"] = (f'Unknown sampling method "{self.settings.sampling}";'
                                              " using sequential")
        else:
            self.load_warnings.pop("sampling", None)
        self._open_storages()
        self._stamps["config"] = config_stamp

    def _open_storages(self):
        """The source and target config.json names now (swapped when they changed)."""
        source = self.storages.open(self.settings, self.local_source)
        if source is not self.source:
            self.source = source
            self._stamps.pop("tasks", None)  # serve the new source's tasks
        self.drop_folder = (drop_folder.configured(self.path, self.settings, self.drop_folder)
                            if source is self.local_source else None)

    def _load_label_config(self, xml_stamp):
        raw = read_bytes(os.path.join(self.path, LABEL_CONFIG_NAME))
        text = raw.decode("utf-8", "replace") if raw else EMPTY_LABEL_CONFIG
        try:
            self.label_config = parse_label_config(text)
            self.load_warnings.pop("label_config", None)
        except LabelConfigError as exc:
            self.label_config = _lenient_label_config(text)
            self.load_warnings["label_config"] = ("config.xml has problems: "
                                                  + "; ".join(exc.messages))
        self._stamps["xml"] = xml_stamp

    def _read_tasks(self):
        if self.source.needs_recovery():
            # a writer died mid-append: finish or undo it, with no other writer about
            with self.lock.exclusive():
                self.source.recover()
        self._stamps["tasks"] = self.source.stamp()
        self.tasks, warnings = self.source.load()
        if warnings:
            self.load_warnings["tasks"] = "; ".join(warnings[:20])
        else:
            self.load_warnings.pop("tasks", None)
        self._tasks_file_problem = "; ".join(warnings[:3]) if warnings else None

    def _load_tasks(self):
        self._read_tasks()
        self._index_tasks()

    def _index_tasks(self):
        self.index.rebuild(self.tasks, self.completions.summaries)
        self.last_task_id = max(self.last_task_id, self.tasks.last_id())
        self.last_completion_id = self.completions.summaries.max_completion_id(
            self.last_completion_id)

    def _note_broken_records(self):
        broken = sorted(self.completions.summaries.broken().items())
        broken = [f"completions/{task_id}.json: {problem}" for task_id, problem in broken]
        if broken:
            self.load_warnings["completions"] = "; ".join(broken[:20])
        else:
            self.load_warnings.pop("completions", None)
        self.last_completion_id = self.completions.summaries.max_completion_id(
            self.last_completion_id)

    @contextmanager
    def reading(self):
        with self.lock.local:
            self.sync()
            self._import_dropped_files()
            self.storages.poke()
            yield

    @contextmanager
    def writing(self, warm=None):
        """Take the lock, re-check the files, change them, then tell other processes.

        `warm`: the task whose record the write reads. It is read once before the lock is
        taken: from a cold disk, the read under the lock would make every writer queued
        behind it wait for the disk too (4 clients posting completions to a project just
        opened, where a fifth of the tasks have records no read has cached: 971-976 ->
        1001-1129 req/s in bench_core, together with connection_linger.py).

        Completion records, and the folders of their renames, are fsynced after the lock is
        released: writers waiting for the lock then share journal commits instead of queueing
        for one each (4 clients posting completions: 944 -> see bench_core), and one fsync of
        completions/ counts for every rename made before it began (KeptFolder). The caller
        answers only after that, so an acknowledged write is durable. A power cut before
        that fsync can leave a new record empty; it was never acknowledged, and an empty
        record file is read as no record.
        """
        if warm is not None:
            self.completions.warm(warm)
        files = []
        try:
            with self.lock.exclusive():
                # this writer's own lists: the next lock holder makes new ones while these
                # are fsynced below
                folders = self._folders_to_sync = set()
                files = self._files_to_sync = []  # descriptors of the records written
                yield from self._locked_write()
                ticket = self._folder_ticket()
            if files:
                self.completions.spares.make()  # for a later writer, out of the lock
            for fd in files:
                os.fsync(fd)
        finally:
            for fd in files:
                os.close(fd)
        for folder in folders:
            if ticket is not None and folder == self.completions.path:
                self.completions.kept_folder.sync(ticket)
            else:
                fsync_path(folder)

    def _folder_ticket(self):
        """This write's ticket for the fsync of completions/ kept open, when the stamp taken
        after its renames shows it is still the folder there; else None."""
        folder_stamp = self._stamps.get("dir")
        if folder_stamp is None or self.completions.path not in self._folders_to_sync:
            return None
        return self.completions.kept_folder.ticket(folder_stamp[0])

    def _locked_write(self):
        """The body of writing() under the lock (a generator, as the context manager)."""
        self.sync()
        self._dirty = set()
        self._target_ops = {}
        try:
            yield
        except LabelStudioError:
            # domain errors are raised before anything changes
            raise
        except BaseException:
            # a write failed half way (disk full...): memory may be ahead of the disk
            self._reload_all = True
            raise
        finally:
            if self._dirty:
                self._commit_state()
            if self._target_ops and self.storages.target is not None:
                self.storages.target.add_pending(self._target_ops)
                self.storages.wake()
            self._target_ops = {}

    def _commit_state(self):
        # what sync() read at the start of this write: no other writer has run since
        state = dict(self._state_seen)
        for part in ("tasks", "completions"):
            key = f"{part}_gen"
            if part in self._dirty:
                state[key] = _int(state.get(key), 0) + 1
        state["last_task_id"] = self.last_task_id
        state["last_completion_id"] = self.last_completion_id
        self.state_file.write(state)
        self._state_seen = state
        self._gens = (state.get("tasks_gen"), state.get("completions_gen"))
        if "tasks" in self._dirty:
            self._stamps["tasks"] = self.source.stamp()
        if "completions" in self._dirty:
            self._stamps["dir"] = self.completions.dir_stamp()
        self._dirty = set()

    # ------------------------------------------------------------------ low-level writes

    def _check_tasks_writable(self):
        # rewriting a file we could not fully read would lose what we skipped
        if self._tasks_file_problem:
            raise Conflict(f"tasks.json was not fully readable ({self._tasks_file_problem}); "
                           "fix it by hand before changing tasks")

    def _append_tasks(self, ids, tasks):
        """Tasks with ids above every stored one go to the end of tasks.json."""
        self._dirty.add("tasks")
        self.source.append(ids, tasks)

    def _append_task_batches(self, batches):
        """(ids, tasks) batches, as _append_tasks, in one write; each task is dropped once
        encoded (a large import's peak memory is then about one batch of dicts)."""
        self._dirty.add("tasks")
        self.source.append_batches(batches, consume=True)

    def _rewrite_tasks(self, changes, old_tasks=None):
        """{id: task, or None to delete}: a new tasks.json. `old_tasks` ({id: task} of the
        changed ones, when no id comes or goes) lets the index follow without a rebuild."""
        self._dirty.add("tasks")
        self.source.rewrite(changes)
        if old_tasks is None:
            self.index.rebuild(self.tasks, self.completions.summaries)
            return
        for task_id, task in changes.items():
            self.index.replace_task(task_id, old_tasks[task_id], task)

    def _record_for_update(self, task_id):
        """The task's record as on disk now, or None; refuses to overwrite a broken one.

        Read even when no record is known: one dropped in by hand within the folder's clock
        tick would not have changed its stamp, and must not be overwritten."""
        record = self.completions.read(task_id)
        summary = self.completions.summaries.get(task_id)
        if summary is not None and summary.broken:
            raise Conflict(f"completions/{task_id}.json is broken ({summary.broken}); "
                           "fix or remove it first")
        return record

    def _write_record(self, task_id, record, send=True):
        """`send`: also queue it for a bucket or Redis target (not for a copy taken from it)."""
        self._dirty.add("completions")
        path, fd = self.completions.write(task_id, record, sync_folder=False, sync_data=False)
        self._files_to_sync.append(fd)
        self._folders_to_sync.add(os.path.dirname(path))
        self.index.set_summary(task_id, self.completions.summaries.get(task_id))
        if send:
            self._target_ops[task_id] = "put"

    def _remove_record(self, task_id):
        self._dirty.add("completions")
        path = self.completions.remove(task_id, durable=False)
        if path is not None:
            self._folders_to_sync.add(os.path.dirname(path))
        self.index.set_summary(task_id, None)
        self._target_ops[task_id] = "delete"

    def _remove_all_records(self):
        self._dirty.add("completions")
        self._target_ops.update((task_id, "delete") for task_id in self.completions.summaries)
        self.completions.remove_all()

    # ------------------------------------------------------------------ remote storages

    def _check_source_can(self, operation, capability):
        """400 for an operation the source storage cannot do (a bucket is the user's)."""
        if not getattr(self.source, capability):
            kind = self.settings.source.get("type")
            raise StorageError(f"{operation} is not supported for storage {kind}")

    def apply_source_changes(self, changes):
        """A sync's result (storage/remote_source.py), inside writing()."""
        if changes:
            last = self.tasks.last_id()
            ids = list(changes.upserts)
            appending = (not changes.removed and (not ids or ids[0] > last)
                         and all(a < b for a, b in zip(ids, ids[1:])))
            if appending:
                self._append_synced(list(changes.upserts.items()))
            else:
                edits = {task_id: None for task_id in changes.removed if task_id in self.tasks}
                edits.update(changes.upserts)
                self._rewrite_tasks(edits)
            self.last_task_id = max(self.last_task_id, self.tasks.last_id())
        self.source.commit_keys(changes)

    def _append_synced(self, new_tasks):
        """New keys only, with ids past every task (in ascending order, as a sync makes
        them): appended, as an import is."""
        self._append_tasks([task_id for task_id, _ in new_tasks],
                           [task for _, task in new_tasks])
        if len(new_tasks) > len(self.tasks) // 2:  # faster from scratch
            self.index.rebuild(self.tasks, self.completions.summaries)
            return
        for task_id, task in new_tasks:
            self.index.add_task(task_id, task, self.completions.summaries.get(task_id))

    def copy_in_records(self, records):
        """Records found in the target that the local folder lacks, inside writing()."""
        for task_id, record in records.items():
            if task_id in self.completions.summaries:
                continue
            self._write_record(task_id, record, send=False)
        self._note_broken_records()


@atexit.register
def _save_caches_at_exit():
    for state in list(_open_states):
        try:
            state.completions.spares.drop()
            state.save_caches()
        except Exception:  # a folder removed meanwhile, a full disk: the cache is optional
            log.debug("summary cache of %s not saved", state.path, exc_info=True)


def _lenient_label_config(text):
    """A config that fails our checks still serves what can be read from it."""
    try:
        return parse_label_config(text, validate=False)
    except (TypeError, LabelConfigError):
        return parse_label_config(EMPTY_LABEL_CONFIG)


def _int(value, default):
    return value if isinstance(value, int) and not isinstance(value, bool) else default


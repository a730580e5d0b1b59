"""What a project does with a bucket or Redis as its source or target.

ProjectStorages opens the storages config.json names (swapping them when it changes), and,
in a server, runs one background thread per project that syncs the source (on first use and at
most every `storage_sync_interval` seconds, 30 by default; every tenth time a full listing,
the others only the keys after the last known one where the bucket can), sends the pending completions
records to the target (at once, then retried with a growing pause while the target is down),
and copies in records the target has and the local folder lacks. Problems become warnings of
GET /api/project; what was served before keeps being served.
"""
import logging
import os
import threading
import time
import weakref

from . import jsonio
from .errors import LabelStudioError
from .storage.presign import Signer
from .storage.registry import storage_type
from .storage.remote_source import MIRROR_NAME, RemoteSource
from .storage.remote_target import PUT, RemoteTarget
from .storage.tasks_json import TasksJson

log = logging.getLogger(__name__)

# between full listings a sync lists only the keys after the last known one (S3, GCS)
FULL_SYNC_EVERY = 10
RETRY_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)


class ProjectStorages:
    def __init__(self, state):
        self.state = state
        self.target = None           # RemoteTarget, or None for completions-dir
        self.signer = Signer(())
        self.problems = {}           # "source" / "target" -> message, shown as warnings
        self.source_syncing = False
        self.target_syncing = False
        self._configs = (None, None)
        self._wake = threading.Event()
        self._thread = None
        self._last_source_sync = None
        self._last_full_sync = None
        self._last_target_sync = None
        self._failures = 0

    # ---- opening from config.json (called under the lock, on every change of it)

    def open(self, settings, local_source):
        """The source to serve tasks from (`local_source` for tasks-json); a role whose
        config did not change keeps its storage."""
        source_config, target_config = jsonio.dumps(settings.source), jsonio.dumps(settings.target)
        source = self.state.source
        if source_config != self._configs[0]:
            source = self._open_source(settings.source, local_source)
            self._last_source_sync = self._last_full_sync = None
        if target_config != self._configs[1]:
            self._open_target(settings.target)
            self._last_target_sync = None
        if (source_config, target_config) != self._configs:
            self.signer = Signer([getattr(source, "client", None),
                                  getattr(self.target, "client", None)], settings.presign_ttl)
        self._configs = (source_config, target_config)
        return source

    def _open_source(self, config, local_source):
        self.problems.pop("source", None)
        try:
            if storage_type(config, "source").local:
                return local_source
            return RemoteSource(self.state.path, config, self.state.name.rstrip("/") or ".")
        except LabelStudioError as exc:
            self.problems["source"] = (f"source storage: {exc.detail}; serving the tasks of its "
                                       "last sync")
            mirror = TasksJson(self.state.path, ".", name=MIRROR_NAME, map_name=None)
            mirror.can_import = mirror.can_delete = False
            mirror.remote = True
            return mirror

    def _open_target(self, config):
        self.problems.pop("target", None)
        self.target = None
        try:
            if not storage_type(config, "target").local:
                self.target = RemoteTarget(self.state.path, config)
        except LabelStudioError as exc:
            self.problems["target"] = (f"target storage: {exc.detail}; completions are kept in "
                                       "completions/ only")

    @property
    def remote(self):
        return self.target is not None or isinstance(self.state.source, RemoteSource)

    # ---- the background thread

    def poke(self):
        """Starts the thread on first use (servers only: state.background_storage)."""
        if not (self.state.background_storage and self.remote):
            return
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=_run, args=(weakref.ref(self), self._wake),
                                            name="storage-sync", daemon=True)
            self._thread.start()

    def wake(self):
        self._wake.set()

    def run_once(self, force=False, full=None):
        """One round of every due job (all of them when `force`; `full` forces the kind of
        source listing); returns how long to wait before the next."""
        interval = self.state.settings.storage_sync_interval
        now = time.monotonic()
        if isinstance(self.state.source, RemoteSource) and (
                force or self._due(self._last_source_sync, interval, now)):
            self._last_source_sync = now
            if full is None:
                full = force or self._due(self._last_full_sync, interval * FULL_SYNC_EVERY, now)
            if full:
                self._last_full_sync = now
            self._sync_source(self.state.source, full)
        pause = interval
        target = self.target
        if target is not None:
            if not self._drain(target):
                self._failures += 1
                pause = RETRY_PAUSES[min(self._failures, len(RETRY_PAUSES)) - 1]
            else:
                self._failures = 0
                if force or self._due(self._last_target_sync, interval, now):
                    self._last_target_sync = now
                    self._sync_target(target)
        return pause

    @staticmethod
    def _due(last, interval, now):
        return last is None or now - last >= interval

    def _sync_source(self, source, full=True):
        self.source_syncing = True
        try:
            with self.state.reading():
                # a bucket listing only asks which ids are served: no copy of 100k tasks
                tasks = dict(self.state.tasks) if source.is_redis else self.state.tasks
                last_id = self.state.last_task_id
                label_config = self.state.label_config
            changes = source.collect(tasks, last_id, label_config, full)
            with self.state.writing():
                if self.state.source is source:
                    self.state.apply_source_changes(changes)
            self._note("source", None, changes.warnings)
        except LabelStudioError as exc:
            self._note("source", f"source storage {source.readable_path} could not be synced "
                                 f"({exc.detail}); serving the tasks of its last sync")
        finally:
            self.source_syncing = False

    def _drain(self, target):
        """Sends the pending operations; False when the target failed (retried later)."""
        pending = target.pending()
        if not pending:
            self.problems.pop("target_pending", None)
            return True
        sent = {}
        try:
            for task_id, operation in pending.items():
                record = self._local_record(task_id) if operation == PUT else None
                target.send(task_id, operation, record)
                sent[task_id] = operation
            ok = True
        except LabelStudioError as exc:
            self.problems["target_pending"] = (
                f"{len(pending) - len(sent)} completions records wait to be sent to "
                f"{target.readable_path} ({exc.detail}); they are safe in completions/ and "
                "are retried")
            ok = False
        if sent:
            with self.state.writing():
                target.done(sent)
            target.save_keys()
        if ok:
            self.problems.pop("target_pending", None)
        return ok

    def _local_record(self, task_id):
        path = os.path.join(self.state.completions.path, f"{task_id}.json")
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def _sync_target(self, target):
        self.target_syncing = True
        try:
            with self.state.reading():
                local = set(self.state.completions.summaries)
            records = target.missing_records(local, target.pending())
            if records:
                with self.state.writing():
                    self.state.copy_in_records(records)
            self._note("target", None)
        except LabelStudioError as exc:
            self._note("target", f"target storage {target.readable_path} could not be read "
                                 f"({exc.detail})")
        finally:
            self.target_syncing = False

    def _note(self, role, problem, warnings=()):
        key = f"{role}_sync"
        if problem:
            log.warning(problem)
            self.problems[key] = problem
        elif warnings:
            self.problems[key] = "; ".join(warnings[:20])
        else:
            self.problems.pop(key, None)

    def pending_count(self):
        return self.target.pending_count() if self.target is not None else 0


def _run(storages_ref, wake):
    """The thread's loop; it holds its project weakly and ends once the project is gone."""
    while True:
        storages = storages_ref()
        if storages is None:
            return
        try:
            pause = storages.run_once()
        except Exception:  # the thread must outlive any one failure
            log.exception("storage sync failed")
            storages.problems["sync"] = "storage sync failed; see the server log"
            pause = RETRY_PAUSES[-1]
        del storages
        wake.wait(pause)
        wake.clear()

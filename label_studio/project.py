"""Project: the one object a request or a command talks to.

Reading tasks, importing, completions and label config changes, as plain Python values and
typed errors; it knows nothing about HTTP. Keeping the files and memory in step, and the
lock around every change, is ProjectState's job (project_state.py).
"""
import logging
import os
import time

import numpy as np

from . import sampling
from .errors import Conflict, NotFound, Unprocessable, ValidationError
from .label_config import LabelConfigError, OutputUsage, check_against_data, parse_label_config
from .project_state import LABEL_CONFIG_NAME, TABS_NAME, ProjectNotFound, ProjectState

__all__ = ["Project", "ProjectNotFound"]
from .settings import CONFIG_NAME
from .completion_fields import is_cancelled, timestamp
from .storage.files import atomic_write, remove_file, stamp
from .storage.registry import TYPES
from .task_index import parse_order

log = logging.getLogger(__name__)

UNDEFINED_KEY = "$undefined$"
AVAILABLE_STORAGES = [[t.name, t.description] for t in TYPES.values()]


def now():
    return int(time.time())


def format_completed_at(ts):
    if ts is None:
        return "undefined"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


class Project(ProjectState):
    """The operations of a project (see ProjectState for how it stays in step with disk)."""

    # ------------------------------------------------------------------ reading

    def summary(self):
        with self.reading():
            config = self.label_config
            return {
                "project_name": self.name,
                "task_count": len(self.index.ids),
                "completion_count": self.index.completed_count,
                "config": self.settings.for_client(),
                "instruction": self.settings.instruction,
                "can_manage_tasks": self.source.can_import,
                "can_manage_completions": True,
                "can_delete_tasks": self.source.can_delete,
                "source_storage": {"readable_path": self.source.readable_path},
                "target_storage": {"readable_path": self._completions_readable_path()},
                "available_storages": AVAILABLE_STORAGES,
                "source_syncing": self.storages.source_syncing,
                "target_syncing": self.storages.target_syncing,
                "target_pending": self.storages.pending_count(),
                "data_types": config.data_types,
                "label_config_line": config.label_config_line,
                "multi_session_mode": self.multi_session,
                "config_has_control_tags": config.has_control_tags,
                "warnings": (list(self.load_warnings.values())
                             + list(self.storages.problems.values())),
            }

    def _completions_readable_path(self):
        if self.storages.target is not None:
            return self.storages.target.readable_path
        return f"{self.name.rstrip('/') or '.'}/completions"

    def current_settings(self):
        """config.json as it is on disk now (an edit by hand or by a command is seen). Only
        that file is checked: every request asks this first, for the credentials.

        An unchanged file is answered without the lock: with 4 clients posting completions,
        each request waited here for the write in progress (about 2 ms in a profile) before
        its own parsing could start. The stamp is set last when settings load, so seeing it
        means seeing them."""
        if stamp(os.path.join(self.path, CONFIG_NAME)) == self._stamps.get("config"):
            return self.settings
        with self.lock.local:
            self._sync_settings()
            return self.settings

    def task_ids(self):
        with self.reading():
            return list(self.index.ids)

    def completed_task_ids(self):
        with self.reading():
            done = [tid for tid, s in self.completions.summaries.items()
                    if s.completed and tid in self.tasks]
            return sorted(done)

    def tasks_page(self, page=1, page_size=10, order="id", fields=None):
        parsed = parse_order(order)
        if parsed is None:
            raise ValidationError(f'Incorrect order "{order}": use id, completed_at or '
                                  "has_cancelled_completions, optionally prefixed with -")
        if page < 1 or page_size < 1:
            raise Unprocessable("Incorrect page or page_size")
        with self.reading():
            ids = self.index.page(parsed[0], parsed[1], (page - 1) * page_size, page_size)
            tasks = self.tasks.many(ids)  # neighbours in tasks.json are decoded together
            items = [self._task_view(task_id, listing=True, task=tasks.get(task_id))
                     for task_id in ids]
        if fields:
            items = [{k: item[k] for k in fields if k in item} for item in items]
        return [self.storages.signer.task(item) for item in items]

    def get_task(self, task_id):
        with self.reading():
            if task_id not in self.tasks:
                raise NotFound(f"Task {task_id} not found")
            return self.storages.signer.task(self._task_view(task_id))

    def _task_view(self, task_id, listing=False, task=None, record=False):
        """`record`: the task's completions record when the caller read it (None: none)."""
        if task is None:
            task = self.tasks[task_id]
        summary = False
        if record is False:
            record, summary = self._read_record_and_summary(task_id)
        completions = record.get("completions") if record else None
        if not completions or not isinstance(completions, list):
            return self._with_data_key(dict(task))
        view = dict(record)
        view.update(task)
        view["completions"] = completions  # the record's, not any the task holds
        view["id"] = task_id
        view["predictions"] = task.get("predictions") or []
        if listing:
            if summary is False:
                summary = self.completions.summaries.get(task_id)
            view["completed_at"] = format_completed_at(summary.completed_at if summary else None)
            view["has_cancelled_completions"] = summary.cancelled if summary else 0
        return self._with_data_key(view)

    def _read_record(self, task_id):
        """The completions record on disk now, or None; the index follows what was read."""
        return self._read_record_and_summary(task_id)[0]

    def _read_record_and_summary(self, task_id):
        """_read_record(), and the task's summary after it (or None)."""
        before = self.completions.summaries.get(task_id)
        if before is None:
            return None, None
        record, after = self.completions.read_known(task_id, before)
        if after is not before:
            self.index.set_summary(task_id, after)
        return record, after

    def view_of(self, task_id):
        """_task_view for other packages (data_manager/); call inside reading()."""
        return self._task_view(task_id)

    def record_of(self, task_id):
        """The task's completions record or None; call inside reading()."""
        return self._read_record(task_id)

    def iter_completion_records(self, batch=500):
        """Every completions record as stored (one per completed task), in task id order."""
        task_ids = self.completed_task_ids()
        for start in range(0, len(task_ids), batch):
            with self.reading():
                records = [self._read_record(task_id) for task_id in task_ids[start:start + batch]
                           if task_id in self.tasks]
            yield from (record for record in records if isinstance(record, dict))

    def _with_data_key(self, task):
        data = task.get("data")
        keys = self.label_config.data_keys
        if isinstance(data, dict) and UNDEFINED_KEY in data and keys and keys[0] not in data:
            data = dict(data)
            data[keys[0]] = data.pop(UNDEFINED_KEY)
            task["data"] = data
        return task

    def iter_tasks(self, batch=500):
        """Every task as GET /api/tasks/<id> shows it, in id order, a batch at a time.

        The id list is taken once; each batch is read under the lock, after one check for
        changes on disk, so memory stays flat however large the project is (export streams
        from this).
        """
        with self.reading():
            ids = self.index.ids.to_array()
            ahead = self.completions.prefetch(
                np.intersect1d(ids, self.completions.summaries.arrays()[0]))
        try:
            for start in range(0, len(ids), batch):
                with self.reading():
                    tasks = self.tasks.many(ids[start:start + batch])
                    task_ids = np.fromiter(tasks, dtype=np.int64, count=len(tasks))
                    # the records of those that have one, read as a batch
                    done = self.completions.summaries.present(task_ids)
                    records = iter(self.completions.read_many(
                        task_ids[np.asarray(done, dtype=bool)], ahead))
                    views = [self._task_view(task_id, task=task,
                                             record=next(records) if has else None)
                             for (task_id, task), has in zip(tasks.items(), done)]
                yield from views
        finally:
            if ahead is not None:
                ahead.close()

    def sync_storages(self, full=True):
        """One sync of the bucket or Redis storages now, waited for (tests, the CLI);
        `full=False` lists only the keys after the last known one, as most background syncs."""
        self.storages.run_once(force=True, full=full)

    def stored_task(self, task_id):
        """The task as tasks.json holds it, without its completions."""
        with self.reading():
            if task_id not in self.tasks:
                raise NotFound(f"Task {task_id} not found")
            return dict(self.tasks[task_id])

    def next_task(self):
        with self.reading():
            task_id = sampling.next_task_id(self.index, self.settings.sampling, self.rng)
            if task_id is None:
                return None
            return self.storages.signer.task(self._with_data_key(dict(self.tasks[task_id])))

    # ------------------------------------------------------------------ tasks

    def import_tasks(self, tasks, formats=None, uploads=None):
        """Stores validated tasks (see importers/) with fresh ids; all or nothing.

        `tasks` is a list, or a streamed sequence (importers/): len() is the total and
        iterating it gives lists of tasks. Either is the caller's to give away: each task is
        dropped once stored. `uploads` (importers.uploads.UploadStaging) holds the media
        files the tasks point to; they are moved into upload/ once nothing can refuse the
        import any more.
        """
        started = time.perf_counter()
        count = len(tasks)
        if count > self.settings.max_tasks_per_import:
            raise ValidationError([f"Maximum task number is {self.settings.max_tasks_per_import},"
                                   f" current task number is {count}"])
        with self.writing():
            self._check_tasks_writable()
            self._check_source_can("Import", "can_import")
            if uploads:
                uploads.commit()
            new_ids, completion_count, prediction_count = self._add_tasks(tasks)
        return {
            "task_count": count,
            "completion_count": completion_count,
            "prediction_count": prediction_count,
            "duration": round(time.perf_counter() - started, 6),
            "formats": formats or {"request": count},
            "new_task_ids": new_ids,
        }

    def _add_tasks(self, tasks):
        """Numbers and stores new tasks and their imported completions (inside writing())."""
        count = len(tasks)
        first = self.last_task_id + 1
        batches = [tasks] if isinstance(tasks, list) else tasks
        if self.source.remote:  # Redis: written through before anything changes here
            batches = [[task for batch in batches for task in batch]]
            self.source.set_many({first + k: {**_without(task, "completions"), "id": first + k}
                                  for k, task in enumerate(batches[0])})
        records = []
        counts = {"completions": 0, "predictions": 0, "tasks": 0}

        def numbered():
            for batch in batches:
                start = first + counts["tasks"]
                for task_id, task in enumerate(batch, start):
                    imported = task.pop("completions", None)
                    task["id"] = task_id
                    counts["predictions"] += len(task.get("predictions") or ())
                    if imported:
                        counts["completions"] += len(imported)
                        records.append((task_id, self._new_record(task, imported)))
                counts["tasks"] += len(batch)
                if counts["tasks"] > count:
                    break
                yield range(start, start + len(batch)), batch
            # the store encodes every batch before it writes: raised here, nothing is written
            if counts["tasks"] != count:  # a streamed import whose input changed meanwhile
                raise Conflict(f"the import gave {counts['tasks']} tasks, not {count}; "
                               "try again")

        self._append_task_batches(numbered())
        self.last_task_id = max(self.last_task_id, first + count - 1)
        self.index.add_appended(self.tasks, count)
        for task_id, record in records:
            self._write_record(task_id, record)
        return list(range(first, first + count)), counts["completions"], counts["predictions"]

    def _import_dropped_files(self):
        """Tasks from files added to the drop-in folder since the last look (importers/)."""
        folder = self.drop_folder
        if folder is None or self._tasks_file_problem or not folder.changed():
            return
        with self.writing():
            relatives = folder.new_files()
            if relatives:
                tasks, done = folder.read(relatives, self.label_config)
                self._add_tasks(tasks)
                folder.mark_imported(done)
        if folder.problems:
            self.load_warnings["drop_folder"] = "; ".join(
                f"{name}: {message}" for name, message in list(folder.problems.items())[:20])
        else:
            self.load_warnings.pop("drop_folder", None)

    def _new_record(self, task, imported):
        record = {k: v for k, v in task.items() if k != "predictions"}
        record["completions"] = []
        for completion in imported:
            record["completions"].append(self._stamp_new_completion(dict(completion)))
        return record

    def _stamp_new_completion(self, completion):
        self.last_completion_id += 1
        completion["id"] = self.last_completion_id
        moment = now()
        if timestamp(completion.get("created_at")) is None:
            completion["created_at"] = moment
        completion["updated_at"] = moment
        return completion

    def replace_task(self, task_id, task):
        """Rewrites one task (0.9 PATCH/POST); `task` is validated already."""
        with self.writing():
            old = self.tasks.get(task_id)
            if old is None:
                raise NotFound(f"Task {task_id} not found")
            self._check_tasks_writable()
            self._check_source_can("Changing a task", "can_import")
            stored = {**task, "id": task_id}
            if self.source.remote:
                self.source.set(task_id, stored)
            self._rewrite_tasks({task_id: stored}, old_tasks={task_id: old})
            return stored

    def set_predictions(self, predictions_by_id):
        """Stores new `predictions` lists for several tasks in one write; ids no longer in the
        project are skipped. Returns the ids stored."""
        with self.writing():
            self._check_tasks_writable()
            self._check_source_can("Storing predictions", "can_import")
            old = self.tasks.many(predictions_by_id)
            changed = {task_id: {**old[task_id], "predictions": predictions}
                       for task_id, predictions in predictions_by_id.items() if task_id in old}
            if self.source.remote:
                self.source.set_many(changed)
            if changed:
                self._rewrite_tasks(changed, old_tasks=old)
            return list(changed)

    def delete_task(self, task_id):
        if not self.delete_tasks([task_id]):
            raise NotFound(f"Task {task_id} not found")

    def delete_tasks(self, task_ids):
        """Deletes several tasks and their completions in one write; unknown ids are skipped.
        Returns how many were deleted."""
        with self.writing():
            self._check_tasks_writable()
            self._check_source_can("Deleting tasks", "can_delete")
            doomed = [task_id for task_id in dict.fromkeys(task_ids) if task_id in self.tasks]
            if not doomed:
                return 0
            if self.source.remote:  # Redis first: a failure there changes nothing here
                for task_id in doomed:
                    self.source.remove(task_id)
            self._rewrite_tasks(dict.fromkeys(doomed))
            for task_id in doomed:
                if task_id in self.completions.summaries:
                    self._remove_record(task_id)
            return len(doomed)

    def delete_completions_of(self, task_ids):
        """Deletes the completions of several tasks in one write; returns how many tasks had
        some."""
        self._check_delete_allowed()
        with self.writing():
            done = [task_id for task_id in dict.fromkeys(task_ids)
                    if task_id in self.tasks and task_id in self.completions.summaries]
            for task_id in done:
                self._remove_record(task_id)
            return len(done)

    def delete_all_tasks(self):
        with self.writing():
            self._check_tasks_writable()
            self._check_source_can("Deleting tasks", "can_delete")
            if self.source.remote:
                self.source.remove_all()
            self._dirty.add("tasks")
            self.source.clear()
            self._remove_all_records()
            self.index.rebuild(self.tasks, self.completions.summaries)

    # ------------------------------------------------------------------ completions

    def _completion_for_update(self, task_id, completion_id):
        """(record, completion) for a change to one completion; 404 when either is unknown."""
        if task_id not in self.tasks:
            raise NotFound(f"Task {task_id} not found")
        record = self._record_for_update(task_id)
        target = _find_completion(record, completion_id)
        if target is None:
            raise NotFound(f"Completion {completion_id} not found in task {task_id}")
        return record, target

    def add_completion(self, task_id, completion, cancelled=None):
        with self.writing(warm=task_id):
            if task_id not in self.tasks:
                raise NotFound(f"Task {task_id} not found")
            record = self._record_for_update(task_id)
            if record is None:  # the task is read only for a first record
                record = {k: v for k, v in self.tasks[task_id].items() if k != "predictions"}
                record["completions"] = []
            completion.pop("id", None)
            if cancelled is None:
                cancelled = is_cancelled(completion)
            completion.pop("skipped", None)
            completion.pop("was_cancelled", None)
            if cancelled:
                completion["was_cancelled"] = True
            completion.setdefault("result", [])
            self._stamp_new_completion(completion)
            record["completions"].append(completion)
            record.pop("predictions", None)
            self._write_record(task_id, record)
            return completion["id"]

    def update_completion(self, task_id, completion_id, changes, cancelled=None):
        with self.writing(warm=task_id):
            record, target = self._completion_for_update(task_id, completion_id)
            changes.pop("id", None)
            if cancelled is None:
                cancelled = bool(changes.get("was_cancelled"))
            changes.pop("skipped", None)
            target.pop("skipped", None)
            created = target.get("created_at")
            target.update(changes)
            target["was_cancelled"] = cancelled
            if timestamp(target.get("created_at")) is None:
                target["created_at"] = created if timestamp(created) is not None else now()
            target["updated_at"] = now()
            self._write_record(task_id, record)

    def delete_completion(self, task_id, completion_id):
        self._check_delete_allowed()
        with self.writing(warm=task_id):
            record, target = self._completion_for_update(task_id, completion_id)
            record["completions"].remove(target)
            if record["completions"]:
                self._write_record(task_id, record)
            else:
                self._remove_record(task_id)

    def delete_task_completions(self, task_id):
        self._check_delete_allowed()
        with self.writing():
            if task_id not in self.tasks:
                raise NotFound(f"Task {task_id} not found")
            if task_id in self.completions.summaries:
                self._remove_record(task_id)

    def delete_all_completions(self):
        with self.writing():
            self._remove_all_records()
            self.index.rebuild(self.tasks, self.completions.summaries)

    def _check_delete_allowed(self):
        with self.reading():
            if not self.settings.allow_delete_completions:
                raise Unprocessable("Completion removing is not allowed in server config")

    # ------------------------------------------------------------------ config

    def set_label_config(self, text):
        """Validates a new label config against the project's data, then saves it."""
        text = text.replace("\r\n", "\n")
        config = parse_label_config(text)
        with self.writing():
            problems = self._incompatibilities(config)
            if problems:
                raise LabelConfigError(problems)
            atomic_write(os.path.join(self.path, LABEL_CONFIG_NAME), text.encode("utf-8"))
            if config.data_types != self.label_config.data_types:
                # the Data Manager's columns follow the object tags: tabs naming the old ones
                # go, as in 0.9
                remove_file(os.path.join(self.path, TABS_NAME))
            self.label_config = config
            self._stamps["xml"] = stamp(os.path.join(self.path, LABEL_CONFIG_NAME))
            self.settings.raw["label_config_updated"] = True
            self.settings.save(self.path, indent=False)
            self._stamps["config"] = stamp(os.path.join(self.path, CONFIG_NAME))

    def check_label_config(self, text):
        """Like set_label_config without saving: returns the parsed config or raises."""
        with self.reading():
            config = parse_label_config(text.replace("\r\n", "\n"))
            problems = self._incompatibilities(config)
        if problems:
            raise LabelConfigError(problems)
        return config

    def _incompatibilities(self, config):
        usage = OutputUsage()
        for task_id, summary in self.completions.summaries.items():
            if summary.completed and task_id in self.tasks:
                usage.add_keys(*summary.digest)
        counts = {k: v for k, v in self.index.key_counts.items() if v > 0}
        return check_against_data(config, len(self.tasks), counts, usage)

    def update_settings(self, changes: dict):
        with self.writing():
            self._check_settings_writable()
            self.settings.raw.update(changes)
            self._save_settings()

    def change_setting(self, key, change):
        """Sets config.json's `key` to change(its value now), all under the write lock, so a
        change made meanwhile by another process is not lost. `change` may raise to refuse."""
        with self.writing():
            self._check_settings_writable()
            self.settings.raw[key] = change(self.settings.raw.get(key))
            self._save_settings()

    def _check_settings_writable(self):
        # saving would replace a config.json we could not read with defaults
        if "config" in self.load_warnings:
            raise Conflict(f"{self.load_warnings['config']}; fix it by hand before changing "
                           "settings")

    def _save_settings(self):
        self.settings.save(self.path)
        self._stamps["config"] = stamp(os.path.join(self.path, CONFIG_NAME))
        self._open_storages()
        if "tasks" not in self._stamps:
            self._load_tasks()


def _without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


def _find_completion(record, completion_id):
    completions = record.get("completions") if record else None
    if not isinstance(completions, list):
        return None
    for completion in completions:
        if isinstance(completion, dict) and completion.get("id") == completion_id:
            return completion
    return None

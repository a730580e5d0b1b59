"""What a project does with its ML backends: live predictions, training, bulk predictions
(spec/ml-backend.md §4-§5, api.md §5).

Where legacy stopped at the first failing backend, each backend here fails on its own: the
others still predict and train. Backend failures are 502s, a running training is a 409.
"""
import logging
from datetime import datetime

from . import client
from ..errors import BadGateway, Conflict, NotFound, ValidationError

log = logging.getLogger(__name__)

NO_BACKEND = "No ML backend"
NONE_CONNECTED = ("Training is not started: seems that you don't have any ML backend "
                  "connected")
NOTHING_TO_TRAIN = "Nothing to train on: no task has completions yet"
ALREADY_TRAINING = "Can't start new training: Train job is running."


def backends(project):
    """Clients for the backends in config.json, in config order; malformed entries skipped."""
    found = []
    for entry in project.settings.ml_backends:
        name, url = entry.get("name"), entry.get("url")
        if isinstance(name, str) and isinstance(url, str) and url.startswith(("http://",
                                                                              "https://")):
            found.append(client.backend({"name": name, "url": url}))
    return found


def require_backends(project):
    found = backends(project)
    if not found:
        raise ValidationError(NO_BACKEND)
    return found


def add_live_predictions(project, task, hostname=None):
    """`task` with the predictions of every reachable backend in place of its stored ones
    (which stay when none gave a prediction); unchanged when no backend is configured."""
    configured = backends(project)
    if not configured:
        return task
    collected = live_predictions(project, configured, task, hostname)
    return {**task, "predictions": collected or task.get("predictions") or []}


def live_predictions(project, configured, task, hostname=None):
    asked = {**task, "predictions": []}
    config = project.label_config
    collected = []
    for backend in configured:
        if not backend.healthy():
            continue
        try:
            version = backend.setup(backend.name, config.label_config_line, hostname)
            results = backend.predict(asked, version, backend.name, config.text)
        except client.BackendError as exc:
            if exc.status == 404:
                log.info("%s: model is not found (probably not trained yet)", backend.name)
            else:
                log.warning("%s", exc)
            continue
        if results and isinstance(results[0], dict):
            collected.append({**results[0], "created_by": backend.name,
                              "created_date": datetime.now().isoformat()})
    return collected


def predict_tasks(project, task_ids=None, hostname=None):
    """Live predictions for stored tasks (all of them, or `task_ids`), written back into
    tasks.json in one write; tasks no backend predicted keep their stored predictions.
    Returns how many tasks got new predictions."""
    configured = require_backends(project)
    if task_ids is None:
        task_ids = project.task_ids()
    else:
        known = set(project.task_ids())
        missing = [task_id for task_id in task_ids if task_id not in known]
        if missing:
            raise NotFound(f"Tasks not found: {missing}", task_ids=missing)
    fresh = {}
    for task_id in task_ids:
        try:
            task = project.stored_task(task_id)
        except NotFound:
            continue  # deleted meanwhile
        collected = live_predictions(project, configured, task, hostname)
        if collected:
            fresh[task_id] = collected
    return len(project.set_predictions(fresh)) if fresh else 0


def train(project):
    """Sends every completions record to each reachable backend; returns the names trained.

    Job ids a backend answers are kept in config.json as ml_backends[].train_job."""
    configured = require_backends(project)
    reachable = [backend for backend in configured if backend.healthy()]
    if not reachable:
        raise ValidationError(NONE_CONNECTED)
    jobs = {entry.get("name"): entry["train_job"] for entry in project.settings.ml_backends
            if entry.get("train_job") is not None}
    for backend in reachable:
        _check_not_training(backend, jobs.get(backend.name))
    records = list(project.iter_completion_records())
    if not records:
        raise ValidationError(NOTHING_TO_TRAIN)
    started, failed = {}, []
    for backend in reachable:
        try:
            started[backend.name] = backend.train(records, backend.name,
                                                  project.label_config.text, project.path)
        except client.BackendError as exc:
            failed.append((backend.name, exc.text))
    _remember_jobs(project, started)
    if failed:
        name, text = failed[0]
        raise BadGateway(f"Can't update model: ML backend {name} returns an error: {text}",
                         failed=[name for name, _ in failed], started=list(started))
    return list(started)


def _check_not_training(backend, job):
    if job is not None:
        try:
            if backend.job_status(job) in ("queued", "started"):
                raise Conflict(ALREADY_TRAINING, backend=backend.name)
        except client.BackendError as exc:
            log.info("%s", exc)  # most backends do not implement /job_status
    try:
        training = backend.is_training(backend.name)
    except client.BackendError as exc:
        raise BadGateway(f"Can't validate whether model is training for project {backend.name}: "
                         f"{exc.text}", backend=backend.name) from None
    if training:
        raise Conflict(ALREADY_TRAINING, backend=backend.name)


def _entries(value):
    return value if isinstance(value, list) else []


def _remember_jobs(project, started):
    jobs = {name: job for name, job in started.items() if job is not None}
    if jobs:
        project.change_setting("ml_backends", lambda value: [
            dict(entry, train_job=jobs[entry["name"]])
            if isinstance(entry, dict) and entry.get("name") in jobs else entry
            for entry in _entries(value)])


def add_backend(project, entry):
    project.change_setting("ml_backends", lambda value: _entries(value) + [entry])


def remove_backend(project, name):
    def without(value):
        entries = _entries(value)
        kept = [e for e in entries if not (isinstance(e, dict) and e.get("name") == name)]
        if len(kept) == len(entries):
            raise NotFound(f'Can\'t remove ML backend with name "{name}": not found.')
        return kept
    project.change_setting("ml_backends", without)


def forget_models(project):
    """After every task was deleted: ask each backend to drop its model (errors only logged)."""
    for backend in backends(project):
        try:
            backend.delete(backend.name)
        except client.BackendError as exc:
            log.info("%s", exc)

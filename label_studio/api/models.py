"""/api/models, /api/models/train and /api/models/predictions (ML backends)."""
from flask import Blueprint, request

from ..ml import project as ml_project
from ..errors import ValidationError
from .common import (empty_response, external_host, json_body, json_object, json_response,
                     json_type, project)

bp = Blueprint("models", __name__)
PREDICTION_MODES = ("data", "all_tasks", "specific_tasks")


def _done(message, **extra):
    # 0.8 clients read "details", 0.9 clients "detail"
    return json_response({"detail": message, "details": message, **extra})


@bp.get("/api/models")
def list_models():
    names = [entry.get("name") for entry in project().settings.ml_backends]
    return json_response({"models": [name for name in names if isinstance(name, str)]})


@bp.delete("/api/models")
def remove_model():
    body = json_object()
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise ValidationError('Expected {"name": "<model name>"}')
    ml_project.remove_backend(project(), name)
    return empty_response(204)


@bp.post("/api/models/train")
def train():
    trained = ml_project.train(project())
    return _done("Training started", models=trained)


@bp.route("/api/models/predictions", methods=["GET", "POST"])
def predictions():
    current = project()
    mode = request.values.get("mode", "data") or "data"
    if mode not in PREDICTION_MODES:
        raise ValidationError(f'unknown mode "{mode}"; expected one of '
                              + ", ".join(PREDICTION_MODES))
    if mode == "data":
        return predict_posted_task()
    ml_project.require_backends(current)
    task_ids = None if mode == "all_tasks" else _requested_task_ids()
    count = ml_project.predict_tasks(current, task_ids, external_host())
    return _done("predictions are ready", tasks_predicted=count)


def predict_posted_task():
    """mode=data: live predictions for the task (or task data) in the body, not stored."""
    current = project()
    ml_project.require_backends(current)
    body = json_body(required=False)
    if body is None:
        raise ValidationError("no task data found in request json: mode=data needs a JSON body, "
                              'the task or its data, e.g. {"data": {"text": "..."}}')
    task = body if isinstance(body, dict) and "data" in body else {"data": body}
    if not isinstance(task["data"], dict):
        raise ValidationError(f"Task data must be a JSON object, got {json_type(task['data'])}")
    return json_response(ml_project.add_live_predictions(current, task, external_host()))


def _requested_task_ids():
    """specific_tasks: ?task_ids=1,2,3, or a JSON body {"task_ids": [1, 2, 3]}."""
    text = request.values.get("task_ids")
    if text is not None:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        # isdecimal, not isdigit: int() refuses "²" (and numbers of over 4300 digits)
        if not parts or not all(part.isdecimal() and len(part) <= 18 for part in parts):
            raise ValidationError('"task_ids" must be a comma-separated list of task ids, '
                                  f'got "{text}"')
        return [int(part) for part in parts]
    body = json_body(required=False)
    ids = body.get("task_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
        raise ValidationError('mode=specific_tasks needs task ids: ?task_ids=1,2,3 or a JSON '
                              'body {"task_ids": [1, 2, 3]}')
    return ids

"""/api/tasks, /api/tasks/<id>, its completions, and /api/completions."""
from flask import Blueprint, request

from .. import importers
from ..ml import project as ml_project
from ..errors import ValidationError
from .common import (external_host, empty_response, json_object, json_response, path_id, project, query_bool,
                     query_int)

bp = Blueprint("tasks", __name__)


@bp.get("/api/tasks")
def list_tasks():
    fields = request.values.get("fields", "all")
    wanted = None if fields in ("", "all") else [f.strip() for f in fields.split(",") if f.strip()]
    items = project().tasks_page(page=query_int("page", 1), page_size=query_int("page_size", 10),
                                 order=request.values.get("order", "id") or "id", fields=wanted)
    return json_response(items)


@bp.delete("/api/tasks")
def delete_all_tasks():
    current = project()
    current.delete_all_tasks()
    ml_project.forget_models(current)
    return empty_response(204)


@bp.get("/api/tasks/<task_id>")
def get_task(task_id):
    current = project()
    task = current.get_task(path_id(task_id, "task_id"))
    task = ml_project.add_live_predictions(current, task, external_host())
    response = json_response(task, pretty=bool(request.args.get("pretty")))
    response.data += b"\n"
    return response


@bp.delete("/api/tasks/<task_id>")
def delete_task(task_id):
    project().delete_task(path_id(task_id, "task_id"))
    return empty_response(204)


@bp.route("/api/tasks/<task_id>", methods=["PATCH", "POST"])
def replace_task(task_id):
    task_id = path_id(task_id, "task_id")
    current = project()
    body = json_object()
    task = importers.validate_task(body, current.label_config)
    stored = current.replace_task(task_id, task)
    return json_response({"detail": "Task patched", "data": stored})


@bp.post("/api/tasks/<task_id>/completions")
def add_completion(task_id):
    task_id = path_id(task_id, "task_id")
    completion = _completion_body()
    completion_id = project().add_completion(task_id, completion, query_bool("was_cancelled"))
    return json_response({"id": completion_id}, status=201)


@bp.delete("/api/tasks/<task_id>/completions")
def delete_task_completions(task_id):
    project().delete_task_completions(path_id(task_id, "task_id"))
    return empty_response(204)


@bp.route("/api/tasks/<task_id>/completions/<completion_id>",
          methods=["PATCH", "POST", "DELETE"])
def one_completion(task_id, completion_id):
    task_id = path_id(task_id, "task_id")
    if completion_id == "null":
        # LSF sends this for a completion it never saved
        return json_response({"detail": "completion id is null"})
    completion_id = path_id(completion_id, "completion_id")
    if request.method == "DELETE":
        project().delete_completion(task_id, completion_id)
        return empty_response(204)
    changes = _completion_body()
    project().update_completion(task_id, completion_id, changes, query_bool("was_cancelled"))
    return json_response({"detail": "created"}, status=201)


def _completion_body():
    completion = json_object()
    if "result" in completion and not isinstance(completion["result"], list):
        raise ValidationError('"result" must be a list of result items')
    return completion


@bp.get("/api/completions")
def completion_ids():
    return json_response({"ids": project().completed_task_ids()})


@bp.delete("/api/completions")
def delete_all_completions():
    project().delete_all_completions()
    return json_response({"detail": "done"}, status=201)

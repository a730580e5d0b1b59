"""Old paths that legacy clients and scripts still call; each behaves like its modern route."""
from flask import Blueprint, Response

from . import export as export_api
from . import models as models_api
from . import project as project_api
from . import tasks as tasks_api
from .common import json_response, project

bp = Blueprint("deprecated", __name__)


@bp.get("/api/projects/1/next")
def next_task():
    return project_api.next_task()


@bp.get("/api/projects/1/completions_ids")
def completion_ids():
    return json_response(project().completed_task_ids())


@bp.delete("/api/project/completions")
def delete_completions():
    return tasks_api.delete_all_completions()


@bp.delete("/api/tasks/delete")
def delete_tasks():
    return tasks_api.delete_all_tasks()


@bp.get("/api/export")
def export():
    return export_api.export()


@bp.post("/api/remove-ml-backend")
def remove_ml_backend():
    return models_api.remove_model()


@bp.post("/api/train")
def train():
    return models_api.train()


@bp.post("/predict")
def predict():
    return models_api.predict_posted_task()


@bp.post("/api/import")
def import_tasks():
    return project_api.import_tasks()


@bp.post("/api/save-config")
def save_config():
    return project_api.save_config()


@bp.post("/api/tasks/<task_id>/cancel")
def cancel(task_id):
    return json_response({"status": 410, "detail": "use POST /api/tasks/<id>/completions"
                          "?was_cancelled=1"}, status=410)


@bp.get("/api/projects/1/expert_instruction")
def instruction():
    return Response(project().settings.instruction, mimetype="text/html")

"""The 0.9 import-state API: prepare an import (checked, not stored), look at it, apply it.

The "browser session" owning a state is the Flask session's user in multi-session mode; a
single-project server (label-studio start) has one user, so there the project is the owner.
"""
from flask import Blueprint, current_app, session
from werkzeug.exceptions import RequestEntityTooLarge

from .. import importers
from ..data_manager.import_states import ImportStates
from ..errors import ValidationError
from .common import json_object, json_response, project, projects
from .import_input import errors_answer, import_limits, read_import_request, too_large_answer

bp = Blueprint("import_state", __name__)


def _states():
    return current_app.extensions.setdefault("ls_import_states", ImportStates())


def _owner(current):
    user = session.get("user") if projects().multi_session else None
    return (user, current.path)


@bp.post("/api/project/import/prepare")
def prepare_import():
    current = project()
    limits, label_config, size_limit = import_limits(current)
    batch = importers.ImportBatch(current.path, label_config, limits)
    try:
        read_import_request(batch)
        tasks = batch.checked_tasks()
        if len(tasks) > current.current_settings().max_tasks_per_import:
            raise ValidationError([f"Maximum task number is "
                                   f"{current.current_settings().max_tasks_per_import}, "
                                   f"current task number is {len(tasks)}"])
    except ValidationError as exc:
        batch.uploads.discard()
        return errors_answer(exc)
    except RequestEntityTooLarge:
        batch.uploads.discard()
        return too_large_answer(size_limit)
    except BaseException:
        batch.uploads.discard()
        raise
    state = _states().add(_owner(current), current, batch, tasks)
    return json_response(state.serialize(), status=201)


@bp.get("/api/project/import/<import_id>")
def get_import(import_id):
    current = project()
    return json_response(_states().get(_owner(current), import_id).serialize())


@bp.patch("/api/project/import/<import_id>")
def patch_import(import_id):
    current = project()
    state = _states().update(_owner(current), import_id, json_object())
    return json_response(state.serialize())


@bp.post("/api/project/import/<import_id>/apply")
def apply_import(import_id):
    current = project()
    try:
        result = _states().apply(_owner(current), import_id)
    except ValidationError as exc:
        detail = exc.detail if isinstance(exc.detail, list) else [exc.detail]
        return json_response(detail, status=400)
    return json_response(result, status=201)

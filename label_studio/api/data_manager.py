"""The 0.9 Data Manager API: columns, tabs (tabs.json), their tasks and actions."""
from flask import Blueprint, request

from .. import jsonio
from ..data_manager import actions, columns, selection as sel, tasks_view
from ..data_manager.filters import parse_filters, parse_ordering
from ..data_manager.tabs import Tabs, reset_selection, selection_of
from ..errors import NotFound, Unprocessable, ValidationError
from ..ml import project as ml_project
from .common import (empty_response, external_host, json_body, json_object, json_response, path_id,
                     project, query_int)

bp = Blueprint("data_manager", __name__)


@bp.get("/api/project/columns")
def get_columns():
    return json_response(columns.columns(project()))


# ------------------------------------------------------------------ tabs

@bp.get("/api/project/tabs")
def list_tabs():
    return json_response(Tabs(project()).all())


@bp.delete("/api/project/tabs")
def delete_tabs():
    Tabs(project()).delete_all()
    return empty_response(204)


@bp.get("/api/project/tabs/<tab_id>")
def get_tab(tab_id):
    return json_response(Tabs(project()).get(path_id(tab_id, "tab_id")))


@bp.post("/api/project/tabs/<tab_id>")
def save_tab(tab_id):
    tab_id = path_id(tab_id, "tab_id")
    body = json_object()
    # checked before anything is written: a bad tab is refused whole
    if "filters" in body:
        parse_filters(body["filters"])
    if "ordering" in body:
        parse_ordering(body["ordering"])
    if body.get("selectedItems") is not None:
        body["selectedItems"] = sel.parse_selection(body["selectedItems"])

    def merge(tab):
        filters_changed = "filters" in body and body["filters"] != tab.get("filters")
        tab.update(body)
        tab["id"] = tab_id
        if filters_changed and "selectedItems" not in body:
            reset_selection(tab)
        return dict(tab)

    return json_response(Tabs(project()).update(tab_id, merge, create=True))


@bp.delete("/api/project/tabs/<tab_id>")
def delete_tab(tab_id):
    Tabs(project()).delete(path_id(tab_id, "tab_id"))
    return empty_response(204)


# ------------------------------------------------------------------ selected items

@bp.get("/api/project/tabs/<tab_id>/selected-items")
def get_selection(tab_id):
    tab = Tabs(project()).get(path_id(tab_id, "tab_id"))
    return json_response(selection_of(tab))


@bp.route("/api/project/tabs/<tab_id>/selected-items", methods=["POST", "PATCH", "DELETE"])
def change_selection(tab_id):
    tab_id = path_id(tab_id, "tab_id")
    change = sel.parse_selection(json_body())
    combine = {"POST": lambda current, new: new, "PATCH": sel.union,
               "DELETE": sel.difference}[request.method]

    def apply(tab):
        tab["selectedItems"] = combine(selection_of(tab), change)
        return tab["selectedItems"]

    result = Tabs(project()).update(tab_id, apply)
    if request.method == "DELETE":
        return empty_response(204)
    return json_response(result, status=201)


# ------------------------------------------------------------------ a tab's tasks

def _tab_query(tab):
    """The tab's filter and ordering; a stored one that does not parse is a 400."""
    return parse_filters(tab.get("filters")), parse_ordering(tab.get("ordering"))


@bp.get("/api/project/tabs/<tab_id>/tasks")
def tab_tasks(tab_id):
    current = project()
    tab = Tabs(current).get(path_id(tab_id, "tab_id"))
    task_filter, ordering = _tab_query(tab)
    page = tasks_view.tasks_page(current, task_filter, ordering, query_int("page", 1),
                                 query_int("page_size", 10))
    return json_response(page)


@bp.get("/api/project/tabs/<tab_id>/annotations")
def tab_annotations(tab_id):
    current = project()
    tab = Tabs(current).get(path_id(tab_id, "tab_id"))
    ids = tasks_view.selected_ids(current, *_tab_query(tab))
    found = tasks_view.annotations(current, ids)
    return json_response({"annotations": found, "total": len(found)})


@bp.post("/api/project/tabs/<tab_id>/actions")
def tab_action(tab_id):
    tab_id = path_id(tab_id, "tab_id")
    action_id = _action_id()
    current = project()
    tab = Tabs(current).get(tab_id)
    task_filter, ordering = _tab_query(tab)
    body = json_body(required=False)
    if isinstance(body, dict) and body.get("selectedItems") is not None:
        selected = sel.parse_selection(body["selectedItems"])
    else:
        stored = selection_of(tab)
        selected = sel.parse_selection(stored, "the tab's selectedItems") if stored else None
    ids = sel.pick(tasks_view.selected_ids(current, task_filter, ordering), selected) \
        if selected else []
    if not ids:
        raise NotFound(f"no selected items on tab with id {tab_id}")
    return _run(current, action_id, ids)


# ------------------------------------------------------------------ project actions

@bp.route("/api/project/actions", methods=["GET", "POST"])
def project_actions():
    current = project()
    if request.method == "GET" and not request.args.get("id"):
        experimental = current.current_settings().raw.get("experimental_features") is True
        return json_response(actions.visible(experimental))
    action_id = _action_id()
    body = json_body(required=False)
    body = body if isinstance(body, dict) else {}
    task_filter = parse_filters(_param(body, "filters"))
    ordering = parse_ordering(_param(body, "ordering"))
    raw_selection = _param(body, "selectedItems")
    if raw_selection is None:
        raise ValidationError('selectedItems is required: {"all": false, "included": [ids]} or '
                              '{"all": true, "excluded": [ids]}')
    selected = sel.parse_selection(raw_selection)
    ids = sel.pick(tasks_view.selected_ids(current, task_filter, ordering), selected)
    if not ids:
        raise NotFound("no selected items")
    return _run(current, action_id, ids)


def _action_id():
    action_id = request.values.get("id")
    if not action_id:
        raise Unprocessable("Specify the action with ?id=<action>")
    actions.check_action(action_id)
    return action_id


def _param(body, name):
    """A JSON value from the body, else from a query or form value holding JSON text."""
    if name in body:
        return body[name]
    raw = request.values.get(name)
    if raw is None or raw == "":
        return None
    try:
        return jsonio.loads(raw)
    except ValueError:
        if name == "ordering":
            return [raw]
        raise ValidationError(f"{name} is not valid JSON") from None


def _run(current, action_id, ids):
    status, result = actions.run(current, action_id, ids, request.values.get("sampling"))
    if action_id == "next_task" and status == 200:
        result = ml_project.add_live_predictions(current, result, external_host())
    return json_response(result, status=status)

"""Plain pages for what a browser user does besides labeling: browse tasks, import files,
download exports, edit the label config, choose the storages and manage ML backends. No bundle
needed; they call the same API."""
from flask import Blueprint, render_template, request

from . import dm_page
from .. import jsonio
from ..ml import project as ml_project
from ..api.common import project
from ..api.storage_settings import describe_storages
from ..storage import forms
from ..storage.registry import TYPES
from ..errors import LabelStudioError

bp = Blueprint("manage_pages", __name__, template_folder="templates")

PAGE_SIZE = 30
STORAGE_ROLES = {"source": "Source: where tasks come from",
                 "target": "Target: where completions are written"}
ORDERS = {"id": "Id", "-completed_at": "Latest completed", "-has_cancelled_completions":
          "Most skipped"}


@bp.get("/tasks")
def tasks_page():
    """The Data Manager when its bundle is installed, else the plain table."""
    if dm_page.dm_ready():
        return dm_page.render()
    return plain_tasks_page()


@bp.get("/tasks-old")
def plain_tasks_page():
    current = project()
    order = request.args.get("order", "id")
    if order not in ORDERS:
        order = "id"
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    summary = current.summary()
    try:
        tasks = current.tasks_page(page=page, page_size=PAGE_SIZE, order=order)
    except LabelStudioError:
        tasks = []
    rows = [{"id": task["id"], "data": _preview(task.get("data")),
             "completions": len(task.get("completions") or []),
             "completed_at": task.get("completed_at"),
             "skipped": task.get("has_cancelled_completions", 0)} for task in tasks]
    pages = max(1, -(-summary["task_count"] // PAGE_SIZE))
    return render_template("tasks.html", rows=rows, page=page, pages=pages, order=order,
                           orders=ORDERS, summary=summary, here=request.path.lstrip("/"))


def _preview(data, limit=120):
    text = jsonio.dumps(data).decode("utf-8", "replace") if data is not None else ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


@bp.get("/import")
def import_page():
    current = project()
    return render_template("import.html", summary=current.summary(),
                           data_keys=current.label_config.data_keys)


@bp.get("/export")
def export_page():
    from .. import exporting  # the converters load numpy: only when the page is asked for
    current = project()
    return render_template("export.html", summary=current.summary(),
                           formats=exporting.fitting_formats(current))


@bp.get("/model")
def model_page():
    current = project()
    backends = [{"name": backend.name, "url": backend.url, "connected": backend.healthy()}
                for backend in ml_project.backends(current)]
    return render_template("model.html", backends=backends)


@bp.get("/setup")
def setup_page():
    return render_template("setup.html", config=project().label_config.text)


@bp.get("/storage")
def storage_page():
    current = project()
    settings = current.current_settings()
    storages = describe_storages(current)
    for role, described in storages.items():
        for name, storage in described.items():
            _add_form_hints(name, storage)
        _add_kept_params(described, getattr(settings, role))
    saved = request.args.get("saved")
    return render_template("storage.html", storages=storages, roles=STORAGE_ROLES,
                           saved=saved if saved in STORAGE_ROLES else None,
                           warnings=current.summary()["warnings"])


def _add_form_hints(name, storage):
    """What the page needs besides the API's description: which fields are secret or required."""
    declared = {f.name: f for f in TYPES[name].fields}
    for field in storage["fields"]:
        field["secret"] = forms.is_secret(field["name"])
        field["required"] = declared[field["name"]].required
        if field["secret"] and field["data"]:
            field["data"] = forms.MASK  # already masked by forms; never risk a value here


def _add_kept_params(described, config):
    """Names (never values) of the current storage's params its form does not show, such as
    credentials given with --source-params: a save of the same type keeps them."""
    for storage in described.values():
        storage["kept"] = []
        if storage["current"] and isinstance(config.get("params"), dict):
            shown = {f["name"] for f in storage["fields"]}
            storage["kept"] = sorted(k for k in config["params"] if k not in shown)

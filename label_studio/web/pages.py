"""The labeling page (`/`: the label stream; `/?task_id=N`: one task), the config preview
(`/render-label-studio`) and the welcome page.

The page embeds the LSF bundle fetched by `label-studio setup-frontend` and our glue script;
config, task and instruction go in through `tojson`, which is safe inside <script>.
"""
import os

from flask import (Blueprint, Response, abort, redirect, render_template, request,
                   send_from_directory)
from markupsafe import Markup, escape

from .. import __version__, frontend_assets
from ..ml import project as ml_project
from ..api.common import external_host, json_response, project
from ..errors import NotFound
from ..label_config import LabelConfigError, example_task_data, parse_label_config

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE_FILES = ("main.js", "main.css")

bp = Blueprint("pages", __name__, template_folder="templates")


_verified = {}  # bundle folder -> file stamps that passed the checksum


def files_verified(folder, names, check):
    """`check(folder)` (a checksum of the bundle) once per change of the files' stamps."""
    stamps = []
    for name in names:
        try:
            st = os.stat(os.path.join(folder, name))
        except OSError:
            return False
        stamps.append((st.st_ino, st.st_size, st.st_mtime_ns))
    if _verified.get(folder) != stamps:
        if not check(folder):
            return False
        _verified[folder] = stamps
    return True


def _bundle_ready():
    """Checksums are costly (3.4 MB): one check per change of the files' stamps."""
    return files_verified(frontend_assets.LSF_DIR, BUNDLE_FILES, frontend_assets.bundle_ready)


@bp.get("/")
def labeling_page():
    current = project()
    if not _bundle_ready():
        return _bundle_missing()
    task = None
    raw_id = request.args.get("task_id")
    if raw_id is not None:
        task, problem = _task_for_page(current, raw_id)
        if problem is not None:
            return problem
    elif current.summary()["task_count"] == 0:
        return redirect("welcome", code=302)
    return _editor_page(current.label_config.text, task, current.settings.instruction)


def _editor_page(config, task, instruction="", preview=False):
    return render_template("labeling.html", config=config, task=task, instruction=instruction,
                           preview=preview, version=__version__,
                           bundle_version=frontend_assets.VERSION)


def _bundle_missing():
    """A page that says what to run: the server works, an optional part is not installed, so
    this is no server failure (a 503 would page a monitor)."""
    if request.path.startswith("/api/"):
        return json_response({"status": 404, "detail": frontend_assets.missing_message()},
                             status=404)
    return _message("The labeling interface is not installed", Markup(
        f"<p>{escape(frontend_assets.missing_message())}</p>"
        "<p>Then reload this page. The API works without it.</p>"))


def _task_for_page(current, raw_id):
    """(task with live predictions, None) or (None, an error page)."""
    try:
        task_id = int(raw_id)
    except ValueError:
        return None, _message("No such task", Markup(
            f"<p><code>task_id</code> must be a number, got <code>{escape(raw_id)}</code>.</p>"),
            status=400)
    try:
        task = current.get_task(task_id)
    except NotFound:
        return None, _message("No such task", Markup(
            f"<p>Task {task_id} is not in this project.</p>"), status=404)
    return ml_project.add_live_predictions(current, task, external_host()), None


@bp.route("/render-label-studio", methods=["GET", "POST"])
@bp.route("/api/render-label-studio", methods=["GET", "POST"])
def config_preview():
    """The editor for the config in `config=` (query or form) on an example task."""
    text = request.values.get("config")
    if not text or not text.strip():
        return Response("No config in POST", status=417, mimetype="text/plain")
    try:
        config = parse_label_config(text)
    except LabelConfigError as exc:
        items = "".join(f"<li>{escape(message)}</li>" for message in exc.messages)
        return _message("This label config is not valid", Markup(f"<ul>{items}</ul>"),
                        status=400)
    if not _bundle_ready():
        return _bundle_missing()
    example = {"id": 1, "data": example_task_data(config, "editor_preview")}
    return _editor_page(config.text, example, preview=True)


@bp.get("/welcome")
def welcome_page():
    summary = project().summary()
    return _message("Welcome to Label Studio", Markup(
        f"<p>This project has {summary['task_count']} tasks and "
        f"{summary['completion_count']} completed.</p>"
        "<p>Import tasks, for example:</p>"
        "<pre>curl -X POST -H Content-Type:application/json "
        f"{escape(external_host())}/api/project/import --data "
        "'[{&quot;text&quot;: &quot;Some text&quot;}]'</pre>"
        "<p>or upload files with <code>-F FileUpload=@file.csv</code>; "
        '<a href="./">start labeling</a> once there are tasks.</p>'))


@bp.get("/static/lsf/<name>")
def bundle_file(name):
    if name not in BUNDLE_FILES:
        abort(404)
    return send_from_directory(frontend_assets.LSF_DIR, name, max_age=3600)


@bp.get("/static/js/ls-glue.js")
def glue_script():
    return send_from_directory(os.path.join(HERE, "static"), "ls-glue.js", max_age=0)


def _message(heading, message, status=200):
    return render_template("message.html", heading=heading, message=message), status

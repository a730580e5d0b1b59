"""Multi-session routes: switch the browser session's project, and list its projects."""
from flask import Blueprint, redirect, request

from .common import json_response, projects

bp = Blueprint("sessions", __name__)


@bp.route("/api/project-switch", methods=["GET", "POST"])
def switch_project():
    switched = projects().switch(request.values.get("uuid", ""))
    if request.method == "GET":
        return redirect("/setup", code=302)  # the share link a browser opens
    return json_response(switched.summary())


@bp.get("/api/projects")
def list_projects():
    return json_response(projects().listing())

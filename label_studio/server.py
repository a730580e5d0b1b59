"""create_app: the Flask application, its error handling and CORS (auth is in auth.py)."""
import errno
import logging
import traceback
from datetime import timedelta
from dataclasses import dataclass

from flask import Flask, request, session
from werkzeug.exceptions import HTTPException

from .api import register_blueprints
from .auth import install_auth
from .web import register_pages
from .api.common import drain_request_body, json_response
from .errors import LabelStudioError, ValidationError
from .label_config import LabelConfigError
from .project import Project
from .settings import DEFAULT_MAX_UPLOAD

log = logging.getLogger(__name__)

CORS_METHODS = "GET,POST,PATCH,PUT,DELETE"


@dataclass
class ServerOptions:
    username: str = ""
    password: str = ""
    cors: object = False
    debug: bool = False
    max_upload_size: int | None = None
    tls: bool = False


class SingleProject:
    """Serves one project folder (label-studio start)."""

    multi_session = False

    def __init__(self, project: Project):
        self.project = project

    def current(self):
        return self.project

    def auth_settings(self):
        return self.project.current_settings()

    def create_new(self, description=None):
        raise ValidationError('"multi_session_force_recreate" option supported only with '
                              '"start-multi-session" mode')

    def switch(self, project_id):
        raise ValidationError("project switching requires start-multi-session")

    def listing(self):
        raise ValidationError("listing projects requires start-multi-session")


def create_app(project, options: ServerOptions | None = None) -> Flask:
    """`project` is a Project, or a path to one."""
    if not isinstance(project, Project):
        project = Project(project)
    project.background_storage = True
    options = options or ServerOptions()
    return _build_app(SingleProject(project), options,
                      options.max_upload_size or project.settings.max_upload_size)


def create_multi_session_app(root, init_options, options: ServerOptions | None = None) -> Flask:
    """One project per browser session under `root` (label-studio start-multi-session)."""
    from .multisession import SessionProjects, session_secret
    options = options or ServerOptions()
    provider = SessionProjects(root, init_options, lambda: session)
    app = _build_app(provider, options, options.max_upload_size or DEFAULT_MAX_UPLOAD)
    app.secret_key = session_secret(provider.root)
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SECURE=options.tls,
                      PERMANENT_SESSION_LIFETIME=timedelta(days=365))

    @app.before_request
    def keep_the_session():
        session.permanent = True  # legacy's browser-session cookie lost the user on restart

    return app


def _build_app(provider, options, max_upload):
    app = Flask(__name__, static_folder=None)
    app.url_map.strict_slashes = False
    app.config["LS_PROJECTS"] = provider
    app.config["LS_OPTIONS"] = options
    app.config["MAX_CONTENT_LENGTH"] = max_upload
    app.json.sort_keys = False
    register_blueprints(app)
    register_pages(app)
    install_auth(app, options, provider.auth_settings)
    _install_cors(app, options, provider)
    _install_error_handlers(app, options)
    return app


def _install_cors(app, options, provider):
    @app.after_request
    def add_cors_headers(response):
        allowed = options.cors or (provider.multi_session is False and
                                   provider.current().settings.cors)
        if not allowed:
            return response
        origin = request.headers.get("Origin")
        if isinstance(allowed, list):
            if origin not in allowed:
                return response
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        else:
            response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        return response


def _install_error_handlers(app, options):
    @app.errorhandler(LabelStudioError)
    def domain_error(exc):
        return json_response({"status": exc.status, "detail": exc.detail, **exc.extra},
                             status=exc.status)

    @app.errorhandler(LabelConfigError)
    def label_config_error(exc):
        return json_response({"label_config": exc.messages}, status=400)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        detail = exc.description
        if exc.code == 404:
            detail = f"Not found: {request.path}"
        elif exc.code == 405:
            detail = f"Method {request.method} is not allowed on {request.path}"
        elif exc.code == 413:
            detail = "The request body is larger than the allowed size"
            drain_request_body()
        response = json_response({"status": exc.code, "detail": detail}, status=exc.code)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OSError)
    def disk_error(exc):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            log.error("Write failed on %s %s: %s", request.method, request.path, exc)
            return json_response({"status": 507, "detail": "The disk is full: the change was "
                                  "not saved; free some space and try again"}, status=507)
        return unexpected_error(exc)

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        body = {"status": 500, "detail": "Internal server error"}
        if options.debug:
            body["detail"] = f"{type(exc).__name__}: {exc}"
            body["result"] = {"traceback": traceback.format_exc()}
        return json_response(body, status=500)

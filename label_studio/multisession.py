"""Which project a browser session sees (label-studio start-multi-session).

Each session cookie holds a user id and a current project id, both UUIDs; a project lives at
<root>/<user>/<project>. Unlike legacy, the cookie is signed with a secret made once per
root folder, a switch to a project that does not exist is refused (the session stays
usable), an index maps project ids to owners instead of scanning the root on every request,
and at most MAX_LOADED projects stay in memory.
"""
import dataclasses
import os
import re
import secrets
import threading
import uuid
from collections import OrderedDict

from .errors import NotFound, ValidationError
from .project import Project
from .project_init import InitOptions, init_project, is_project
from .settings import Settings

SECRET_NAME = ".ls_secret"
MAX_LOADED = 50
UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_uuid(value):
    return isinstance(value, str) and UUID_SHAPE.match(value) is not None


def session_secret(root):
    """The cookie-signing key of this root folder, created on first use (mode 0600)."""
    path = os.path.join(root, SECRET_NAME)
    try:
        with open(path, "rb") as f:
            secret = f.read()
        if len(secret) >= 32:
            return secret
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    temp = f"{path}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(temp, path)  # the first server to get here wins; the others read its secret
    except FileExistsError:
        os.unlink(temp)
        return session_secret(root)
    os.unlink(temp)
    return secret


class SessionProjects:
    """The project provider of a multi-session server (see server.SingleProject)."""

    multi_session = True

    def __init__(self, root, init_options: InitOptions, session_of):
        """`session_of()` gives the current session: a dict-like the server persists."""
        self.root = os.path.abspath(root)
        os.makedirs(self.root, exist_ok=True)
        self.init_options = dataclasses.replace(init_options, force=False)
        self.session_of = session_of
        self._no_project_auth = Settings({})  # one server password at most, no tokens
        self._loaded = OrderedDict()
        self._owners = self._scan_owners()
        self._lock = threading.RLock()

    def _scan_owners(self):
        owners = {}
        for user in os.listdir(self.root):
            user_dir = os.path.join(self.root, user)
            if not is_uuid(user) or not os.path.isdir(user_dir):
                continue
            for project_id in os.listdir(user_dir):
                if is_uuid(project_id) and is_project(os.path.join(user_dir, project_id)):
                    owners[project_id] = user
        return owners

    def auth_settings(self):
        return self._no_project_auth

    # ---------------------------------------------------------------- the session

    def _identity(self):
        session = self.session_of()
        if not is_uuid(session.get("user")):
            session["user"] = str(uuid.uuid4())
        if not is_uuid(session.get("project")):
            session["project"] = str(uuid.uuid4())
        if not isinstance(session.get("shared_projects"), dict):
            session["shared_projects"] = {}
        return session

    def current(self):
        session = self._identity()
        user, project_id = session["user"], session["project"]
        with self._lock:
            owner = self._owner(project_id)
            if owner is None or owner == user:
                return self._open(user, project_id, create=True)
            return self._open(owner, project_id, create=False)

    def create_new(self, description=None):
        """A fresh project of the session's user, made current; returns it."""
        session = self._identity()
        project_id = str(uuid.uuid4())
        with self._lock:
            project = self._open(session["user"], project_id, create=True,
                                 description=description)
        session["project"] = project_id
        return project

    def switch(self, project_id):
        """Makes `project_id` the session's project; a project of another user becomes shared."""
        if not is_uuid(project_id):
            raise ValidationError("Not a valid UUID")
        session = self._identity()
        with self._lock:
            owner = self._owner(project_id)
            if owner is None:
                raise NotFound(f"Project {project_id} not found")
            project = self._open(owner, project_id, create=False)
        if owner != session["user"]:
            session["shared_projects"] = {**session["shared_projects"], project_id: {}}
        session["project"] = project_id
        return project

    def listing(self):
        """{"own": {id: description}, "shared": {id: description}} for this session."""
        session = self._identity()
        own_dir = os.path.join(self.root, session["user"])
        own = {}
        if os.path.isdir(own_dir):
            for project_id in sorted(os.listdir(own_dir)):
                if is_uuid(project_id) and is_project(os.path.join(own_dir, project_id)):
                    own[project_id] = self._description(session["user"], project_id)
        shared = {}
        for project_id in session["shared_projects"]:
            owner = self._owner(project_id)
            if owner is not None:
                shared[project_id] = self._description(owner, project_id)
        return {"own": own, "shared": shared}

    # ---------------------------------------------------------------- folders

    def _owner(self, project_id):
        owner = self._owners.get(project_id)
        if owner is not None and is_project(os.path.join(self.root, owner, project_id)):
            return owner
        self._owners.pop(project_id, None)
        # made by another server over the same root, or moved in by hand
        for user in os.listdir(self.root):
            if is_uuid(user) and is_project(os.path.join(self.root, user, project_id)):
                self._owners[project_id] = user
                return user
        return None

    def _description(self, user, project_id):
        try:
            settings = Settings.load(os.path.join(self.root, user, project_id))
        except (OSError, ValueError):
            return "Untitled"
        description = settings.raw.get("description")
        return description if isinstance(description, str) and description else "Untitled"

    def _open(self, user, project_id, create, description=None):
        path = os.path.join(self.root, user, project_id)
        project = self._loaded.get(path)
        if project is not None and is_project(path):
            self._loaded.move_to_end(path)
            return project
        if not is_project(path):
            if not create:
                raise NotFound(f"Project {project_id} not found")
            options = self.init_options
            if description is not None:
                options = dataclasses.replace(options, description=description)
            init_project(path, options)
            self._owners[project_id] = user
        project = Project(path, name=f"{user}/{project_id}", multi_session=True)
        project.background_storage = True
        self._loaded[path] = project
        while len(self._loaded) > MAX_LOADED:
            self._loaded.popitem(last=False)
        return project

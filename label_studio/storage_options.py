"""The storage options of `init` and `start`: `--source`, `--source-path`, `--source-params` and
the `--target` ones. They are checked whole before anything is written (the params as the
settings form checks them, the SDK client built once), then stored in config.json as
`{"name", "type", "path", "params"}`.

Params are stored exactly where the user put them, credentials included; no message here
ever quotes a param's value.
"""
from dataclasses import dataclass, field

from . import jsonio
from .errors import LabelStudioError
from .storage import forms
from .storage.base import MissingExtra
from .settings import DEFAULT_SOURCE, DEFAULT_TARGET
from .storage.registry import TYPES, open_client

ROLES = ("source", "target")
# what a new project gets, and what a local type given on the command line is written as
LOCAL_CONFIGS = {"source": DEFAULT_SOURCE, "target": DEFAULT_TARGET}


class StorageOptionError(Exception):
    """A refused storage option. `option` names it; `usage` is False when the command line is
    fine but this installation cannot serve it (a missing SDK)."""

    def __init__(self, option, message, usage=True):
        super().__init__(message)
        self.option = option
        self.usage = usage


@dataclass(frozen=True)
class StorageOption:
    """A checked `--source`/`--target`: build them with parse_storage_option()."""
    role: str
    type: str
    path: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def local(self):
        return TYPES[self.type].local

    def config(self):
        """The config.json `source`/`target` value."""
        if self.local:
            return dict(LOCAL_CONFIGS[self.role])
        return {"name": self.role, "type": self.type, "path": self.path,
                "params": dict(self.params)}

    def describe(self):
        """For messages: the type and path, never the params."""
        return f"{self.type} ({self.path})" if self.path else self.type


def type_names(role):
    return [t.name for t in TYPES.values() if t.role == role]


def parse_storage_option(role, type_name, path=None, params_text=None):
    """A StorageOption from the raw option values, None when `--<role>` is not given;
    StorageOptionError names the option at fault."""
    type_option, path_option, params_option = f"--{role}", f"--{role}-path", f"--{role}-params"
    if type_name is None:
        for option, value in ((path_option, path), (params_option, params_text)):
            if value is not None:
                raise StorageOptionError(option, f"{option} needs {type_option} (the {role} "
                                                 f"storage type: {', '.join(type_names(role))})")
        return None
    storage_type = TYPES.get(type_name)
    if storage_type is None or storage_type.role != role:
        raise StorageOptionError(type_option, f'unknown {role} storage type "{type_name}"; '
                                              f"choose one of {', '.join(type_names(role))}")
    params = parse_params(params_text, params_option)
    if storage_type.local:
        _refuse_local_settings(role, type_name, path, params)
        return StorageOption(role, type_name)
    path = _checked_path(storage_type, path, type_option, path_option)
    params = _form_params(storage_type, params, params_option)
    option = StorageOption(role, type_name, path, params)
    _try_opening(option, type_option, params_option)
    return option


def parse_params(text, option):
    """The JSON object of a `--*-params` option ({} when not given)."""
    if text is None:
        return {}
    try:
        value = jsonio.loads(text.encode("utf-8", "surrogateescape"))
    except ValueError as exc:
        # the parser's message gives the position only, never the text (it may hold secrets)
        raise StorageOptionError(option, f"{option} must be a JSON object; this is not valid "
                                         f"JSON ({exc})") from None
    if not isinstance(value, dict):
        raise StorageOptionError(option, f"{option} must be a JSON object like "
                                         f"'{{\"prefix\": \"imgs/\"}}', got {_json_kind(value)}")
    return value


def _json_kind(value):
    kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _refuse_local_settings(role, type_name, path, params):
    where = "tasks.json" if role == "source" else "the completions/ folder"
    for option, value in ((f"--{role}-path", path), (f"--{role}-params", params)):
        if value:
            raise StorageOptionError(option, f"{option} has no use with --{role} {type_name}, "
                                             f"which always uses {where}: leave it out")


def _checked_path(storage_type, path, type_option, path_option):
    if path is not None and not path.strip():
        path = None
    if path is None and storage_type.client.scheme:
        raise StorageOptionError(path_option, f"{type_option} {storage_type.name} needs "
                                              f"{path_option}: the bucket or container name")
    return path


def _form_params(storage_type, params, option):
    """`params` with the settings form's fields checked and normalized as a form POST would
    be ("false" becomes false, "5" a number); a number given for a text field becomes text.
    Params the form does not show (credentials) are kept as given."""
    given = {f.name: f for f in storage_type.fields if f.name in params and f.name != "path"}
    submitted = {name: _as_text(params[name]) if f.type == forms.STRING else params[name]
                 for name, f in given.items()}
    values, errors = forms.validate_form(storage_type, submitted)
    problems = [f'"{name}": {" ".join(messages)}' for name, messages in errors.items()
                if name in given]
    if problems:
        raise StorageOptionError(option, f"{option}: " + "; ".join(problems))
    return {**params, **{name: values[name] for name in given}}


def _as_text(value):
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return str(value) if is_number else value


def _try_opening(option, type_option, params_option):
    """Builds the SDK client once (no network) and closes it: a missing SDK or settings it
    refuses are caught now rather than when the project opens."""
    try:
        client = open_client(option.config(), option.role)
    except MissingExtra as exc:
        raise StorageOptionError(type_option, f"{type_option} {option.type}: {exc.detail}",
                                 usage=False) from None
    except LabelStudioError as exc:
        raise StorageOptionError(params_option, f"{params_option}: {option.type} refuses "
                                                f"these settings: {exc.detail}") from None
    client.close()


def apply_to_project(project, options):
    """Replaces config.json's `source`/`target` with the given options, each under the
    project lock (start on an existing project)."""
    options = [option for option in options if option is not None]
    problem = project.load_warnings.get("config")
    if options and problem:
        # saving now would replace the unreadable file with defaults
        option = f"--{options[0].role}"
        raise StorageOptionError(option, f"{option} not applied: {problem}; fix it first",
                                 usage=False)
    for option in options:
        config = option.config()
        project.change_setting(option.role, lambda _old, config=config: config)

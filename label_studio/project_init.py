"""Creating a project folder (`label-studio init`).

Every conflict is checked before anything is written, so a refused init leaves an existing
project exactly as it was.
"""
import os
import shutil
from dataclasses import dataclass, field

from . import importers, jsonio
from .errors import ValidationError
from .label_config import LabelConfigError, parse_label_config
from .settings import CONFIG_NAME, default_config
from .storage.completions_dir import COMPLETIONS_DIR
from .storage.files import atomic_write
from .storage.tasks_json import TASKS_NAME

LABEL_CONFIG_NAME = "config.xml"
DEFAULT_LABEL_CONFIG = "<View>\n\n</View>\n"
INPUT_FORMATS = ("json", "json-dir", "text", "text-dir", "image-dir", "audio-dir")


class InitError(Exception):
    """A refused init; the message says what to do."""


@dataclass
class InitOptions:
    force: bool = False
    template: str | None = None
    label_config: str | None = None          # path of an XML file
    config: str | None = None                # path of a base config.json
    input_path: str | None = None
    input_format: str = "json"
    sampling: str | None = None
    host: str | None = None
    port: int | None = None
    ml_backends: list = field(default_factory=list)
    allow_serving_local_files: bool = False
    description: str | None = None
    cert: str | None = None
    key: str | None = None


def is_project(path):
    return os.path.isfile(os.path.join(path, CONFIG_NAME))


def init_project(path, options: InitOptions):
    """Creates (or with force, recreates) the project folder at `path`."""
    base = _base_config(options)
    label_config = _label_config_text(options, base)
    try:
        parsed = parse_label_config(label_config)
    except LabelConfigError as exc:
        raise InitError("The label config is not valid: " + "; ".join(exc.messages)) from None
    input_path = options.input_path or _configured_input(options, base)
    tasks = _initial_tasks(input_path, options.input_format, parsed)
    if not options.force:
        _check_conflicts(path)
    config = _project_config(base, options)

    if options.force and os.path.isdir(path):
        _empty_folder(path)
    os.makedirs(os.path.join(path, COMPLETIONS_DIR), exist_ok=True)
    atomic_write(os.path.join(path, LABEL_CONFIG_NAME), label_config.encode("utf-8"))
    atomic_write(os.path.join(path, TASKS_NAME), b"{}")
    atomic_write(os.path.join(path, CONFIG_NAME), jsonio.dumps(config, jsonio.PRETTY))
    if tasks:
        # through the normal import path, so imported completions land in completions/
        from .project import Project
        Project(path).import_tasks(tasks, formats={os.path.basename(input_path): 1})
    return path


def _check_conflicts(path):
    for name, what in ((CONFIG_NAME, "config"), (LABEL_CONFIG_NAME, "label config"),
                       (TASKS_NAME, "tasks file"), (COMPLETIONS_DIR, "output dir")):
        target = os.path.join(path, name)
        if os.path.exists(target):
            raise InitError(f'{target} {what} already exists. Use "--force" option to recreate it.')


def _empty_folder(path):
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)


def _base_config(options):
    if not options.config:
        return default_config()
    try:
        with open(options.config, "rb") as f:
            base = jsonio.loads(f.read())
    except (OSError, ValueError) as exc:
        raise InitError(f"Cannot read config file {options.config}: {exc}") from None
    if not isinstance(base, dict):
        raise InitError(f"Config file {options.config} must hold a JSON object")
    return {**default_config(), **base}


def _label_config_text(options, base):
    if options.label_config:
        return _read_text(options.label_config, "label config")
    if options.template:
        from .templates import get_template
        try:
            return get_template(options.template)
        except KeyError:
            raise InitError(f'Unknown template "{options.template}"; '
                            "see `label-studio templates`") from None
    named = base.get("label_config")
    if options.config and isinstance(named, str) and named != LABEL_CONFIG_NAME:
        candidate = os.path.join(os.path.dirname(os.path.abspath(options.config)), named)
        if os.path.isfile(candidate):
            return _read_text(candidate, "label config")
    return DEFAULT_LABEL_CONFIG


def _read_text(path, what):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InitError(f"Cannot read {what} {path}: {exc}") from None


def _configured_input(options, base):
    named = base.get("input_path")
    if options.config and isinstance(named, str) and named != TASKS_NAME:
        return named
    return None


def _initial_tasks(input_path, input_format, parsed):
    if not input_path:
        return []
    if input_format != "json":
        raise InitError(f'Input format "{input_format}" is not supported yet; use json')
    try:
        with open(input_path, "rb") as f:
            value = jsonio.loads(f.read())
        tasks = importers.validate_tasks(importers.items_from_json(value), parsed)
    except (OSError, ValueError) as exc:
        raise InitError(f"Cannot read tasks from {input_path}: {exc}") from None
    except ValidationError as exc:
        messages = exc.detail if isinstance(exc.detail, list) else [exc.detail]
        raise InitError(f"Tasks in {input_path} do not fit the label config:\n"
                        + "\n".join(messages[:10])) from None
    return tasks


def _project_config(base, options):
    config = dict(base)
    config["label_config"] = LABEL_CONFIG_NAME
    config["input_path"] = TASKS_NAME
    config["output_dir"] = COMPLETIONS_DIR
    config["source"] = {"name": "Tasks", "type": "tasks-json", "path": TASKS_NAME}
    config["target"] = {"name": "Completions", "type": "completions-dir", "path": COMPLETIONS_DIR}
    if not isinstance(config.get("ml_backends"), list):
        config["ml_backends"] = []
    config["ml_backends"] = config["ml_backends"] + list(options.ml_backends)
    if options.sampling or "sampling" not in config:
        config["sampling"] = options.sampling or "sequential"
    if options.port is not None:
        config["port"] = options.port
    if options.host:
        config["host"] = options.host
    if options.allow_serving_local_files:
        config["allow_serving_local_files"] = True
    if options.cert and options.key:
        config.update(protocol="https://", cert=options.cert, key=options.key)
    if options.description:
        config["description"] = options.description
    return config

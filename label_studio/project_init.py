"""Creating a project folder (`label-studio init`).

Every conflict is checked before anything is written, so a refused init leaves an existing
project exactly as it was.
"""
import os
import shutil
from dataclasses import dataclass, field

from . import jsonio
from .importers import local_inputs
from .importers.drop_folder import SETTINGS_KEY as DROP_FOLDER_KEY
from .importers.drop_folder import DropFolder
from .label_config import LabelConfigError, parse_label_config
from .settings import CONFIG_NAME, default_config
from .storage.completions_dir import COMPLETIONS_DIR
from .storage.files import atomic_write
from .storage.tasks_json import TASKS_NAME
from .storage_options import LOCAL_CONFIGS, StorageOption

LABEL_CONFIG_NAME = "config.xml"
DEFAULT_LABEL_CONFIG = "<View>\n\n</View>\n"
INPUT_FORMATS = local_inputs.INPUT_FORMATS


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
    source: StorageOption | None = None      # --source (storage_options.parse_storage_option)
    target: StorageOption | None = None


def is_project(path):
    return os.path.isfile(os.path.join(path, CONFIG_NAME))


def init_project(path, options: InitOptions):
    """Creates (or with force, recreates) the project folder at `path`."""
    check_options(options)
    base = _base_config(options)
    label_config = _label_config_text(options, base)
    try:
        parsed = parse_label_config(label_config)
    except LabelConfigError as exc:
        raise InitError("The label config is not valid: " + "; ".join(exc.messages)) from None
    input_path = None if _remote_source(options) else (
        options.input_path or _configured_input(options, base))
    tasks, folder_files = _initial_tasks(input_path, options.input_format, parsed)
    if not options.force:
        _check_conflicts(path)
    elif input_path and _is_within(input_path, path):
        raise InitError(f"{input_path} is inside {path}, which --force would empty; "
                        "move the input out of the project folder first")
    config = _project_config(base, options)
    drop_folder = None
    if input_path and options.input_format in local_inputs.FOLDER_FORMATS:
        drop_folder = DropFolder(path, os.path.abspath(input_path), options.input_format)
        config[DROP_FOLDER_KEY] = {"path": drop_folder.path,
                                   "input_format": drop_folder.input_format}

    if options.force and os.path.isdir(path):
        _empty_folder(path)
    os.makedirs(os.path.join(path, COMPLETIONS_DIR), exist_ok=True)
    atomic_write(os.path.join(path, LABEL_CONFIG_NAME), label_config.encode("utf-8"))
    atomic_write(os.path.join(path, TASKS_NAME), b"{}")
    atomic_write(os.path.join(path, CONFIG_NAME), jsonio.dumps(config, jsonio.PRETTY))
    if drop_folder is not None:
        # before the project opens, so it does not take these files for new ones
        drop_folder.mark_imported(folder_files)
    if tasks:
        # through the normal import path, so imported completions land in completions/
        from .project import Project
        Project(path).import_tasks(tasks, formats={os.path.basename(input_path): 1})
    return path


def _remote_source(options):
    return options.source is not None and not options.source.local


def check_options(options):
    """Refuses options that contradict each other (before any project is made from them)."""
    if options.input_path and _remote_source(options):
        raise InitError(f"--input-path loads tasks into tasks.json, which a project with "
                        f"--source {options.source.type} does not read: its tasks come from "
                        "the storage. Leave one of them out.")


def _check_conflicts(path):
    for name, what in ((CONFIG_NAME, "config"), (LABEL_CONFIG_NAME, "label config"),
                       (TASKS_NAME, "tasks file"), (COMPLETIONS_DIR, "output dir")):
        target = os.path.join(path, name)
        if os.path.exists(target):
            raise InitError(f'{target} {what} already exists. Use "--force" option to recreate it.')


def _is_within(inner, outer):
    inner, outer = os.path.realpath(inner), os.path.realpath(outer)
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


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
    """(tasks, relative paths of the folder's files read) from --input-path."""
    if not input_path:
        return [], []
    is_folder = os.path.isdir(input_path)
    wants_folder = input_format in local_inputs.FOLDER_FORMATS
    if is_folder != wants_folder:
        raise InitError(f"--input-format {input_format} reads a "
                        f"{'folder' if wants_folder else 'file'}; {input_path} is not one")
    try:
        if not wants_folder:
            return local_inputs.file_tasks(input_path, input_format, parsed), []
        if input_format != "json-dir":
            local_inputs.first_data_key(parsed, input_format)
        relatives = local_inputs.folder_files(input_path, input_format)
        tasks = []
        for relative in relatives:
            tasks.extend(local_inputs.file_tasks(os.path.join(input_path, relative),
                                                 input_format, parsed, relative))
    except local_inputs.InputError as exc:
        raise InitError(str(exc)) from None
    return tasks, relatives


def _project_config(base, options):
    config = dict(base)
    config["label_config"] = LABEL_CONFIG_NAME
    config["input_path"] = TASKS_NAME
    config["output_dir"] = COMPLETIONS_DIR
    for role in ("source", "target"):
        chosen = getattr(options, role)
        config[role] = chosen.config() if chosen is not None else dict(LOCAL_CONFIGS[role])
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

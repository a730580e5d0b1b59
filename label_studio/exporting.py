"""Exporting a project: runs a converter over Project.iter_tasks into a zip archive.

The zip is built in a temp folder beside its destination, fsynced, and then put in place
whole by a link or a rename, never copied: kept in <project>/export/ under a unique
<YYYY-MM-DD-HH-MM-SS>-<FORMAT>.zip name (the 0.9 pattern, with -2, -3... when that name is
taken), or written to a file the caller names.
Tasks are read one at a time, so memory does not grow with the project. Knows no HTTP.
"""
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from .collector import paused
from .converters import ArchiveWriter, Downloader, DownloadError, ExportContext, MediaFinder, \
    Warnings, find_format, formats_for
from .errors import ValidationError
from .importers import UPLOAD_DIR, ImportLimits
from .importers.url_fetch import FetchError, fetch
from .storage.files import TEMP_MARK, fsync_path

EXPORT_DIR = "export"
SCRATCH_PREFIX = f"{TEMP_MARK}export-"
STALE_SECONDS = 24 * 3600
DEFAULT_FORMAT = "JSON"

_names_lock = threading.Lock()
_names_in_use = set()


@dataclass
class ExportResult:
    path: str           # the zip on disk
    filename: str       # its base name, sent to HTTP clients
    format: str
    warning_count: int = 0
    warnings: list = field(default_factory=list)   # the first few, for a terminal


def fitting_formats(project):
    """The formats that fit the project's label config, in list order."""
    return formats_for(project_config(project))


def choose_format(project, name):
    """The format called `name`, or ValidationError listing the formats that fit."""
    fitting = [f.name for f in fitting_formats(project)]
    chosen = find_format(name or DEFAULT_FORMAT)
    if chosen is None or chosen.name not in fitting:
        why = "Unknown export format" if chosen is None else "Export format"
        fit = "" if chosen is None else " does not fit this label config"
        raise ValidationError(f"{why} {name!r}{fit}; available: {fitting}", formats=fitting)
    return chosen


def export_project(project, format_name=DEFAULT_FORMAT, output=None, download_resources=False,
                   allow_private_urls=None, on_task=None) -> ExportResult:
    """Writes the export zip and returns where it is.

    `output`: a file path for the zip instead of <project>/export/. `download_resources`:
    fetch remote media, with the checks and limits of URL import (allow_private_urls as
    there: None means config.json decides). `on_task()` is called after each task is read.
    """
    export_format = choose_format(project, format_name)
    moment = datetime.now()
    folder = os.path.dirname(os.path.abspath(output)) if output else \
        os.path.join(project.path, EXPORT_DIR)
    os.makedirs(folder, exist_ok=True)
    _remove_stale_scratch(folder)
    with tempfile.TemporaryDirectory(dir=folder, prefix=SCRATCH_PREFIX) as scratch:
        zip_path = os.path.join(scratch, "export.zip")
        with ArchiveWriter(zip_path, moment, spool_dir=scratch) as out, \
                tempfile.TemporaryFile(dir=scratch) as warnings_spool:
            warnings = Warnings(warnings_spool)
            media = _media_finder(project, scratch, download_resources, allow_private_urls)
            # each task's dicts are made and dropped at once, in no cycle: reference counts
            # free them, and the collector's passes over them cost a fifth of the export
            with paused():
                export_format.write(project_config(project),
                                    _counted(project.iter_tasks(), on_task),
                                    ExportContext(out, media, warnings, moment))
            warnings.write_into(out)
        if output:
            os.replace(zip_path, output)
            path = os.path.abspath(output)
        else:
            path = _keep_in_project(zip_path, folder, moment, export_format.name)
    return ExportResult(path, os.path.basename(path), export_format.name, warnings.count,
                        warnings.first)


def project_config(project):
    with project.reading():
        return project.label_config


def _media_finder(project, scratch, download_resources, allow_private_urls):
    with project.reading():
        local_roots = _local_roots(project)
        limits = ImportLimits.from_settings(project.settings, allow_private_urls)
    downloader = Downloader(scratch, _fetcher(limits)) if download_resources else None
    return MediaFinder(os.path.join(project.path, UPLOAD_DIR), local_roots, downloader)


def _fetcher(limits):
    def fetch_bytes(url, seconds):
        try:
            return fetch(url, replace(limits, url_timeout=min(limits.url_timeout, seconds))).data
        except FetchError as exc:
            raise DownloadError(str(exc)) from None
    return fetch_bytes


def _counted(tasks, on_task):
    for task in tasks:
        yield task
        if on_task is not None:
            on_task()


def _local_roots(project):
    """Folders whose files tasks may reference as local files; the rule of /data/<name>."""
    settings = project.settings
    return settings.local_file_roots if settings.allow_serving_local_files else []


def _remove_stale_scratch(folder):
    """Scratch folders a crash left behind; a young one may belong to a running export."""
    now = time.time()
    for entry in os.scandir(folder):
        if entry.name.startswith(SCRATCH_PREFIX) and entry.is_dir(follow_symlinks=False):
            try:
                if now - entry.stat().st_mtime > STALE_SECONDS:
                    shutil.rmtree(entry.path)
            except OSError:
                pass


def _keep_in_project(zip_path, folder, moment, format_name):
    """Puts the finished (fsynced) zip in place under a unique name, by a link, not a copy."""
    while True:
        name = _reserve_name(folder, moment, format_name)
        path = os.path.join(folder, name)
        try:
            _link_new(zip_path, path)
            break
        except FileExistsError:
            continue  # taken meanwhile by another process: the next number
        finally:
            with _names_lock:
                _names_in_use.discard(name)
    fsync_path(folder)
    return path


def _link_new(source, target):
    """source's file also under the name target, which must not exist yet."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        # a file system without hard links: a rename, after the check _reserve_name made
        os.replace(source, target)


def _reserve_name(folder, moment, format_name):
    base = f"{moment:%Y-%m-%d-%H-%M-%S}-{format_name}"
    with _names_lock:
        name, number = f"{base}.zip", 1
        while name in _names_in_use or os.path.exists(os.path.join(folder, name)):
            number += 1
            name = f"{base}-{number}.zip"
        _names_in_use.add(name)
    return name

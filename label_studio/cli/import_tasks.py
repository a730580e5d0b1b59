"""`label-studio import PROJECT FILE_OR_URL...`: import tasks without a server.

It goes through Project, which takes the project lock, so it is safe beside a running
server; the server sees the new tasks on its next request.
"""
import os
import sys
from contextlib import contextmanager

import click

from ..collector import paused

URL_SCHEMES = ("http://", "https://")
MAX_MESSAGES = 20


@click.command("import")
@click.argument("project_path", metavar="PROJECT")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_URL...")
@click.option("-q", "--quiet", is_flag=True, help="Show no progress bar.")
def import_command(project_path, inputs, quiet):
    """Import tasks into the project folder PROJECT from files, folders or http(s) URLs.

    The file name decides the format, as for POST /api/project/import: .json, .csv, .tsv,
    .txt, .html, media files (copied into upload/) and .zip archives. A folder stands for
    the files in it. Nothing is written unless every task fits the label config.
    """
    from ..errors import LabelStudioError, ValidationError
    from ..importers import ImportLimits
    from ..importers.streamed import streamable
    from ..project import Project, ProjectNotFound

    sources = _sources(inputs)
    try:
        project = Project(project_path)
    except ProjectNotFound as exc:
        raise click.ClickException(str(exc)) from None
    with project.reading():
        # the command's user is trusted with their own network, unlike a server's callers
        limits = ImportLimits.from_settings(project.settings, allow_private_urls=True)
        label_config = project.label_config
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with paused():
            local = not any(source.startswith(URL_SCHEMES) for source in sources)
            if local and streamable(sources):
                result = _import_streamed(project, sources, label_config, limits,
                                          show_progress)
            else:
                result = _import_batch(project, sources, label_config, limits, show_progress)
    except ValidationError as exc:
        _fail(exc.detail if isinstance(exc.detail, list) else [exc.detail])
    except LabelStudioError as exc:
        _fail([str(exc.detail)])
    click.echo(_summary(project_path, result, len(sources)))


def _import_batch(project, sources, label_config, limits, show_progress):
    from ..importers import ImportBatch

    with ImportBatch(project.path, label_config, limits) as batch:
        with _progress(show_progress, len(sources), "Reading ") as bar:
            for source in sources:
                _add_source(batch, source)
                bar.update(1)
        # the list goes straight to the project: no name here keeps it (or its tasks) alive
        return project.import_tasks(_checked_tasks(batch, show_progress),
                                    formats=batch.formats_seen(), uploads=batch.uploads)


def _checked_tasks(batch, show_progress):
    with _progress(show_progress, len(batch.items), "Checking") as bar:
        return batch.checked_tasks(progress=bar.update)


def _import_streamed(project, sources, label_config, limits, show_progress):
    """Local JSON task lists: checked first, keeping no task, then read again while stored."""
    from ..importers.streamed import StreamedTasks

    tasks = StreamedTasks(label_config, limits)
    with _progress(show_progress, len(sources), "Reading ") as bar:
        for source in sources:
            tasks.add_file(source)
            bar.update(1)
    tasks.finish()
    # the second reading checks each task again as it normalizes it, so it shows as checking
    with _progress(show_progress, len(tasks), "Checking") as bar:
        tasks.progress = bar.update
        return project.import_tasks(tasks, formats=tasks.formats_seen())


def _sources(inputs):
    """URLs as given; files; each folder replaced by its files (sorted, hidden ones skipped)."""
    sources = []
    for given in inputs:
        if given.startswith(URL_SCHEMES):
            sources.append(given)
        elif os.path.isdir(given):
            sources.extend(_folder_files(given))
        elif os.path.isfile(given):
            sources.append(given)
        else:
            raise click.BadParameter(f"{given} is not a file, a folder or an http(s) URL",
                                     param_hint="FILE_OR_URL")
    return sources


def _folder_files(folder):
    found = []
    for parent, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(parent, n) for n in sorted(names) if not n.startswith("."))
    return found


def _add_source(batch, source):
    if source.startswith(URL_SCHEMES):
        batch.add_url(source)
        return
    with open(source, "rb") as stream:
        batch.add_file(source, stream)


@contextmanager
def _progress(show, length, label):
    if not show or not length:
        yield _NoProgress()
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar


class _NoProgress:
    def update(self, steps):
        pass


def _fail(messages):
    for message in messages[:MAX_MESSAGES]:
        click.echo(message, err=True)
    if len(messages) > MAX_MESSAGES:
        click.echo(f"... and {len(messages) - MAX_MESSAGES} more", err=True)
    click.echo("Nothing was imported.", err=True)
    sys.exit(1)


def _summary(project_path, result, file_count):
    ids = result["new_task_ids"]
    span = f"ids {ids[0]}..{ids[-1]}" if len(ids) > 1 else f"id {ids[0]}"
    formats = ", ".join(f"{kind or 'no extension'}: {n}"
                        for kind, n in sorted(result["formats"].items()))
    return (f"Imported {result['task_count']} tasks into {project_path} ({span}) from "
            f"{file_count} input(s) ({formats}); {result['completion_count']} completions, "
            f"{result['prediction_count']} predictions.")

"""`label-studio export PROJECT --format F [-o FILE]`: export without a server.

It reads the project through Project, one task at a time under the project lock, so it is
safe beside a running server.
"""
import sys
from contextlib import contextmanager

import click

SHOWN_WARNINGS = 5


@click.command("export")
@click.argument("project_path", metavar="PROJECT")
@click.option("-f", "--format", "format_name", default="JSON", show_default=True,
              help="Export format; --list-formats shows those that fit the label config.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the zip to this file instead of PROJECT/export/.")
@click.option("--download-resources", is_flag=True,
              help="Download remote images and audio into the zip (2 minutes in all).")
@click.option("--list-formats", is_flag=True, help="List the formats that fit and exit.")
@click.option("-q", "--quiet", is_flag=True, help="Show no progress bar.")
def export_command(project_path, format_name, output, download_resources, list_formats, quiet):
    """Export the completions of the project folder PROJECT as a zip, in one format.

    Without -o, the zip is kept in PROJECT/export/ like an export made through the server.
    Problems that did not stop the export (an image whose size is unknown, say) are listed
    in the zip's warnings.log.
    """
    from ..errors import LabelStudioError
    from ..exporting import export_project, fitting_formats
    from ..project import Project, ProjectNotFound

    try:
        project = Project(project_path)
    except ProjectNotFound as exc:
        raise click.ClickException(str(exc)) from None
    if list_formats:
        for export_format in fitting_formats(project):
            click.echo(f"{export_format.name:16} {export_format.description}")
        return
    show_progress = not quiet and sys.stderr.isatty()
    try:
        with _progress(show_progress, len(project.task_ids())) as bar:
            # the command's user is trusted with their own network, unlike a server's callers
            result = export_project(project, format_name, output=output,
                                    download_resources=download_resources,
                                    allow_private_urls=True, on_task=lambda: bar.update(1))
    except LabelStudioError as exc:
        raise click.ClickException(str(exc.detail)) from None
    _report_warnings(result)
    click.echo(result.path)


def _report_warnings(result):
    from ..converters import WARNINGS_NAME

    if not result.warning_count:
        return
    for message in result.warnings[:SHOWN_WARNINGS]:
        click.echo(f"warning: {message}", err=True)
    if result.warning_count > SHOWN_WARNINGS:
        click.echo(f"... {result.warning_count - SHOWN_WARNINGS} more in {WARNINGS_NAME} in the "
                   "zip", err=True)


@contextmanager
def _progress(show, length):
    if not show or not length:
        yield _NoProgress()
        return
    with click.progressbar(length=length, label="Exporting", file=sys.stderr) as bar:
        yield bar


class _NoProgress:
    def update(self, steps):
        pass

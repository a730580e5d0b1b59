"""The `label-studio` command: a thin click shell over the library.

Every subcommand accepts the legacy shared options (spec/cli.md §2), so old scripts keep
working; options that make no sense for a subcommand are accepted and ignored.
"""
import functools
import gc
import logging
import os
import re
import sys

import click

from .. import __version__
from ..importers.local_inputs import INPUT_FORMATS
from ..storage import first_open
from ..storage_options import (ROLES, StorageOptionError, apply_to_project,
                               parse_storage_option, type_names)

# numpy's OpenBLAS starts a thread per core when it is imported, and they spin a while:
# ~0.08 s of CPU at each start, while a first open needs both cores. Nothing here multiplies
# float matrices.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

QUICK_START = "Quick start usage: label-studio start my_project --init"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def legacy_options(fn):
    """The options legacy shares between every subcommand."""
    options = [
        click.option("--root-dir", default=".", show_default=True,
                     help="Folder the project path is relative to."),
        click.option("--force", is_flag=True, help="Recreate the project, deleting its files."),
        click.option("--template", default=None,
                     help="Label config template name (see `label-studio templates`)."),
        click.option("-l", "--label-config", type=click.Path(exists=True, dir_okay=False),
                     help="Label config XML file to copy into the project."),
        click.option("-c", "--config", "config_path", type=click.Path(exists=True, dir_okay=False),
                     help="JSON file used as the base of config.json."),
        click.option("-i", "--input-path", type=click.Path(exists=True),
                     help="File or folder of tasks to load at init."),
        click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="json",
                     show_default=True, help="How to read --input-path."),
        click.option("--sampling", type=click.Choice(["sequential", "uniform"]), default=None,
                     help="Order in which tasks are handed out (default sequential)."),
        click.option("--host", default=None,
                     help="Address to bind. Defaults to 127.0.0.1 so the server is reachable "
                          "only from this machine; use 0.0.0.0 to expose it, with --password."),
        click.option("--protocol", default=None, help="http:// or https:// for external URLs."),
        click.option("-p", "--port", type=int, default=None, help="Port (default 8080)."),
        click.option("--cert", type=click.Path(exists=True, dir_okay=False),
                     help="TLS certificate (PEM)."),
        click.option("--key", type=click.Path(exists=True, dir_okay=False),
                     help="TLS private key (PEM)."),
        click.option("--username", default="", help="Basic-auth user name (default ls)."),
        click.option("--password", default="", help="Basic-auth password; empty disables auth."),
        click.option("--ml-backends", multiple=True,
                     help="ML backend URL, or name=URL; may be repeated."),
        click.option("--allow-serving-local-files", is_flag=True,
                     help="Allow /data/<file>?d=<dir> for image-dir/audio-dir tasks."),
        click.option("--initial-project-description", default=None,
                     help="Project description stored in config.json."),
        click.option("--cors", is_flag=True, help="Send CORS headers allowing any origin."),
        click.option("-b", "--no-browser", is_flag=True,
                     help="Accepted for compatibility; no browser is ever opened."),
        click.option("-d", "--debug", is_flag=True,
                     help="Flask debug mode and development server; errors carry tracebacks."),
        click.option("-v", "--verbose", is_flag=True, help="Accepted for compatibility."),
        click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
                     default=None, help="Logging level."),
        click.option("--use-gevent", is_flag=True, hidden=True),
        *_storage_option_decorators(
            "source", "-s", "Where tasks come from: tasks-json (default: the project's "
            "tasks.json), or a bucket or Redis database, synced while the server runs."),
        *_storage_option_decorators(
            "target", "-t", "Where completions are written: completions-dir (default: the "
            "project's completions/), or a bucket or Redis database (completions/ keeps a "
            "copy)."),
        click.option("-o", "--output-dir", hidden=True),
    ]
    for option in reversed(options):
        fn = option(fn)

    @functools.wraps(fn)
    def wrapper(**kwargs):
        if kwargs.get("output_dir"):
            raise click.UsageError('"--output-dir" option is deprecated and has no effect.')
        if kwargs.get("log_level"):
            logging.basicConfig(level=kwargs["log_level"])
        kwargs["storages"] = _storage_options(kwargs)
        return fn(**kwargs)
    return wrapper


def _storage_option_decorators(role, short, what):
    example = ('\'{"prefix": "imgs/", "regex": ".*jpg", "use_blob_urls": true}\''
               if role == "source" else '\'{"prefix": "out"}\'')
    return [
        click.option(short, f"--{role}", type=click.Choice(type_names(role)), default=None,
                     help=f"{what} `init` writes it to config.json; `start` on an existing "
                          "project changes config.json to it."),
        click.option(f"--{role}-path", metavar="PATH",
                     help=f"Bucket or container of --{role} (required for S3, GCS and Azure); "
                          "the key prefix for Redis."),
        click.option(f"--{role}-params", metavar="JSON",
                     help=f"Settings of --{role} as a JSON object, e.g. {example}. "
                          "Credentials given here (aws_secret_access_key, password, ...) are "
                          "stored in config.json."),
    ]


def _storage_options(kw):
    """(source, target) StorageOption or None each, checked; usage errors name the option."""
    try:
        return tuple(parse_storage_option(role, kw.get(role), kw.get(f"{role}_path"),
                                          kw.get(f"{role}_params")) for role in ROLES)
    except StorageOptionError as exc:
        if exc.usage:
            raise click.UsageError(str(exc)) from None
        raise click.ClickException(str(exc)) from None


BACKEND_SPEC = re.compile(r"^([^=\s/]+=)?https?://")


class LegacyArgsGroup(click.Group):
    """Accepts legacy argparse spellings click has no form for: `--ml-backends A B` (one flag,
    several values) becomes `--ml-backends A --ml-backends B`."""

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, _expand_multi_value_options(args))


def _expand_multi_value_options(args):
    expanded, state = [], "outside"
    for arg in args:
        if state == "outside":
            state = "flag" if arg == "--ml-backends" else "outside"
        elif state == "flag":
            state = "values"  # the flag's own value
        elif BACKEND_SPEC.match(arg):
            expanded.append("--ml-backends")
        else:
            state = "flag" if arg == "--ml-backends" else "outside"
        expanded.append(arg)
    return expanded


@click.group(cls=LegacyArgsGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", "show_version", is_flag=True, help="Print the version and exit.")
@click.pass_context
def main(ctx, show_version):
    """Label Studio (legacy 0.8/0.9 compatible): a file-backed data labeling server."""
    if show_version:
        click.echo(f"\nLabel Studio version: {__version__} \n")
        ctx.exit(0)
    if ctx.invoked_subcommand is None:
        click.echo(QUICK_START)
        click.echo(ctx.get_help())
        ctx.exit(2)


@main.command()
def version():
    """Print the version."""
    click.echo(f"\nLabel Studio version: {__version__} \n")


def _project_dir(root_dir, project_name):
    return os.path.join(root_dir, project_name) if root_dir not in ("", ".") else project_name


def _init_options(kw):
    from ..project_init import InitOptions
    return InitOptions(
        force=kw["force"], template=kw["template"], label_config=kw["label_config"],
        config=kw["config_path"], input_path=kw["input_path"], input_format=kw["input_format"],
        sampling=kw["sampling"], host=kw["host"], port=kw["port"],
        ml_backends=_backends(kw["ml_backends"], kw["project_name"]),
        allow_serving_local_files=kw["allow_serving_local_files"],
        description=kw["initial_project_description"], cert=kw["cert"], key=kw["key"],
        source=kw["storages"][0], target=kw["storages"][1])


def _backends(specs, project_name):
    from ..errors import ValidationError
    from ..ml.client import split_backend_spec
    backends = []
    for spec in specs:
        try:
            name, url = split_backend_spec(spec, project_name)
        except ValidationError as exc:
            raise click.UsageError(exc.detail) from None
        backends.append({"url": url, "name": name})
    return backends


def _run_init(kw):
    from ..project_init import InitError, init_project
    path = _project_dir(kw["root_dir"], kw["project_name"])
    try:
        init_project(path, _init_options(kw))
    except InitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Label Studio has been successfully initialized. Check project states in {path}")
    click.echo(f"Start the server: label-studio start {path}")
    return path


@main.command()
@click.argument("project_name")
@legacy_options
def init(**kw):
    """Create the project folder PROJECT_NAME (config.json, config.xml, tasks.json, completions/)."""
    _run_init(kw)


@main.command()
@click.argument("project_name")
@click.option("--init", "do_init", is_flag=True, help="Initialize the project first if needed.")
@legacy_options
def start(do_init, **kw):
    """Serve the project folder PROJECT_NAME on http://HOST:PORT."""
    path = _project_dir(kw["root_dir"], kw["project_name"])
    initialized = False
    if do_init:
        from ..project_init import is_project
        if is_project(path) and not kw["force"]:
            click.echo(f"Project {path} is already initialized; starting it.")
        else:
            _run_init(kw)
            initialized = True
    _serve(path, kw, apply_storages=not initialized)


def _serve(path, kw, apply_storages=False):
    # first thing, before the modules of the project and the server load (see first_open.py)
    first_open.begin(path)
    # then the port: a browser's request made while a large project opens waits for the open
    # rather than being refused
    listener = _listen(kw, _settings_of(path))
    from ..project import Project, ProjectNotFound
    from ..server import create_app
    from ..serving import freed_blocks_reused
    try:
        with freed_blocks_reused():
            project = Project(path, name=path)
    except ProjectNotFound as exc:
        raise click.ClickException(str(exc)) from None
    if apply_storages:
        _apply_storages(project, path, kw["storages"])
    settings = project.settings
    _run_server(lambda options: create_app(project, options), path, kw, settings, listener)


def _settings_of(path):
    """The folder's config.json as settings, or None when it has none to read."""
    from ..settings import Settings
    try:
        return Settings.load(path)
    except (OSError, ValueError):
        return None


def _apply_storages(project, path, storages):
    try:
        apply_to_project(project, storages)
    except StorageOptionError as exc:
        raise click.ClickException(str(exc)) from None
    for option in storages:
        if option is not None:
            click.echo(f"{path}/config.json: the {option.role} storage is now "
                       f"{option.describe()}.")


def _listen(kw, settings):
    """(host, bound host, port, listening socket): the port of the options, else of
    `settings`, else 8080, or the next free one (a warning says so). With --debug,
    Werkzeug binds (no socket). None when `settings` is None."""
    from ..serving import free_port_from, listen
    if settings is None:
        return None
    host = kw["host"] or settings.host or "127.0.0.1"
    bind = "127.0.0.1" if host == "localhost" else host
    port = kw["port"] or settings.port or 8080
    if kw["debug"]:
        return host, bind, port, None
    free = free_port_from(bind, port)
    if free != port:
        click.echo(f"*** WARNING! Port {port} is in use; using {free} instead. ***", err=True)
        port = free
    try:
        return host, bind, port, listen(bind, port)
    except OSError as exc:
        raise click.ClickException(f"Cannot serve on {bind}:{port}: {exc}") from None


def _run_server(make_app, what, kw, settings=None, listener=None):
    """Binds (unless `listener` is _listen()'s already), warns and serves; `settings` (a
    project's config.json) fills what options omit."""
    from ..server import ServerOptions
    from ..serving import limit_malloc_arenas, serve
    from ..settings import Settings
    settings = settings or Settings({})
    host, bind, port, sock = listener or _listen(kw, settings)
    password = kw["password"] or settings.password
    if bind not in LOOPBACK and not password:
        click.echo(f"*** WARNING! Serving on {bind} without a password: anyone who can reach "
                   "this machine can read and change the project. Use --password. ***", err=True)
    cert = kw["cert"] or settings.tls_files[0]
    key = kw["key"] or settings.tls_files[1]
    ssl_context = (cert, key) if cert and key else None
    app = make_app(ServerOptions(username=kw["username"], password=kw["password"],
                                 cors=kw["cors"], debug=kw["debug"], tls=bool(ssl_context)))
    scheme = "https" if ssl_context else "http"
    click.echo(f"Label Studio is serving {what} on {scheme}://{host}:{port}/")
    # the loaded project lives as long as the server: keep the collector from rescanning it
    gc.freeze()
    limit_malloc_arenas()
    serve(app, bind, port, debug=kw["debug"], ssl_context=ssl_context, sock=sock)


@main.command("start-multi-session")
@legacy_options
def start_multi_session(**kw):
    """Serve one project per browser session, each in ROOT_DIR/<user>/<project>.

    A browser's first request to the API creates its project with this command's init
    options (--template, -l, --sampling, --ml-backends, ...); POST /api/project?new=1 makes
    another, and /api/project-switch?uuid= opens (shares) one by its id.
    """
    from ..project_init import InitError, check_options
    from ..server import create_multi_session_app
    kw["project_name"] = ""
    init_options = _init_options(kw)
    try:
        check_options(init_options)
    except InitError as exc:
        raise click.ClickException(str(exc)) from None
    root = kw["root_dir"] or "."
    _run_server(lambda options: create_multi_session_app(root, init_options, options),
                f"one project per browser session under {os.path.abspath(root)}", kw)


@main.command("validate-config")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def validate_config(path):
    """Check a label config XML file; exit 0 when valid, 1 with the problems on stderr."""
    from ..label_config import validate_config_file
    problems = validate_config_file(path)
    if problems:
        for message in problems:
            click.echo(message, err=True)
        sys.exit(1)
    click.echo(f"{path}: valid")


@main.command()
def templates():
    """List the bundled label config templates, grouped by category."""
    from ..templates import list_templates
    by_category = {}
    for template in list_templates():
        by_category.setdefault(template.category, []).append(template)
    for category in sorted(by_category):
        click.echo(f"{category}:")
        for template in by_category[category]:
            click.echo(f"  {template.name:32} {template.title}")


def _register_offline_commands():
    # offline helpers live in their own modules so each stays small
    from . import offline
    for command in offline.COMMANDS:
        main.add_command(command)


_register_offline_commands()

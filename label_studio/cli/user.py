"""`label-studio user PROJECT`: the API token scripts use instead of the password."""
import click


@click.command("user")
@click.argument("project_path", metavar="PROJECT")
@click.option("--new-token", is_flag=True,
              help="Create a token (or replace the current one) and print it.")
@click.option("--remove-token", is_flag=True, help="Remove the token: it no longer works.")
def user_command(project_path, new_token, remove_token):
    """Print the API token of the project folder PROJECT.

    Requests carrying `Authorization: Token <token>` are let in; once a token exists, requests
    without it (or the Basic-auth password) get 401. Safe beside a running server, which sees
    the change on its next request.
    """
    from ..auth import new_token as make_token
    from ..project import Project, ProjectNotFound

    if new_token and remove_token:
        raise click.UsageError("--new-token and --remove-token exclude each other")
    try:
        project = Project(project_path)
    except ProjectNotFound as exc:
        raise click.ClickException(str(exc)) from None
    if remove_token:
        project.change_setting("api_token", lambda value: None)
        click.echo("The API token is removed.")
        return
    if new_token:
        token = make_token()
        project.change_setting("api_token", lambda value: token)
    token = project.settings.api_token
    if not token:
        click.echo("This project has no API token; `label-studio user PROJECT --new-token` "
                   "creates one.", err=True)
        raise SystemExit(1)
    click.echo(token)

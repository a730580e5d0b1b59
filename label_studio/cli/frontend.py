"""`label-studio setup-frontend`: fetch the Label Studio Frontend bundle the labeling page uses."""
import click


@click.command("setup-frontend")
@click.option("--from-tarball", "tarball", type=click.Path(exists=True, dir_okay=False),
              help="Use this local label-studio-0.9.1.tgz instead of running npm.")
@click.option("--force", is_flag=True, help="Fetch and install again even when already present.")
@click.option("--dest", type=click.Path(file_okay=False), default=None, hidden=True)
def setup_frontend_command(tarball, force, dest):
    """Fetch the LSF 0.9.1 bundle (main.js, main.css, LICENSE) from the npm registry into
    label_studio/static/lsf/ and check its sha256 sums. Does nothing when already there."""
    from ..frontend_assets import LSF_DIR, FrontendSetupError, install

    try:
        report = install(dest=dest or LSF_DIR, tarball=tarball, force=force)
    except FrontendSetupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report)

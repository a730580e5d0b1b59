"""`label-studio setup-frontend`: fetch the Label Studio Frontend bundle the labeling page uses
and the Data Manager bundle of the `/tasks` page."""
import click


@click.command("setup-frontend")
@click.option("--from-tarball", "tarball", type=click.Path(exists=True, dir_okay=False),
              help="Use this local label-studio-0.9.1.tgz instead of running npm.")
@click.option("--from-wheel", "wheel", type=click.Path(exists=True, dir_okay=False),
              help="Use this local label_studio-0.9.1.post1-py3-none-any.whl for the Data "
                   "Manager instead of running pip download.")
@click.option("--force", is_flag=True, help="Fetch and install again even when already present.")
@click.option("--dest", type=click.Path(file_okay=False), default=None, hidden=True)
@click.option("--dm-dest", type=click.Path(file_okay=False), default=None, hidden=True)
def setup_frontend_command(tarball, wheel, force, dest, dm_dest):
    """Fetch the LSF 0.9.1 bundle (main.js, main.css, LICENSE) from the npm registry into
    label_studio/static/lsf/ and the Data Manager (main.js, its licence, version.json) from the
    label-studio 0.9.1.post1 wheel on PyPI into label_studio/static/dm/, checking their sha256
    sums. Does nothing for a bundle already there."""
    from .. import dm_assets, frontend_assets

    failures = []
    for install, kwargs in (
            (frontend_assets.install, dict(dest=dest or frontend_assets.LSF_DIR,
                                           tarball=tarball, force=force)),
            (dm_assets.install, dict(dest=dm_dest or dm_assets.DM_DIR, wheel=wheel,
                                     force=force))):
        try:
            click.echo(install(**kwargs))
        except frontend_assets.FrontendSetupError as exc:
            failures.append(str(exc))
    if failures:
        raise click.ClickException("\n".join(failures))

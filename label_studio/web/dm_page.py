"""The Data Manager page (`/tasks` once `label-studio setup-frontend` installed the DM bundle)
and the DM files it loads. The DM labels with the LSF bundle when that is installed too."""
from flask import Blueprint, abort, render_template, request, send_from_directory

from .. import __version__, dm_assets, frontend_assets
from . import pages

bp = Blueprint("dm_page", __name__, template_folder="templates")


def dm_ready():
    return pages.files_verified(dm_assets.DM_DIR, tuple(dm_assets.EXPECTED),
                                dm_assets.bundle_ready)


def render():
    return render_template("dm.html", api_root=request.script_root + "/api",
                           with_lsf=pages._bundle_ready(), version=__version__,
                           lsf_version=frontend_assets.VERSION)


@bp.get("/static/dm/<name>")
def dm_file(name):
    if name not in dm_assets.SERVED:
        abort(404)
    return send_from_directory(dm_assets.DM_DIR, name, max_age=3600)

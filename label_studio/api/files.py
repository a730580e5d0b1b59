"""Serving files: uploads (/data/upload/<name>, legacy /upload/<name>) and local input files.

A requested name is one path segment that must resolve, links followed, to a file directly
inside its folder; anything else is a 404. Files go out as attachments (legacy), so an
uploaded HTML page is never rendered on the server's origin, with Range support for
seeking in audio and video.
"""
import mimetypes
import os

from flask import Blueprint, request, send_file

from ..errors import Forbidden, NotFound, ValidationError
from ..importers import UPLOAD_DIR
from .common import project

bp = Blueprint("files", __name__)

LOCAL_FILES_REFUSED = ('Serving local files is not allowed. Use "allow_serving_local_files": '
                       "true config option to enable local serving")


@bp.get("/data/upload/<name>")
def upload(name):
    return _send(_file_inside(os.path.join(project().path, UPLOAD_DIR), name))


@bp.get("/upload/<name>")
def legacy_upload(name):
    return upload(name)


@bp.get("/data/<name>")
def local_file(name):
    """A file of a local input folder (init --input-format image-dir/audio-dir)."""
    current = project()
    with current.reading():
        settings = current.settings
    if not settings.allow_serving_local_files:
        raise Forbidden(LOCAL_FILES_REFUSED)
    folder = request.args.get("d")
    if not folder:
        raise ValidationError('The "d" parameter (the folder of the file) is required')
    if not any(_within(folder, root) for root in settings.local_file_roots):
        raise Forbidden(f"{folder} is not under an allowed folder: the init input folder or "
                        '"local_files_root" in config.json')
    return _send(_file_inside(folder, name))


def _within(folder, root):
    if not os.path.isabs(folder):
        return False
    folder, root = os.path.realpath(folder), os.path.realpath(root)
    return folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)


def _file_inside(folder, name):
    if not name or name in (".", "..") or any(c in name for c in "/\\\x00"):
        raise NotFound(f"File {name} not found")
    base = os.path.realpath(folder)
    path = os.path.realpath(os.path.join(base, name))
    if os.path.dirname(path) != base or not os.path.isfile(path):
        raise NotFound(f"File {name} not found")
    return path


def _send(path):
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = send_file(path, mimetype=mimetype, as_attachment=True, conditional=True,
                         download_name=os.path.basename(path))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

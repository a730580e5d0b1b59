"""Local files read by input format (`init -i PATH --input-format`, drop-in folders).

Formats (spec cli.md §3.2): `json` (one file of tasks), `json-dir` (every *.json under a
folder), `text` (one task per line), `text-dir` (every file under a folder, line by line),
`image-dir` and `audio-dir` (one task per media file, pointing at /data/<name>?d=<folder>).
"""
import os
from urllib.parse import quote, urlencode

from ..errors import ValidationError
from .file_formats import decode_text, extension, json_items
from .format_error import FileFormatError
from .validation import validate_tasks

INPUT_FORMATS = ("json", "json-dir", "text", "text-dir", "image-dir", "audio-dir")
FOLDER_FORMATS = frozenset({"json-dir", "text-dir", "image-dir", "audio-dir"})
MEDIA_EXTENSIONS = {
    "image-dir": frozenset({".png", ".jpg", ".jpeg", ".tiff", ".tif", ".bmp", ".gif"}),
    "audio-dir": frozenset({".wav", ".aiff", ".mp3", ".au", ".flac"}),
}
BACKUP_SUFFIXES = ("~", ".tmp", ".part", ".crdownload", ".swp")


class InputError(ValueError):
    """A local input that cannot become tasks; the message names the file and the reason."""


def first_data_key(label_config, input_format):
    if not label_config.data_keys:
        raise InputError(f'You\'ve specified input format "{input_format}" which requires label '
                         "config being explicitly defined. Please specify a label config with "
                         "-l/--label-config or --template")
    return label_config.data_keys[0]


def wanted(name, input_format):
    """Whether a file of a folder belongs to the format; hidden and partial files never do."""
    if name.startswith(".") or name.endswith(BACKUP_SUFFIXES):
        return False
    if input_format == "json-dir":
        return extension(name) == ".json"
    if input_format in MEDIA_EXTENSIONS:
        return extension(name) in MEDIA_EXTENSIONS[input_format]
    return True


def folder_files(folder, input_format):
    """Relative paths of the folder's files for the format, sorted, hidden folders skipped."""
    found = []
    for parent, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = os.path.relpath(parent, folder)
        for name in sorted(names):
            if wanted(name, input_format):
                found.append(name if relative == "." else os.path.join(relative, name))
    return found


def file_tasks(path, input_format, label_config, shown_name=None):
    """Checked tasks from one local file; raises InputError naming the file."""
    shown = shown_name or path
    try:
        items = _file_items(path, input_format, label_config, shown)
        tasks = validate_tasks(items, label_config, origin=lambda i: f"{shown} #{i + 1}",
                               in_place=True)
    except OSError as exc:
        raise InputError(f"Cannot read tasks from {shown}: {exc}") from None
    except FileFormatError as exc:
        raise InputError(exc.message_for(shown)) from None
    except ValidationError as exc:
        messages = exc.detail if isinstance(exc.detail, list) else [exc.detail]
        raise InputError(f"Tasks in {shown} do not fit the label config:\n"
                         + "\n".join(messages[:10])) from None
    if input_format in MEDIA_EXTENSIONS:
        tasks[0]["task_path"] = os.path.abspath(path)
    return tasks


def _file_items(path, input_format, label_config, shown):
    if input_format in MEDIA_EXTENSIONS:
        return [{first_data_key(label_config, input_format): local_file_url(path)}]
    with open(path, "rb") as f:
        data = f.read()
    if input_format in ("json", "json-dir"):
        return json_items(data, shown)
    key = first_data_key(label_config, input_format)
    lines = (line.strip() for line in decode_text(data).splitlines())
    return [{key: line} for line in lines if line]


def local_file_url(path):
    """The legacy URL of a local file: /data/<quoted name>?d=<its folder, url-encoded>."""
    folder, name = os.path.split(os.path.abspath(path))
    return f"/data/{quote(name)}?{urlencode({'d': folder})}"

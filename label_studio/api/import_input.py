"""Reading what a POST /api/project/import request carries into an ImportBatch.

Order (spec import.md §1): a `url` query parameter, then multipart files (or a multipart
`url` field), then a urlencoded `url=` form, then a JSON body. curl --data sends a JSON body
as application/x-www-form-urlencoded, so a form body is JSON unless it starts with `url=`.
"""
from flask import current_app, request
from werkzeug.datastructures import ImmutableMultiDict

from .. import importers, jsonio
from ..errors import ValidationError
from .common import drain_request_body, json_response, raw_body

NO_DATA = "load_tasks: No data found in values or in files"
# werkzeug refuses more than 1000 multipart parts by default; a folder of images has more
MAX_FORM_PARTS = 1_000_000


def import_limits(current):
    """(ImportLimits, label config, byte limit) of an import into `current`; the request is
    held to the byte limit (config.json is re-read on every request; the app's limit was
    taken at start)."""
    with current.reading():
        limits = importers.ImportLimits.from_settings(current.settings)
        label_config = current.label_config
    size_limit = min(filter(None, (current_app.config.get("MAX_CONTENT_LENGTH"),
                                   limits.max_upload_size)))
    request.max_content_length = size_limit
    return limits, label_config, size_limit


def errors_answer(exc):
    """The legacy import error answer: 400 with a JSON list of messages."""
    return json_response(exc.detail if isinstance(exc.detail, list) else [exc.detail],
                         status=400)


def too_large_answer(size_limit):
    drain_request_body()
    return json_response({"status": 413, "detail": "Maximum total size of all files is "
                          f"{size_limit} bytes"}, status=413)


def read_import_request(batch):
    url = request.args.get("url")
    if url:
        batch.add_url(url)
    elif request.mimetype == "multipart/form-data":
        _read_multipart(batch)
    elif _is_url_form():
        batch.add_url(request.form["url"])
    else:
        batch.add_json_body(_json_body())


class _PartsInOrder(ImmutableMultiDict):
    """Also keeps the parts in request order; a MultiDict groups them by field name."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        self.in_order = list(mapping) if isinstance(mapping, list) else list(self.items(True))


def _read_multipart(batch):
    request.max_form_parts = MAX_FORM_PARTS
    request.parameter_storage_class = _PartsInOrder
    parts = [(field, storage) for field, storage in request.files.in_order
             if not _is_unused_file_input(storage)]
    if parts:
        for field, storage in parts:
            # the part's file name decides the format; 0.8 clients put it in the field name
            batch.add_file(storage.filename or field, storage.stream)
    elif request.form.get("url"):
        batch.add_url(request.form["url"])
    else:
        raise ValidationError([NO_DATA])


def _is_unused_file_input(storage):
    """A browser form sends an empty part with filename="" for a file input left empty."""
    if storage.filename != "":
        return False
    stream = storage.stream
    empty = stream.seek(0, 2) == 0
    stream.seek(0)
    return empty


def _is_url_form():
    if request.mimetype != "application/x-www-form-urlencoded":
        return False
    return raw_body().lstrip().startswith(b"url=") and bool(request.form.get("url"))


def _json_body():
    data = raw_body()
    if not data.strip():
        raise ValidationError([NO_DATA])
    try:
        return jsonio.loads_large(data)
    except ValueError as exc:
        raise ValidationError([f"Invalid JSON body: {exc}"]) from None

"""One import: the inputs of a request or a command, turned into items and staged files.

Files are handled in the order given and their items concatenated. The file name decides
the format (spec import.md §3). Nothing reaches the project here: the caller checks the
items (`checked_tasks`) and hands them with the staged uploads to Project.import_tasks; a
batch that is closed without that leaves no file behind.
"""
import bisect
import io
from collections import Counter

from ..errors import PayloadTooLarge, ValidationError
from . import file_formats as formats
from .archives import ArchiveTooLarge, archive_members
from .format_error import FileFormatError
from .limits import ImportLimits
from .uploads import UploadStaging, upload_url
from .url_fetch import FetchError, fetch
from .validation import UNDEFINED_KEY, items_from_json, validate_tasks


class ImportBatch:
    def __init__(self, project_dir, label_config, limits: ImportLimits):
        self.label_config = label_config
        self.limits = limits
        self.items = []
        self.formats = Counter()
        self.uploads = UploadStaging(project_dir)
        self._origins = []            # (position of the first item, file name), ascending
        self._from_files = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.uploads.discard()

    # ------------------------------------------------------------------ inputs

    def add_json_body(self, value):
        """A parsed JSON request body: tasks, or {"url": ...} naming a file to fetch."""
        if self._is_url_request(value):
            self.add_url(value["url"])
            return
        self._extend("request body", items_from_json(value))

    def _is_url_request(self, value):
        # {"url": "..."} is also a valid task for a config whose data key is "url"
        return (isinstance(value, dict) and list(value) == ["url"]
                and isinstance(value["url"], str) and "url" not in self.label_config.data_keys)

    def add_url(self, url):
        try:
            download = fetch(url.strip(), self.limits)
        except FetchError as exc:
            raise ValidationError([str(exc)]) from None
        self.add_file(download.name, io.BytesIO(download.data))

    def add_file(self, name, stream):
        """One uploaded or local file; `stream` is a binary file object."""
        self._from_files = True
        kind = formats.extension(name)
        self.formats[kind] += 1
        if kind in formats.UNSUPPORTED_ARCHIVES:
            raise ValidationError([f"{name}: {kind} archives are not supported; use .zip"])
        if kind in formats.ARCHIVE_EXTENSIONS:
            self._add_archive(name, stream)
            return
        try:
            self._add_plain_file(name, kind, stream)
        except FileFormatError as exc:
            raise ValidationError([exc.message_for(name)]) from None

    def _add_plain_file(self, name, kind, stream):
        if kind in formats.TASK_LIST_EXTENSIONS:
            self._extend(name, formats.json_items(stream.read(), name))
        elif kind in formats.TABLE_DELIMITERS and not self._time_series_only():
            self._extend(name, formats.table_items(stream.read(), kind, self._room()),
                         capped=True)
        elif kind in formats.TEXT_EXTENSIONS:
            self._require_one_data_key(name)
            self._extend(name, formats.line_items(stream.read(), self._room()), capped=True)
        elif kind in formats.HYPERTEXT_EXTENSIONS:
            self._require_one_data_key(name)
            self._extend(name, [formats.hypertext_item(stream.read())])
        else:
            self._require_one_data_key(name)
            stored = self.uploads.add(name, stream)
            self._extend(name, [{UNDEFINED_KEY: upload_url(stored)}])

    def _add_archive(self, name, stream):
        """Refused whole: 413 when it unpacks to too much (staged members are discarded with
        the batch), 400 when it is unsafe or damaged."""
        try:
            for member, member_stream in archive_members(stream, self.limits):
                self._add_member(f"{name}/{member}", member_stream)
        except ArchiveTooLarge as exc:
            raise PayloadTooLarge(f"{name}: {exc}") from None
        except FileFormatError as exc:
            raise ValidationError([exc.message_for(name)]) from None

    def _add_member(self, inner, stream):
        kind = formats.extension(inner)
        if kind in formats.ARCHIVE_EXTENSIONS | formats.UNSUPPORTED_ARCHIVES:
            raise ValidationError([f"{inner}: archives inside archives are not supported"])
        self.formats[kind] += 1
        try:
            self._add_plain_file(inner, kind, stream)
        except FileFormatError as exc:
            raise ValidationError([exc.message_for(inner)]) from None

    # ------------------------------------------------------------------ rules

    def _time_series_only(self):
        """Legacy: with a TimeSeries as the only object, a CSV is the series, not a task list."""
        types = set(self.label_config.data_types.values())
        return types == {"TimeSeries"}

    def _require_one_data_key(self, name):
        keys = self.label_config.data_keys
        if len(keys) > 1 and not self._time_series_only():
            raise ValidationError([
                f"{name}: your label config has more than one data key "
                f"({', '.join(keys)}); direct file upload supports only one data key. "
                "To import data with multiple data keys use JSON or CSV"])

    def _room(self):
        """Tasks this import may still take; a file is read up to one more, to refuse it."""
        return max(0, self.limits.max_tasks - len(self.items))

    def _extend(self, name, items, capped=False):
        """Adds a reader's items; the batch takes the list (the first one is kept as it is,
        not copied: one JSON file of a million tasks is one list)."""
        if items:
            self._origins.append((len(self.items), name))
            if self.items or type(items) is not list:
                self.items.extend(items)
            else:
                self.items = items
        if len(self.items) > self.limits.max_tasks:
            count = (f"more than {self.limits.max_tasks}" if capped  # the reader stopped early
                     else len(self.items))
            raise ValidationError([f"Maximum task number is {self.limits.max_tasks}, current "
                                   f"task number is {count}"])

    # ------------------------------------------------------------------ results

    def origin(self, position):
        """"<file> #<n>" for the n-th item (from 1) of the file that holds item `position`."""
        index = bisect.bisect_right(self._origins, (position, "\U0010ffff")) - 1
        first, name = self._origins[index]
        return f"{name} #{position - first + 1}"

    def checked_tasks(self, progress=None):
        """The items as tasks checked against the label config; ValidationError otherwise.

        The batch hands its list over: the items are replaced by their tasks in place and
        the batch keeps no reference, so whoever stores the tasks may consume the list and
        free each task as it goes."""
        if not self.items:
            raise ValidationError(["data is empty: no tasks found in the input"])
        origin = self.origin if self._from_files else None
        tasks = validate_tasks(self.items, self.label_config, origin=origin, progress=progress,
                               in_place=True)
        self.items = []
        return tasks

    def formats_seen(self):
        """Files per extension for the answer; None for a request body (legacy "request")."""
        return dict(self.formats) if self._from_files else None

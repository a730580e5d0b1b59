"""Import: request bodies, files, archives and URLs turned into checked tasks.

`validation` checks items against the label config; `batch.ImportBatch` gathers one import's
inputs (by file format, see `file_formats`, `tables`, `archives`, `url_fetch`) and stages its
media files (`uploads`) until Project.import_tasks stores everything at once. The CLI's
local JSON files go through `streamed.StreamedTasks` instead: checked in a first pass that
keeps no task, read again a batch at a time while they are stored.
"""
from .batch import ImportBatch
from .limits import ImportLimits
from .uploads import UPLOAD_DIR, safe_name
from .validation import UNDEFINED_KEY, items_from_json, validate_task, validate_tasks

__all__ = ["ImportBatch", "ImportLimits", "UPLOAD_DIR", "UNDEFINED_KEY", "items_from_json",
           "safe_name", "validate_task", "validate_tasks"]

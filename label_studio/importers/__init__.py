"""Import: request bodies, files, archives and URLs turned into checked tasks.

`validation` checks items against the label config; `batch.ImportBatch` gathers one import's
inputs (by file format, see `file_formats`, `tables`, `archives`, `url_fetch`) and stages its
media files (`uploads`) until Project.import_tasks stores everything at once. The CLI's
local JSON files go through `streamed.StreamedTasks` instead: checked in a first pass that
keeps no task, read again a batch at a time while they are stored.
"""
import importlib

# each name is imported from its module when first used: a server or a command that imports
# nothing needs neither the URL fetcher (http.client) nor the archive readers at start-up
_HOMES = {"ImportBatch": "batch", "ImportLimits": "limits", "UPLOAD_DIR": "uploads",
          "safe_name": "uploads", "UNDEFINED_KEY": "validation", "items_from_json": "validation",
          "validate_task": "validation", "validate_tasks": "validation"}
__all__ = list(_HOMES)


def __getattr__(name):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value

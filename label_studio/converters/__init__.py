"""Export formats: pure code from (parsed label config, tasks with completions) to files.

A format's write(config, tasks, ctx) reads each task once, in the order given, and writes
into ctx.out (an ArchiveWriter); ctx.media finds the files behind media URLs and ctx.warn
records what could not be converted. registry.FORMATS lists the formats.
"""
from .context import WARNINGS_NAME, ExportContext, Warnings
from .download import Downloader, DownloadError
from .media import MediaFinder
from .output import ArchiveWriter
from .registry import FORMATS, ExportFormat, find_format, formats_for

__all__ = ["ArchiveWriter", "Downloader", "DownloadError", "ExportContext", "ExportFormat", "FORMATS",
           "MediaFinder", "WARNINGS_NAME", "Warnings", "find_format", "formats_for"]

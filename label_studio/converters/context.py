"""ExportContext: what a format writer gets besides the config and the tasks."""
from dataclasses import dataclass, field
from datetime import datetime

from .media import MediaFinder
from .output import ArchiveWriter

# Every format writes its notes under this one name. Not .txt: YOLO tools read every .txt
# beside labels/ as a label file.
WARNINGS_NAME = "warnings.log"
KEPT_WARNINGS = 20


class Warnings:
    """Problems met while converting: all go to the archive's notes file, a few stay in memory."""

    def __init__(self, spool):
        self._spool = spool
        self.count = 0
        self.first = []

    def add(self, message):
        self.count += 1
        if len(self.first) < KEPT_WARNINGS:
            self.first.append(message)
        self._spool.write(message.encode("utf-8") + b"\n")

    def write_into(self, out: ArchiveWriter):
        if not self.count:
            return
        self._spool.seek(0)
        with out.open(WARNINGS_NAME) as f:
            f.write(b"Export warnings (the export is complete apart from what is listed):\n")
            for line in self._spool:
                f.write(line)


@dataclass
class ExportContext:
    out: ArchiveWriter
    media: MediaFinder
    warnings: Warnings
    exported_at: datetime = field(default_factory=datetime.now)

    def warn(self, message):
        self.warnings.add(message)

"""How much one import may bring in; read from config.json, with safe defaults."""
from dataclasses import dataclass

from ..settings import (DEFAULT_MAX_ARCHIVE_MEMBERS, DEFAULT_MAX_COMPRESSION_RATIO,
                        DEFAULT_URL_IMPORT_TIMEOUT as DEFAULT_URL_TIMEOUT)


@dataclass(frozen=True)
class ImportLimits:
    max_upload_size: int               # bytes of one request, of one URL download
    max_tasks: int                     # tasks in one import
    max_unpacked_size: int             # all members of one archive together
    max_archive_members: int = DEFAULT_MAX_ARCHIVE_MEMBERS
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO   # of one archive member
    url_timeout: float = DEFAULT_URL_TIMEOUT             # seconds for a whole download
    allow_private_urls: bool = False                     # loopback, LAN, link-local targets

    @classmethod
    def from_settings(cls, settings, allow_private_urls=None):
        return cls(
            max_upload_size=settings.max_upload_size,
            max_tasks=settings.max_tasks_per_import,
            max_unpacked_size=settings.max_unpacked_size,
            max_archive_members=settings.max_archive_members,
            max_compression_ratio=settings.max_compression_ratio,
            url_timeout=settings.url_import_timeout,
            allow_private_urls=(settings.allow_private_urls if allow_private_urls is None
                                else allow_private_urls),
        )

"""How much one import may bring in; read from config.json, with safe defaults."""
from dataclasses import dataclass

from ..settings import (DEFAULT_MAX_ARCHIVE_MEMBERS, DEFAULT_MAX_UNPACKED_SIZE,
                        DEFAULT_URL_IMPORT_TIMEOUT as DEFAULT_URL_TIMEOUT)


@dataclass(frozen=True)
class ImportLimits:
    max_upload_size: int               # bytes of one request, of one URL download
    max_tasks: int                     # tasks in one import
    max_archive_members: int = DEFAULT_MAX_ARCHIVE_MEMBERS
    max_unpacked_size: int = DEFAULT_MAX_UNPACKED_SIZE   # all archive members together
    url_timeout: float = DEFAULT_URL_TIMEOUT             # seconds for a whole download
    allow_private_urls: bool = False                     # loopback, LAN, link-local targets

    @classmethod
    def from_settings(cls, settings, allow_private_urls=None):
        return cls(
            max_upload_size=settings.max_upload_size,
            max_tasks=settings.max_tasks_per_import,
            max_archive_members=settings.max_archive_members,
            max_unpacked_size=settings.max_unpacked_size,
            url_timeout=settings.url_import_timeout,
            allow_private_urls=(settings.allow_private_urls if allow_private_urls is None
                                else allow_private_urls),
        )

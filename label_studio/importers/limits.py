"""How much one import may bring in; read from config.json, with safe defaults."""
from dataclasses import dataclass

GIB = 1024 ** 3

DEFAULT_MAX_ARCHIVE_MEMBERS = 100_000
DEFAULT_MAX_UNPACKED_SIZE = 1 * GIB
DEFAULT_URL_TIMEOUT = 30.0


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
        raw = settings.raw
        allowed = raw.get("allow_private_urls") is True
        return cls(
            max_upload_size=settings.max_upload_size,
            max_tasks=settings.max_tasks_per_import,
            max_archive_members=_positive(raw.get("max_archive_members"),
                                          DEFAULT_MAX_ARCHIVE_MEMBERS),
            max_unpacked_size=_positive(raw.get("max_unpacked_size"), DEFAULT_MAX_UNPACKED_SIZE),
            url_timeout=_positive(raw.get("url_import_timeout"), DEFAULT_URL_TIMEOUT),
            allow_private_urls=allowed if allow_private_urls is None else allow_private_urls,
        )


def _positive(value, default):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return default
    return value

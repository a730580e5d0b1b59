"""config.json: defaults for new projects, typed reads, masking for clients.

The raw dict is kept as loaded so unknown keys survive a rewrite; the rest of the code reads
settings through the properties below, never by poking at the dict.
"""
import copy
import os

from . import jsonio
from .storage.files import atomic_write, read_bytes

CONFIG_NAME = "config.json"
DEFAULT_INSTRUCTION = (
    "<img src='static/images/ls_logo.png'><br> Type some <b>hypertext</b> for annotators here!"
    "<br><a href='https://labelstud.io/guide/labeling.html'>Read more</a> about the labeling UI."
)
DEFAULT_SOURCE = {"name": "Tasks", "type": "tasks-json", "path": "tasks.json"}
DEFAULT_TARGET = {"name": "Completions", "type": "completions-dir", "path": "completions"}
SAMPLING_MODES = ("sequential", "uniform", "random-uniform",
                  "prediction-score-min", "prediction-score-max")
DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024
DEFAULT_MAX_TASKS_PER_IMPORT = 1_000_000
DEFAULT_MAX_ARCHIVE_MEMBERS = 100_000
DEFAULT_MAX_COMPRESSION_RATIO = 100
DEFAULT_URL_IMPORT_TIMEOUT = 30.0
SECRET_WORDS = ("password", "secret", "token", "key", "connection", "credential")


def default_config() -> dict:
    return {
        "title": "Label Studio",
        "description": "default",
        "protocol": "http://",
        "host": "localhost",
        "port": 8080,
        "debug": False,
        "label_config": "config.xml",
        "input_path": "tasks.json",
        "output_dir": "completions",
        "instruction": DEFAULT_INSTRUCTION,
        "allow_delete_completions": True,
        "templates_dir": "examples",
        "editor": {"debug": False},
        "sampling": "sequential",
        "ml_backends": [],
        "task_page_auto_update_timer": 10000,
        "show_project_links_in_multisession": True,
        "experimental_features": False,
        "first_page_full_render": True,
        "source": dict(DEFAULT_SOURCE),
        "target": dict(DEFAULT_TARGET),
    }


def _as_int(value, default):
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _positive(value, default):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return default
    return value


class Settings:
    def __init__(self, raw: dict):
        self.raw = raw if isinstance(raw, dict) else {}

    @classmethod
    def load(cls, project_dir):
        data = read_bytes(os.path.join(project_dir, CONFIG_NAME))
        if data is None:
            raise FileNotFoundError(os.path.join(project_dir, CONFIG_NAME))
        raw = jsonio.loads(data) if data.strip() else {}
        if not isinstance(raw, dict):
            raise ValueError(f"{CONFIG_NAME} must hold a JSON object")
        return cls(raw)

    def save(self, project_dir, indent=True):
        option = jsonio.PRETTY if indent else jsonio.COMPACT
        atomic_write(os.path.join(project_dir, CONFIG_NAME), jsonio.dumps(self.raw, option))

    @property
    def source(self) -> dict:
        value = self.raw.get("source")
        return value if isinstance(value, dict) and value.get("type") else dict(DEFAULT_SOURCE)

    @property
    def target(self) -> dict:
        value = self.raw.get("target")
        return value if isinstance(value, dict) and value.get("type") else dict(DEFAULT_TARGET)

    @property
    def presign_ttl(self) -> int:
        """Seconds a presigned URL of a bucket object is valid (legacy: 60, too short for
        long audio and video)."""
        return int(_positive(self.raw.get("presign_ttl"), 3600))

    @property
    def storage_sync_interval(self) -> float:
        """Seconds between two syncs of a bucket or Redis storage."""
        return float(_positive(self.raw.get("storage_sync_interval"), 30.0))

    @property
    def sampling(self) -> str:
        return self.raw.get("sampling") or "sequential"

    @property
    def allow_delete_completions(self) -> bool:
        return self.raw.get("allow_delete_completions") is True

    @property
    def ml_backends(self) -> list:
        value = self.raw.get("ml_backends")
        return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []

    @property
    def instruction(self) -> str:
        value = self.raw.get("instruction")
        return value if isinstance(value, str) else ""

    @property
    def host(self):
        return self.raw.get("host") or None

    @property
    def port(self):
        return _as_int(self.raw.get("port"), None)

    @property
    def username(self) -> str:
        return str(self.raw.get("username") or "")

    @property
    def password(self) -> str:
        return str(self.raw.get("password") or "")

    @property
    def api_token(self) -> str:
        value = self.raw.get("api_token")
        return value if isinstance(value, str) else ""

    @property
    def cors(self):
        return self.raw.get("cors") or False

    @property
    def max_upload_size(self) -> int:
        return _as_int(self.raw.get("max_upload_size"), DEFAULT_MAX_UPLOAD)

    @property
    def max_tasks_per_import(self) -> int:
        return _as_int(self.raw.get("max_tasks_per_import"), DEFAULT_MAX_TASKS_PER_IMPORT)

    @property
    def max_archive_members(self) -> int:
        return _positive(self.raw.get("max_archive_members"), DEFAULT_MAX_ARCHIVE_MEMBERS)

    @property
    def max_unpacked_size(self) -> int:
        """Bytes one archive may unpack to; by default what one upload may bring."""
        upload = _positive(self.max_upload_size, DEFAULT_MAX_UPLOAD)
        return _positive(self.raw.get("max_unpacked_size"), upload)

    @property
    def max_compression_ratio(self) -> float:
        return _positive(self.raw.get("max_compression_ratio"), DEFAULT_MAX_COMPRESSION_RATIO)

    @property
    def url_import_timeout(self) -> float:
        return _positive(self.raw.get("url_import_timeout"), DEFAULT_URL_IMPORT_TIMEOUT)

    @property
    def allow_private_urls(self) -> bool:
        return self.raw.get("allow_private_urls") is True

    @property
    def drop_folder(self):
        """(absolute folder, input format) of the drop-in folder recorded at init, or None."""
        spec = self.raw.get("drop_folder")
        if not isinstance(spec, dict):
            return None
        path, input_format = spec.get("path"), spec.get("input_format")
        if not isinstance(path, str) or not os.path.isabs(path):
            return None
        return path, input_format

    @property
    def tls_files(self):
        """(cert, key) stored by `init --cert --key`, or (None, None)."""
        return self.raw.get("cert") or None, self.raw.get("key") or None

    @property
    def allow_serving_local_files(self) -> bool:
        return self.raw.get("allow_serving_local_files") is True

    @property
    def local_file_roots(self) -> list:
        """Absolute folders whose files tasks may reference as /data/<name>?d=<folder>: the
        drop-in folder recorded at init and the folders of `local_files_root`."""
        roots = [self.drop_folder[0]] if self.drop_folder else []
        configured = self.raw.get("local_files_root")
        roots += configured if isinstance(configured, list) else [configured]
        return [r for r in roots if isinstance(r, str) and os.path.isabs(r)]

    def for_client(self) -> dict:
        """The whole config with defaulted storages and secrets masked."""
        shown = copy.deepcopy(self.raw)
        shown["source"] = copy.deepcopy(self.source)
        shown["target"] = copy.deepcopy(self.target)
        for name in ("password", "api_token"):
            if shown.get(name):
                shown[name] = "***"
        for role in ("source", "target"):
            params = shown[role].get("params")
            if isinstance(params, dict):
                for name in params:
                    if any(word in name.lower() for word in SECRET_WORDS) and params[name]:
                        params[name] = "***"
        return shown

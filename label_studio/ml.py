"""Client side of the legacy ML backend protocol (only what the core needs so far)."""
import secrets
import urllib.error
import urllib.request
from os.path import basename
from urllib.parse import urlparse

from .errors import ValidationError

HEALTH_TIMEOUT = 3.0


def split_backend_spec(spec, project_name):
    """'name=http://host:port' or 'http://host:port' -> (name, url)."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValidationError('"ml_backend" must be a URL string such as "http://localhost:9090"')
    spec = spec.strip()
    name = None
    if "=http" in spec:
        name, spec = spec.split("=", 1)
    url = spec
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(f'Specified string "{url}" doesn\'t look like URL.')
    if not name:
        name = f"{basename(project_name.rstrip('/')) or 'model'}{secrets.token_hex(2)}"
    return name, url.rstrip("/")


def connect_backend(spec, project_name):
    name, url = split_backend_spec(spec, project_name)
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=HEALTH_TIMEOUT) as answer:
            ok = answer.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        ok = False
    if not ok:
        raise ValidationError(f'ML backend with URL: "{url}" is not connected.')
    return {"url": url, "name": name}

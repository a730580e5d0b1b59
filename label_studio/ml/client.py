"""Client side of the legacy ML backend protocol (spec/ml-backend.md §2-§3).

Unlike the legacy client every call has a timeout (3 s to connect; 100 s to read for
/predict and /train, 10 s for the rest), and the answer of /health is remembered for a few
seconds instead of being asked before every call.
"""
import http.client
import secrets
import threading
import time
from os.path import basename
from urllib.parse import quote, urljoin, urlparse

import orjson

from .. import __version__
from ..errors import ValidationError

CONNECT_TIMEOUT = 3.0
SHORT_READ_TIMEOUT = 10.0
LONG_READ_TIMEOUT = 100.0
HEALTH_CACHE_SECONDS = 5.0
MAX_ANSWER_BYTES = 64 << 20


class BackendError(Exception):
    """A call that failed: no answer (status 0), a non-2xx status, or a body that is not JSON."""

    def __init__(self, backend, path, status, text):
        super().__init__(f'ML backend "{backend.name}" ({backend.url}) /{path}: '
                         + (f"HTTP {status}: {text}" if status else text))
        self.status = status
        self.text = text


def split_backend_spec(spec, project_name):
    """'name=http://host:port' or 'http://host:port' -> (name, url)."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValidationError('"ml_backend" must be a URL string such as "http://localhost:9090"')
    spec = spec.strip()
    name = None
    if "=http" in spec:
        name, spec = spec.split("=", 1)
    url = spec
    if not _looks_like_url(url):
        raise ValidationError(f'Specified string "{url}" doesn\'t look like URL.')
    if not name:
        name = f"{basename(project_name.rstrip('/')) or 'model'}{secrets.token_hex(2)}"
    return name, url.rstrip("/")


def _looks_like_url(url):
    """http(s), a host, and a port that is a number of 1..65535 when given."""
    try:
        parsed = urlparse(url)
        port = parsed.port  # raises ValueError for "x", 99999 or an unclosed [IPv6]
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.hostname) and port != 0


def connect_backend(spec, project_name):
    """The config.json entry for a backend given as PATCH /api/project's `ml_backend`; a
    backend whose /health does not answer is refused."""
    name, url = split_backend_spec(spec, project_name)
    if not backend({"name": name, "url": url}).healthy(fresh=True):
        raise ValidationError(f'ML backend with URL: "{url}" is not connected.')
    return {"url": url, "name": name}


class MLBackend:
    def __init__(self, name, url):
        self.name = name
        self.url = url
        self._health = (None, 0.0)  # (last /health result, monotonic time it expires)

    def call(self, method, path, body=None, read_timeout=SHORT_READ_TIMEOUT):
        """The decoded JSON answer of one call; BackendError otherwise."""
        target = urlparse(urljoin(self.url if self.url.endswith("/") else self.url + "/", path))
        connection_class = (http.client.HTTPSConnection if target.scheme == "https"
                            else http.client.HTTPConnection)
        connection = connection_class(target.hostname, target.port, timeout=CONNECT_TIMEOUT)
        payload = None if body is None else orjson.dumps(body)
        headers = {"User-Agent": f"label-studio/{__version__}", "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            connection.connect()
            connection.sock.settimeout(read_timeout)
            request_path = target.path + (f"?{target.query}" if target.query else "")
            connection.request(method, request_path, body=payload, headers=headers)
            answer = connection.getresponse()
            raw = answer.read(MAX_ANSWER_BYTES + 1)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise BackendError(self, path, 0, f"no answer ({exc or type(exc).__name__})") from None
        finally:
            connection.close()
        text = raw[:2000].decode("utf-8", "replace")
        if len(raw) > MAX_ANSWER_BYTES:
            raise BackendError(self, path, answer.status, "answer larger than 64 MiB")
        if not 200 <= answer.status < 300:
            raise BackendError(self, path, answer.status, text)
        try:
            return orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            raise BackendError(self, path, answer.status, f"answer is not JSON: {text}") from None

    def healthy(self, fresh=False):
        """Whether /health answers; either answer is remembered a few seconds, so a backend
        that is down or hanging costs one request its timeout, not every request."""
        known, until = self._health
        if not fresh and known is not None and time.monotonic() < until:
            return known
        try:
            self.call("GET", "health")
            result = True
        except BackendError:
            result = False
        self._health = (result, time.monotonic() + HEALTH_CACHE_SECONDS)
        return result

    def setup(self, project, schema, hostname=None):
        body = {"project": project, "schema": schema}
        if hostname:
            body["hostname"] = hostname
        answer = self.call("POST", "setup", body)
        return answer.get("model_version") if isinstance(answer, dict) else None

    def predict(self, task, model_version, project, label_config):
        body = {"tasks": [task], "model_version": model_version, "project": project,
                "label_config": label_config,
                "params": {"force_load": True, "login": "", "password": ""}}
        answer = self.call("POST", "predict", body, read_timeout=LONG_READ_TIMEOUT)
        results = answer.get("results") if isinstance(answer, dict) else None
        return results if isinstance(results, list) else []

    def is_training(self, project):
        answer = self.call("GET", f"is_training?project={quote(str(project), safe='')}")
        return isinstance(answer, dict) and bool(answer.get("is_training"))

    def job_status(self, job):
        answer = self.call("POST", "job_status", {"job": job})
        return answer.get("job_status") if isinstance(answer, dict) else None

    def train(self, completions, project, label_config, project_full_path):
        body = {"completions": completions, "project": project, "label_config": label_config,
                "params": {"login": "", "password": "", "project_full_path": project_full_path}}
        answer = self.call("POST", "train", body, read_timeout=LONG_READ_TIMEOUT)
        job = answer.get("job") if isinstance(answer, dict) else None
        return job if isinstance(job, (str, int)) and job != "" else None

    def delete(self, project):
        self.call("POST", "delete", {"project": project})


_clients = {}
_clients_lock = threading.Lock()


def backend(entry):
    """One client per (name, url), so a remembered /health outlives a request."""
    key = (entry["name"], entry["url"])
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = MLBackend(*key)
        return client

"""Small helpers shared by the API blueprints: JSON answers and request parsing."""
from flask import Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .. import jsonio
from ..errors import ValidationError

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def json_response(value, status=200, pretty=False, headers=None):
    body = jsonio.dumps(value, jsonio.PRETTY if pretty else jsonio.COMPACT)
    return Response(body, status=status, mimetype="application/json", headers=headers)


def empty_response(status=204):
    return Response(status=status)


def projects():
    """The project provider: one folder (start), or one per browser session."""
    return current_app.config["LS_PROJECTS"]


def project():
    return projects().current()


def path_id(value, what):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be an integer, got {value!r}") from None
    return number


def query_int(name, default):
    raw = _query_value(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(f"{name} must be an integer, got {raw!r}") from None


def query_bool(name):
    """True, False, or None when the parameter is absent."""
    raw = _query_value(name)
    if raw is None:
        return None
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(f"{name} must be one of 1/true/yes or 0/false/no, got {raw!r}")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _query_value(name):
    """request.values.get(name), as legacy reads parameters (the query string, then a form
    body), without building the combined view for a body that is no form (a JSON POST)."""
    req = request._get_current_object()  # one proxy look-up, not one per attribute
    raw = req.args.get(name) if req.environ.get("QUERY_STRING") else None
    if raw is None and req.mimetype in FORM_TYPES:
        raw = req.form.get(name)
    return raw


def raw_body(req=None):
    """The request body; `req`: the request proxied by flask.request, when the caller has it."""
    if req is None:
        req = request._get_current_object()
    # read before request.form, which would consume the stream
    data = req.get_data(cache=True, parse_form_data=False)
    limit = req.max_content_length
    if (limit is not None and req.content_length is None and len(data) >= limit
            and req.environ["wsgi.input"].read(1)):
        # a chunked body is cut at the limit without a word: one byte more means too large
        raise RequestEntityTooLarge()
    return data


def json_body(required=True):
    """The request body parsed as JSON whatever the content type (curl -d sends a form type)."""
    req = request._get_current_object()
    if req.mimetype == "multipart/form-data":
        if required:
            raise ValidationError("Expected a JSON body, got multipart/form-data")
        return None
    data = raw_body(req)
    if not data.strip():
        if required:
            raise ValidationError("Expected a JSON body, got an empty body")
        return None
    try:
        return jsonio.loads(data)
    except ValueError as exc:
        raise ValidationError(f"Invalid JSON body: {exc}") from None


def json_object(required=True):
    value = json_body(required)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise ValidationError(f"Expected a JSON object, got {json_type(value)}")
    return value


def json_type(value):
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


DRAIN_LIMIT = 64 * 1024 * 1024


def drain_request_body():
    """Reads and drops the rest of a refused body: closing a socket with unread data makes
    the kernel reset the connection, and the client may never see our 413. Past a cap the
    client gets the reset (and a slow upload stops)."""
    length = request.content_length
    stream = request.environ.get("wsgi.input")
    if stream is None or not length or length > DRAIN_LIMIT:
        return
    try:
        while length > 0:
            chunk = stream.read(min(length, 1 << 16))
            if not chunk:
                break
            length -= len(chunk)
    except OSError:
        pass


def external_host():
    """This server's address as the client reached it, e.g. http://localhost:8080."""
    return request.host_url.rstrip("/")

"""/api/openapi.json and /api/docs: the OpenAPI description of every route (openapi.yaml).

The YAML is read once per process. /api/docs renders it on the server as a plain HTML page
(no script, no external asset), escaped by Jinja.
"""
import functools
import os

from flask import Blueprint, Response, render_template

from .. import __version__, jsonio

bp = Blueprint("openapi", __name__)

DESCRIPTION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "openapi.yaml")
METHODS = ("get", "post", "put", "patch", "delete")


@functools.lru_cache(maxsize=1)
def document():
    """The description as a dict, `info.version` set to this package's version."""
    import yaml  # here, not at the top: only this page needs it, and every start would pay
    with open(DESCRIPTION, encoding="utf-8") as f:
        loaded = yaml.safe_load(f)
    loaded["info"]["version"] = __version__
    return loaded


@functools.lru_cache(maxsize=1)
def document_json():
    return jsonio.dumps(document())


@bp.get("/api/openapi.json")
def openapi_json():
    return Response(document_json(), mimetype="application/json")


@bp.get("/api/docs")
def api_docs():
    spec = document()
    return render_template("api_docs.html", info=spec["info"],
                           operations=list(_operations(spec)),
                           schemas=[(name, _schema_yaml(schema)) for name, schema
                                    in sorted(spec["components"]["schemas"].items())],
                           schema_names=set(spec["components"]["schemas"]))


def _operations(spec):
    """One entry per path and method, references resolved, for the template."""
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            yield {
                "path": path, "method": method.upper(),
                "anchor": f"{method}-{path}",
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "deprecated": operation.get("deprecated", False),
                "parameters": [_parameter(spec, p) for p in shared + operation.get(
                    "parameters", [])],
                "body": _body(spec, operation.get("requestBody")),
                "responses": [_response(spec, code, answer)
                              for code, answer in operation["responses"].items()],
            }


def _resolve(spec, value):
    while isinstance(value, dict) and "$ref" in value:
        node = spec
        for part in value["$ref"].lstrip("#/").split("/"):
            node = node[part]
        value = node
    return value


def _parameter(spec, parameter):
    parameter = _resolve(spec, parameter)
    return {"name": parameter["name"], "in": parameter["in"],
            "required": parameter.get("required", False),
            "type": schema_text(parameter.get("schema", {})),
            "description": parameter.get("description", "")}


def _body(spec, body):
    if body is None:
        return None
    body = _resolve(spec, body)
    return {"required": body.get("required", False),
            "content": [(media, schema_text(entry.get("schema", {})))
                        for media, entry in body.get("content", {}).items()]}


def _response(spec, code, answer):
    answer = _resolve(spec, answer)
    return {"code": code, "description": answer.get("description", ""),
            "content": [(media, schema_text(entry.get("schema", {})))
                        for media, entry in answer.get("content", {}).items()]}


def schema_text(schema, depth=0):
    """A short reading of a schema: `Task`, `array of integer`, `object {id: integer}`."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if depth > 2:
        return "…"
    for keyword, word in (("anyOf", " or "), ("oneOf", " or "), ("allOf", " and ")):
        if keyword in schema:
            return word.join(schema_text(s, depth + 1) for s in schema[keyword])
    if "const" in schema:
        return repr(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array" and "items" in schema:
        return "array of " + schema_text(schema["items"], depth + 1)
    if kind == "object" and schema.get("properties"):
        fields = ", ".join(f"{name}: {schema_text(sub, depth + 1)}"
                           for name, sub in schema["properties"].items())
        return f"object {{{fields}}}"
    return kind


def _schema_yaml(schema):
    """A component schema as indented YAML, for the page's reference section."""
    import yaml
    return yaml.safe_dump(schema, sort_keys=False, allow_unicode=True)

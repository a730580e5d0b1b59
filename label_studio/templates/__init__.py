"""Bundled label config templates: label_studio/templates/<name>.xml.

Each file starts with a meta comment
`<!-- {"title": ..., "category": ..., "complexity": ..., "order": ...} -->`.
"""

import functools
import re
from dataclasses import dataclass
from importlib import resources

import orjson

_META_RE = re.compile(r"\A\s*<!--\s*(\{.*?\})\s*-->", re.DOTALL)
COMPLEXITIES = ("basic", "advanced")


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    category: str
    complexity: str
    text: str
    order: int = 0


def _read_meta(text: str) -> dict:
    match = _META_RE.match(text)
    if not match:
        return {}
    try:
        meta = orjson.loads(match.group(1))
    except orjson.JSONDecodeError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _sort_key(template: Template):
    rank = COMPLEXITIES.index(template.complexity) if template.complexity in COMPLEXITIES else len(COMPLEXITIES)
    return rank, template.category, template.order, template.name


@functools.lru_cache(maxsize=1)
def _load() -> dict:
    found = {}
    for entry in resources.files(__name__).iterdir():
        if not entry.name.endswith(".xml"):
            continue
        name = entry.name[: -len(".xml")]
        text = entry.read_text(encoding="utf-8")
        meta = _read_meta(text)
        found[name] = Template(
            name=name,
            title=str(meta.get("title", name)),
            category=str(meta.get("category", "Other")),
            complexity=str(meta.get("complexity", "basic")),
            text=text,
            order=meta.get("order", 0) if isinstance(meta.get("order"), int) else 0,
        )
    return {t.name: t for t in sorted(found.values(), key=_sort_key)}


def list_templates() -> list[Template]:
    """All templates, grouped: basic before advanced, then by category and order."""
    return list(_load().values())


def get_template(name: str) -> str:
    """The config text of template `name`; KeyError when there is none."""
    try:
        return _load()[name].text
    except KeyError:
        raise KeyError(f"Unknown template {name!r}; run `label-studio templates` to list them") from None


def templates_by_category() -> dict[str, list[Template]]:
    """{category: [templates]} in display order, for the setup page and the CLI."""
    grouped: dict[str, list[Template]] = {}
    for template in list_templates():
        grouped.setdefault(template.category, []).append(template)
    return grouped


def format_template_list() -> str:
    """The text `label-studio templates` prints."""
    lines = []
    for category, templates in templates_by_category().items():
        lines.append(f"{category}:")
        width = max(len(t.name) for t in templates)
        lines.extend(f"  {t.name.ljust(width)}  {t.title} ({t.complexity})" for t in templates)
    return "\n".join(lines)


TEMPLATE_NAMES = tuple(sorted(_load()))

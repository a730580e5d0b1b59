"""The tag catalog (spec label-config.md §2-§3) and the JSON types task data may have."""

OBJECT_TAGS = frozenset({
    "Image", "Text", "HyperText", "Audio", "AudioPlus", "Paragraphs",
    "Table", "TimeSeries", "List", "Dialog", "Video",
})

# Controls whose children are <Label>s.
LABELS_CONTROLS = frozenset({
    "Labels", "HyperTextLabels", "ParagraphLabels", "RectangleLabels",
    "PolygonLabels", "KeyPointLabels", "EllipseLabels", "BrushLabels",
    "TimeSeriesLabels",
})
SHAPE_CONTROLS = frozenset({"Rectangle", "Polygon", "KeyPoint", "Ellipse", "Brush"})
CHOICE_CONTROLS = frozenset({"Choices", "Taxonomy"})
OTHER_CONTROLS = frozenset({"TextArea", "Rating", "Ranker", "Pairwise"})
CONTROL_TAGS = LABELS_CONTROLS | SHAPE_CONTROLS | CHOICE_CONTROLS | OTHER_CONTROLS

VISUAL_TAGS = frozenset({
    "View", "Header", "Style", "Filter", "Shortcut", "Relations", "Relation",
    "Label", "Choice", "Channel",
})

# Has toName but produces no results (spec §3).
NOT_A_CONTROL = frozenset({"Filter"})

# Result types skipped when collecting what completions use (spec §5.2).
UNCHECKED_RESULT_TYPES = frozenset({"relation", "rating", "pairwise"})

# Result value keys that differ from the lowercased control tag (spec §3).
EXTRA_LABEL_KEYS = {"hypertextlabels": ("htmllabels",)}

_SCALAR = ("string", "integer", "float")

# Accepted JSON types of data[key] per object tag; any other tag takes a string.
DATA_TYPES = {
    "Text": _SCALAR,
    "Header": _SCALAR,
    "HyperText": ("string",),
    "Image": ("string", "list"),
    "Paragraphs": ("list",),
    "Table": ("object",),
    "TimeSeries": ("object", "list", "string"),
    "Audio": ("string",),
    "AudioPlus": ("string",),
    "List": ("string", "list"),
}
DEFAULT_DATA_TYPES = ("string",)


def json_type(value) -> str:
    """The JSON type name of a decoded JSON value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    if value is None:
        return "null"
    return type(value).__name__


def data_types_for(tag: str) -> tuple:
    return DATA_TYPES.get(tag, DEFAULT_DATA_TYPES)


def _short_repr(value, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_data_value(tag: str, key: str, value) -> str | None:
    """An error message when value is not acceptable for object tag `tag`, else None."""
    expected = data_types_for(tag)
    actual = json_type(value)
    # Legacy checked with isinstance(), where a bool is an int; keep accepting it.
    if actual == "boolean" and "integer" in expected:
        return None
    if actual not in expected:
        wanted = " or ".join(f'"{t}"' for t in expected)
        return (
            f'data["{key}"]={_short_repr(value)} is of type "{actual}", but <{tag}> '
            f"expects {wanted}"
        )
    if tag == "List" and actual == "list":
        for i, item in enumerate(value):
            if not isinstance(item, dict) or "text" not in item:
                return (
                    f'data["{key}"][{i}]={_short_repr(item)} must be an object with a "text" key '
                    "for <List>"
                )
    return None

"""GET /api/project/columns: the Data Manager's table columns (0.9.1 shape)."""
from .fields import UNDEFINED_KEY

SHOWN_TYPES = {"Image": "Image", "Audio": "Audio", "AudioPlus": "AudioPlus"}
FIXED = [
    ("id", "ID", "Number"),
    ("completed_at", "Completed", "Datetime"),
    ("total_completions", "Completions", "Number"),
    ("cancelled_completions", "Cancelled", "Number"),
    ("total_predictions", "Predictions", "Number"),
    ("completions_results", "Completions results", "String"),
    ("predictions_score", "Prediction score", "Number"),
    ("predictions_results", "Predictions results", "String"),
]


def columns(project):
    with project.reading():
        config_types = dict(project.label_config.data_types)
        seen = [key for key, count in project.index.key_counts.items() if count > 0]
    keys = list(config_types) + sorted(k for k in seen if k not in config_types)
    if config_types and UNDEFINED_KEY in keys:
        keys.remove(UNDEFINED_KEY)
    found = []
    for n, key in enumerate(keys):
        tag = config_types.get(key)
        kind = SHOWN_TYPES.get(tag, "String" if tag else "Unknown")
        found.append({"id": key, "title": key, "type": kind, "target": "tasks", "parent": "data",
                      "visibility_defaults": {"explore": True, "labeling": n == 0}})
    for column_id, title, kind in FIXED:
        found.append({"id": column_id, "title": title, "type": kind, "target": "tasks"})
    found.append({"id": "data", "title": "data", "type": "List", "target": "tasks",
                  "children": keys})
    return {"columns": found}

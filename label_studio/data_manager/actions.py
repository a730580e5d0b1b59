"""Actions on the selected tasks of the Data Manager; each runs through Project operations."""
from ..errors import NotFound, ValidationError
from .. import sampling

# id -> (title, order, experimental, hidden, dialog)
ACTIONS = {
    "delete_tasks": ("Delete tasks", 100, False, False,
                     {"text": "You are going to delete selected tasks. Please, confirm your "
                              "action.", "type": "confirm"}),
    "delete_tasks_completions": ("Delete completions", 101, False, False,
                                 {"text": "You are going to delete all completions from the "
                                          "selected tasks. Please, confirm your action.",
                                  "type": "confirm"}),
    "propagate_completions": ("Propagate completions", 1, True, False,
                              {"text": "This copies the first completion of the first selected "
                                       "task to every other selected task.",
                               "type": "confirm"}),
    "predictions_to_completions": ("Predictions => completions", 90, True, False,
                                   {"text": "This turns the last prediction of each selected "
                                            "task into a completion.", "type": "confirm"}),
    "next_task": ("Next task", 0, False, True, None),
}


def visible(experimental):
    found = []
    for action_id, (title, order, is_experimental, hidden, dialog) in ACTIONS.items():
        if hidden or (is_experimental and not experimental):
            continue
        item = {"id": action_id, "title": title, "order": order, "permissions": "can_manage_tasks"}
        if dialog:
            item["dialog"] = dialog
        found.append(item)
    return sorted(found, key=lambda item: item["order"])


def check_action(action_id):
    if action_id not in ACTIONS:
        raise NotFound(f"Unknown action {action_id!r}; known: {', '.join(ACTIONS)}")


def run(project, action_id, ids, sampling_mode=None):
    """(HTTP status, body) of the action on task ids (in the tab's order)."""
    check_action(action_id)
    return RUNNERS[action_id](project, ids, sampling_mode)


def _delete_tasks(project, ids, _):
    deleted = project.delete_tasks(ids)
    return 200, {"processed_items": deleted, "detail": f"Deleted {deleted} tasks"}


def _delete_completions(project, ids, _):
    deleted = project.delete_completions_of(ids)
    return 200, {"processed_items": deleted, "detail": f"Deleted {deleted} completions"}


def _propagate(project, ids, _):
    if len(ids) < 2:
        raise ValidationError("Select at least two tasks: the first one's first completion is "
                              "copied to the others")
    source = project.get_task(ids[0])
    completions = [c for c in source.get("completions") or [] if isinstance(c, dict)]
    if not completions:
        raise ValidationError(f"Task {ids[0]} (the first selected) has no completions to "
                              "propagate")
    template = {k: v for k, v in completions[0].items()
                if k not in ("id", "created_at", "updated_at")}
    for task_id in ids[1:]:
        project.add_completion(task_id, dict(template))
    return 200, {"processed_items": len(ids) - 1,
                 "detail": f"Completion {completions[0].get('id')} propagated to "
                           f"{len(ids) - 1} tasks"}


def _predictions_to_completions(project, ids, _):
    made = 0
    for task_id in ids:
        predictions = [p for p in project.stored_task(task_id).get("predictions") or []
                       if isinstance(p, dict) and isinstance(p.get("result"), list)]
        if predictions:
            project.add_completion(task_id, {"result": predictions[-1]["result"], "lead_time": 0})
            made += 1
    return 200, {"processed_items": made, "detail": f"Created {made} completions"}


def _next_task(project, ids, mode):
    mode = mode or project.current_settings().sampling
    if mode not in sampling.KNOWN:
        raise ValidationError(f"Unknown sampling method {mode}; use one of "
                              + ", ".join(sampling.KNOWN))
    with project.reading():
        candidates = [task_id for task_id in ids if task_id in project.tasks
                      and not _completed(project, task_id)]
        task_id = _choose(project, candidates, mode)
        task = project.view_of(task_id) if task_id is not None else None
    if task is None:
        return 404, {"id": None, "detail": "No more tasks to label"}
    return 200, project.storages.signer.task(task)


def _completed(project, task_id):
    summary = project.completions.summaries.get(task_id)
    return summary is not None and summary.completed


def _choose(project, candidates, mode):
    if not candidates:
        return None
    if mode in ("uniform", "random-uniform"):
        return candidates[project.rng.randrange(len(candidates))]
    if mode.startswith("prediction-score"):
        scored = [(project.index.scores[i], i) for i in candidates if i in project.index.scores]
        if not scored:
            return None
        if mode.endswith("max"):
            return min(scored, key=lambda pair: (-pair[0], pair[1]))[1]
        return min(scored)[1]
    return candidates[0]


RUNNERS = {"delete_tasks": _delete_tasks, "delete_tasks_completions": _delete_completions,
           "propagate_completions": _propagate,
           "predictions_to_completions": _predictions_to_completions, "next_task": _next_task}

"""Which tasks a tab shows, in which order, and each as the 0.9 Data Manager lists it."""
import numpy as np

from ..errors import Unprocessable
from ..task_index import mean_score
from . import fields as F
from .filters import Filter, sort_key

# orders the TaskIndex keeps sorted: a page of them costs only the page
INDEXED_ORDERS = ("id", "completed_at")


def selected_ids(project, task_filter: Filter, ordering):
    """Every task id the filter lets through, in the ordering's order (ties: id ascending;
    tasks without a value last). One pass over the tasks in memory, under one read lock."""
    with project.reading():
        if task_filter:
            ids = [task_id for task_id, task in project.tasks.items()
                   if task_filter.matches(project, task_id, task)]
        elif ordering is None or ordering[0] in INDEXED_ORDERS:
            name, descending = ordering or ("id", False)
            return project.index.page(name, descending, 0, len(project.index.ids))
        else:
            ids = list(project.tasks)
        ids.sort()
        if ordering is None or ordering == ("id", False):
            return ids
        name, descending = ordering
        kind, getter = F.field(name)
        valued, missing = [], []
        for task_id in ids:
            value = getter(project, task_id, project.tasks[task_id])
            if value is None:
                missing.append(task_id)
            else:
                valued.append((sort_key(kind, value), task_id))
        # a stable sort: equal values keep id order, also when reversed
        valued.sort(key=lambda pair: pair[0], reverse=descending)
        return [task_id for _, task_id in valued] + missing


def tasks_page(project, task_filter, ordering, page, page_size):
    """{"tasks", "total", "total_completions", "total_predictions"} of one page of a tab."""
    if page < 1 or page_size < 1:
        raise Unprocessable("Incorrect page or page_size")
    start = (page - 1) * page_size
    if not task_filter and (ordering is None or ordering[0] in INDEXED_ORDERS):
        name, descending = ordering or ("id", False)
        with project.reading():
            ids = project.index.page(name, descending, start, page_size)
            tasks = [task_view(project, task_id) for task_id in ids]
            total = len(project.index.ids)
        # the fast path does not look at every task, so it has no totals (as 0.9)
        return {"tasks": _signed(project, tasks), "total": total,
                "total_completions": None, "total_predictions": None}
    ids = selected_ids(project, task_filter, ordering)
    with project.reading():
        # the totals come from the store's and the summaries' columns: no task is decoded
        _, present = project.tasks.rows_of(ids)
        tasks = [task_view(project, task_id)
                 for task_id in present[start:start + page_size].tolist()]
        completions = project.completions.summaries.completion_total(np.sort(present))
        predictions = project.tasks.prediction_total(present)
    return {"tasks": _signed(project, tasks), "total": len(present),
            "total_completions": completions, "total_predictions": predictions}


def task_view(project, task_id):
    """The task as GET /api/tasks/<id> shows it, plus the 0.9 aggregate keys (inside
    project.reading())."""
    view = project.view_of(task_id)
    task = project.tasks[task_id]
    summary = project.completions.summaries.get(task_id)
    completed = summary is not None and summary.completed
    completions = view.get("completions") if completed else None
    predictions = F.predictions_of(task)
    view["completed_at"] = F.format_datetime(summary.completed_at) if completed else None
    view["total_completions"] = summary.count if completed else 0
    view["cancelled_completions"] = summary.cancelled if completed else 0
    view["total_predictions"] = len(predictions)
    view["completions_results"] = F.results_text(completions if isinstance(completions, list)
                                                 else [])
    view["predictions_results"] = F.results_text(predictions)
    score = mean_score(task)
    if score is not None:
        view["predictions_score"] = score
    return view


def _signed(project, tasks):
    return [project.storages.signer.task(task) for task in tasks]


def annotations(project, ids):
    """Every completion of the given tasks with its task_id, created_at as 0.9 formats it."""
    found = []
    with project.reading():
        for task_id in ids:
            if task_id not in project.tasks:
                continue
            for completion in F.record_completions(project, task_id):
                if not isinstance(completion, dict):
                    continue
                item = dict(completion, task_id=task_id)
                created = completion.get("created_at")
                if isinstance(created, (int, float)) and not isinstance(created, bool):
                    try:
                        item["created_at"] = F.format_datetime(created)
                    except (OverflowError, OSError, ValueError):
                        pass
                found.append(item)
    return found

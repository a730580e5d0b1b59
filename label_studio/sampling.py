"""Which task `/api/project/next` hands out: sequential, uniform or by prediction score."""
import logging
import random

log = logging.getLogger(__name__)

KNOWN = ("sequential", "uniform", "random-uniform", "prediction-score-min", "prediction-score-max")


def next_task_id(index, mode, rng=random):
    """The chosen uncompleted task id, or None when none is left."""
    candidates = index.uncompleted
    if not candidates:
        return None
    if mode in ("uniform", "random-uniform"):
        return candidates[rng.randrange(len(candidates))]
    if mode in ("prediction-score-min", "prediction-score-max"):
        return _by_score(index, candidates, highest=mode.endswith("max"))
    return candidates.first()


def _by_score(index, candidates, highest):
    # only tasks with a scored stored prediction are candidates (legacy); ties go to the lowest id
    best = None
    for task_id, score in index.scores.items():
        if task_id not in candidates:
            continue
        key = (-score if highest else score, task_id)
        if best is None or key < best:
            best = key
    return None if best is None else best[1]

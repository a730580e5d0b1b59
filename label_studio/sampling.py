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
        # only tasks with a scored stored prediction are candidates (legacy); ties: lowest id
        ranked = index.open_by_score_desc if mode.endswith("max") else index.open_by_score
        return ranked.first()[1] if ranked else None
    return candidates.first()

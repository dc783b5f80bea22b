"""Scoring predictions of one task in one language with the official metrics (stiltgrid.metrics)."""

from __future__ import annotations

from stiltgrid.formats import get_format
from stiltgrid.metrics.registry import get_metric


def score(task, examples: list[dict], predictions: list, lang: str | None = None) -> dict[str, float]:
    """All metrics of ``task`` for one language, in percent (its metric's keys, e.g. accuracy | f1, precision, recall
    | exact_match, f1)."""
    try:
        return get_metric(task.metric).score(get_format(task.format), examples, predictions, lang)
    except ValueError as err:
        if get_metric(task.metric).scorer is None:
            raise ValueError(f"task {task.name}: {err}") from None
        raise


def dev_score(task, examples: list[dict], predictions: list) -> float:
    """The headline metric on the English dev set, used for early stopping."""
    return score(task, examples, predictions, "en")[task.headline_metric]

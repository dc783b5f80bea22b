"""Scoring predictions of one task in one language with the official metrics (stiltgrid.metrics)."""

from __future__ import annotations

from stiltgrid.formats import get_format
from stiltgrid.metrics.classification import accuracy
from stiltgrid.metrics.qa import MLQA, SQUAD, references_from_examples, squad_scores


def score(task, examples: list[dict], predictions: list, lang: str | None = None) -> dict[str, float]:
    """All metrics of ``task`` for one language, in percent. Keys: accuracy | f1, precision, recall | exact_match, f1."""
    fmt, metric = get_format(task.format), task.metric
    if metric == "accuracy":
        return {"accuracy": accuracy(*fmt.accuracy_items(examples, predictions))}
    if metric == "seqeval_f1":
        from stiltgrid.metrics.tagging import tagging_scores

        return tagging_scores(predictions, fmt.gold(examples))
    if metric in ("squad", "mlqa"):
        answers = {ex["id"]: pred for ex, pred in zip(examples, predictions)}
        rules = MLQA if metric == "mlqa" else SQUAD
        # MLQA's rules are defined for its 7 languages; other languages fall back to language-neutral rules.
        return squad_scores(answers, references_from_examples(examples), lang=lang, rules=rules, strict=False)
    raise ValueError(f"task {task.name}: metric '{metric}' is not computed from predictions")


def dev_score(task, examples: list[dict], predictions: list) -> float:
    """The headline metric on the English dev set, used for early stopping."""
    return score(task, examples, predictions, "en")[task.headline_metric]

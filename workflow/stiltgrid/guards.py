"""Checks that make a spoilt run loud: training that never beats the best constant prediction on dev, predictions
collapsed to one class, inputs cut by ``max_length``. Each returns a one-line warning or None; the jobs log the
warnings, keep them in the record they write (``warnings`` in the metrics JSON and ``train_summary.json``), and the
aggregate gathers them into ``warnings.md``.
"""

from __future__ import annotations

from stiltgrid.evaluation import dev_score
from stiltgrid.formats import get_format

#: an input set warns when more than this share of its examples is longer than max_length
TRUNCATION_WARN = 0.01


def constant_baseline(task, dev: list[dict]) -> tuple[float, str]:
    """The dev score of the best constant prediction (the majority class; for tagging the most frequent tag on every
    token; for span QA the empty answer) and what it predicts."""
    predictions, what = get_format(task.format).constant_prediction(dev)
    return dev_score(task, dev, predictions), what


def baseline_warning(task: str, best: float, baseline: float, what: str, lr: float) -> str | None:
    if best > baseline:
        return None
    return (f"{task}: training never beat the majority-class baseline on dev: best dev {best:.2f} <= {baseline:.2f} "
            f"({what}); the model learnt nothing usable: lower the learning rate (now {lr:g}) or train longer")


def collapse_warning(task, examples: list[dict], predictions: list) -> str | None:
    """Every prediction the same class (tag, choice) while the gold labels have several; span QA: every answer
    empty while some gold answers are not."""
    if len(predictions) < 2:
        return None
    return get_format(task.format).collapse(examples, predictions)


def with_shares(stats: dict | None) -> dict | None:
    """Truncation counts (stiltgrid.features.truncation) with the shares of examples and of tokens cut."""
    if stats is None:
        return None
    examples, tokens = stats["examples"], stats["tokens"]
    return {**stats, "share_examples": round(stats["truncated"] / examples, 4) if examples else 0.0,
            "share_tokens": round(stats["tokens_cut"] / tokens, 4) if tokens else 0.0}


def truncation_warning(what: str, stats: dict | None) -> str | None:
    """``what``: the input set, e.g. "test wa" or "train en"."""
    stats = with_shares(stats)
    if not stats or stats["share_examples"] <= TRUNCATION_WARN:
        return None
    return (f"{what}: {stats['share_examples']:.1%} of the examples ({stats['truncated']} of {stats['examples']}) "
            f"are longer than max_length {stats['max_length']} and truncated, losing {stats['share_tokens']:.1%} of "
            f"their tokens: raise max_length (at most the encoder's positions) or shorten the texts")

"""Checks that make a spoilt run loud: training that never beats the best constant prediction on dev, predictions
collapsed to one class, inputs cut by ``max_length``. Each returns a one-line warning or None; the jobs log the
warnings, keep them in the record they write (``warnings`` in the metrics JSON and ``train_summary.json``), and the
aggregate gathers them into ``warnings.md``.
"""

from __future__ import annotations

from collections import Counter

from stiltgrid.evaluation import dev_score

#: an input set warns when more than this share of its examples is longer than max_length
TRUNCATION_WARN = 0.01


def _most_common(values):
    return Counter(values).most_common(1)[0][0]


def constant_baseline(task, dev: list[dict]) -> tuple[float, str]:
    """The dev score of the best constant prediction (the majority class; for tagging the most frequent tag on every
    token; for span QA the empty answer) and what it predicts."""
    fmt = task.format
    if fmt == "tagging":
        tag = _most_common(t for ex in dev for t in ex["tags"])
        return dev_score(task, dev, [[tag] * len(ex["tokens"]) for ex in dev]), f"'{tag}' for every token"
    if fmt == "span_qa":
        return dev_score(task, dev, [""] * len(dev)), "an empty answer"
    label = _most_common(ex["label"] for ex in dev)
    what = f"choice {label}" if fmt == "multiple_choice" else f"'{label}'"
    return dev_score(task, dev, [label] * len(dev)), f"always {what}"


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
    fmt, n = task.format, len(predictions)
    if fmt == "span_qa":
        if all(p == "" for p in predictions) and any(ex["answers"]["text"] for ex in examples):
            return f"predictions collapsed: all {n} answers are empty"
        return None
    if fmt == "tagging":
        predicted, gold = {t for p in predictions for t in p}, {t for ex in examples for t in ex["tags"]}
        n = sum(len(p) for p in predictions)
    else:
        predicted, gold = set(predictions), {ex["label"] for ex in examples}
    if len(predicted) != 1 or len(gold) < 2:
        return None
    (value,) = predicted
    what = {"tagging": f"predicted tags are '{value}'", "multiple_choice": f"predictions are choice {value}"}
    return (f"predictions collapsed to one class: all {n} {what.get(fmt, f'predictions are {value!r}')} while the "
            f"gold labels have {len(gold)} classes")


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

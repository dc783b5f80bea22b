"""Checks that make a spoilt run loud: training that never beats the best constant prediction on dev (with its cause,
read from the run's loss and dev curves, and the setting to change), predictions
collapsed to one class, inputs cut by ``max_length``. Each returns a one-line warning or None; the jobs log the
warnings, keep them in the record they write (``warnings`` in the metrics JSON and ``train_summary.json``), and the
aggregate gathers them into ``warnings.md``.
"""

from __future__ import annotations

from stiltgrid.engine.evaluation import dev_score
from stiltgrid.formats import get_format

#: an input set warns when more than this share of its examples is longer than max_length
TRUNCATION_WARN = 0.01


def constant_baseline(task, dev: list[dict]) -> tuple[float, str]:
    """The dev score of the best constant prediction (the majority class; for tagging the most frequent tag on every
    token; for span QA the empty answer) and what it predicts."""
    predictions, what = get_format(task.format).constant_prediction(dev)
    return dev_score(task, dev, predictions), what


#: the diagnosis of a run that never beat the baseline, from its own training-loss curve (``[step, mean loss]``
#: windows): the loss peaking above this multiple of its first window, or ending above the second, is divergence; a
#: loss ending above this share of its first window is under-training (it never left its starting value)
DIVERGED_PEAK, DIVERGED_END, FLAT_END = 1.5, 1.1, 0.85
#: a run whose loss curve says diverged or under-trained is also warned about when its best dev score closed less
#: than this share of the gap between the baseline and a perfect score (a balanced label set's baseline is low)
WEAK_GAIN = 0.1
#: under-trained runs shorter than this are told to train for this many optimiser steps (``min_steps``)
ADVISED_STEPS = 1000
#: under-trained runs at a learning rate below LOW_LR are told to raise it to this (fine-tuning a pretrained
#: encoder: 1e-5 to 1e-4)
LOW_LR, ADVISED_LR = 1e-5, 3e-5


def _g(value: float) -> str:
    return f"{float(f'{value:.2g}'):g}"


def lower_lr_advice(lr: float) -> str:
    return f"lower the learning rate lr (now {lr:g}) to {_g(lr / 10)}"


#: a flat loss with the encoder's weights moved more than this share from where they started is a collapse (a
#: learning rate too high: the model fell to predicting the label prior), not under-training
DRIFT_COLLAPSED = 0.25


def may_warn(best: float, baseline: float) -> bool:
    """Whether baseline_warning can fire for this best dev score, whatever the curves say."""
    return best < baseline + WEAK_GAIN * (100 - baseline) or best <= baseline


def diagnose(
    loss_curve: list, dev_curve: list[float], baseline: float, cfg, steps: int, drift: float | None = None
) -> dict:
    """Why a run learnt nothing, read from its training-loss windows and dev scores: ``cause`` (diverged,
    under-trained, no transfer to dev), the figures it rests on and ``advice`` (the setting to change, with a
    value). ``drift``: how far the encoder's weights moved (||w - w0|| / ||w0||), which tells a flat loss after a
    collapse from a flat loss that never moved."""
    losses = [loss for _, loss in loss_curve]
    out = {
        "steps": steps,
        "lr": cfg.lr,
        "dev_first": dev_curve[0] if dev_curve else None,
        "dev_best": max(dev_curve) if dev_curve else None,
        "dev_baseline": round(baseline, 4),
    }
    if not losses:
        return {**out, "cause": "unknown", "advice": "no training step ran: check the training data"}
    start, end, peak = losses[0], losses[-1], max(losses)
    out.update(loss_start=start, loss_end=end, loss_peak=peak)
    if drift is not None:
        out["weight_drift"] = round(drift, 6)
    if peak > DIVERGED_PEAK * start or end > DIVERGED_END * start:
        return {
            **out,
            "cause": "diverged",
            "advice": f"the training loss rose from {start:.3g} to {peak:.3g} and ended at {end:.3g}: training "
            f"diverged, the learning rate is too high for this encoder: {lower_lr_advice(cfg.lr)}",
        }
    if end > FLAT_END * start and drift is not None and drift > DRIFT_COLLAPSED:
        return {
            **out,
            "cause": "diverged",
            "advice": f"the training loss stayed near its start ({start:.3g} -> {end:.3g}) while the encoder's "
            f"weights moved {drift:.0%} from where they started: training diverged and collapsed to "
            f"the label prior, the learning rate is too high for this encoder: "
            f"{lower_lr_advice(cfg.lr)}",
        }
    if end > FLAT_END * start:
        if cfg.lr < LOW_LR:
            fix = f"raise the learning rate lr (now {cfg.lr:g}) to {ADVISED_LR:g}"
        elif steps < ADVISED_STEPS:
            fix = (
                f"train for more steps: min_steps {ADVISED_STEPS} (now {cfg.min_steps}; epochs {cfg.epochs:g} "
                f"gave {steps} optimiser steps)"
            )
        else:
            fix = f"raise the learning rate lr (now {cfg.lr:g}) to {_g(cfg.lr * 3)}"
        return {
            **out,
            "cause": "under-trained",
            "advice": f"the training loss stayed near its start ({start:.3g} -> {end:.3g}) over {steps} "
            f"optimiser steps at lr {cfg.lr:g}: under-trained, not diverged (do not lower the learning "
            f"rate): {fix}",
        }
    return {
        **out,
        "cause": "no transfer to dev",
        "advice": f"the training loss fell ({start:.3g} -> {end:.3g}) but dev did not follow: the model fits "
        f"the training set without carrying over to dev; check that train and dev hold the same "
        f"labels and kind of text, or lower the learning rate lr (now {cfg.lr:g}) to "
        f"{_g(cfg.lr / 3)}",
    }


def baseline_warning(task: str, best: float, baseline: float, what: str, diagnosis: dict) -> str | None:
    if best <= baseline:
        return (
            f"{task}: training never beat the majority-class baseline on dev: best dev {best:.2f} <= "
            f"{baseline:.2f} ({what}); {diagnosis['advice']}"
        )
    if diagnosis["cause"] in ("diverged", "under-trained") and best < baseline + WEAK_GAIN * (100 - baseline):
        return (
            f"{task}: training barely beat the majority-class baseline on dev: best dev {best:.2f} against "
            f"{baseline:.2f} ({what}); {diagnosis['advice']}"
        )
    return None


def collapse_warning(task, examples: list[dict], predictions: list) -> str | None:
    """Every prediction the same class (tag, choice) while the gold labels have several; span QA: every answer
    empty while some gold answers are not."""
    if len(predictions) < 2:
        return None
    return get_format(task.format).collapse(examples, predictions)


def with_shares(stats: dict | None) -> dict | None:
    """Truncation counts (stiltgrid.engine.features.truncation) with the shares of examples and of tokens cut."""
    if stats is None:
        return None
    examples, tokens = stats["examples"], stats["tokens"]
    return {
        **stats,
        "share_examples": round(stats["truncated"] / examples, 4) if examples else 0.0,
        "share_tokens": round(stats["tokens_cut"] / tokens, 4) if tokens else 0.0,
    }


def truncation_warning(what: str, stats: dict | None) -> str | None:
    """``what``: the input set, e.g. "test wa" or "train en"."""
    stats = with_shares(stats)
    if not stats or stats["share_examples"] <= TRUNCATION_WARN:
        return None
    return (
        f"{what}: {stats['share_examples']:.1%} of the examples ({stats['truncated']} of {stats['examples']}) "
        f"are longer than max_length {stats['max_length']} and truncated, losing {stats['share_tokens']:.1%} of "
        f"their tokens: raise max_length (at most the encoder's positions) or shorten the texts"
    )

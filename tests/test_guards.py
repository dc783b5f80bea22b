"""The baseline guard's diagnosis from a run's own loss and dev curves: diverged, under-trained (too small a learning
rate, too few steps), or learnt without reaching dev; each with the setting to change and a value."""

import pytest

from stiltgrid.core.hparams import TrainConfig
from stiltgrid.engine.guards import baseline_warning, diagnose


def curve(*losses):
    return [[10 * (i + 1), loss] for i, loss in enumerate(losses)]


@pytest.mark.parametrize(
    "losses, lr, steps, min_steps, cause, advice",
    [
        (
            (1.9, 6.5, 2.4, 2.0),
            0.03,
            40,
            None,
            "diverged",
            "the training loss rose from 1.9 to 6.5 and ended at 2: training diverged, the learning rate is too "
            "high for this encoder: lower the learning rate lr (now 0.03) to 0.003",
        ),
        ((1.0, 1.0, 1.15), 1e-3, 40, None, "diverged", "lower the learning rate lr (now 0.001) to 0.0001"),
        (
            (1.95, 1.94, 1.93),
            1e-7,
            40,
            None,
            "under-trained",
            "the training loss stayed near its start (1.95 -> 1.93) over 40 optimiser steps at lr 1e-07: "
            "under-trained, not diverged (do not lower the learning rate): raise the learning rate lr (now 1e-07) "
            "to 3e-05",
        ),
        # the run: 3 epochs at 2e-5 on ~1,000 examples
        (
            (1.95, 1.9, 1.8),
            2e-5,
            102,
            None,
            "under-trained",
            "train for more steps: min_steps 1000 (now None; epochs 3 gave 102 optimiser steps)",
        ),
        ((1.95, 1.9, 1.8), 2e-5, 3000, 1000, "under-trained", "raise the learning rate lr (now 2e-05) to 6e-05"),
        (
            (1.9, 1.0, 0.2),
            5e-5,
            300,
            None,
            "no transfer to dev",
            "the training loss fell (1.9 -> 0.2) but dev did not follow",
        ),
    ],
)
def test_the_cause_and_the_setting_to_change(losses, lr, steps, min_steps, cause, advice):
    cfg = TrainConfig(lr=lr, epochs=3, min_steps=min_steps)
    diagnosis = diagnose(curve(*losses), [14.3, 14.3], 14.29, cfg, steps)
    assert diagnosis["cause"] == cause and advice in diagnosis["advice"]
    assert (diagnosis["loss_start"], diagnosis["loss_end"], diagnosis["steps"]) == (losses[0], losses[-1], steps)


def test_a_flat_loss_after_the_weights_moved_far_is_a_collapse_not_under_training():
    """A learning rate far too high (clipped gradients, warm-up) can leave the loss flat at the label prior's: the
    encoder's weights moving far from where they started tells it from a run that never moved."""
    flat = curve(2.07, 1.95, 1.89)
    cfg = TrainConfig(lr=0.03)
    collapsed = diagnose(flat, [14.29], 14.29, cfg, 186, drift=3.2)
    assert collapsed["cause"] == "diverged" and collapsed["weight_drift"] == 3.2
    assert collapsed["advice"] == (
        "the training loss stayed near its start (2.07 -> 1.89) while the encoder's weights moved 320% from where "
        "they started: training diverged and collapsed to the label prior, the learning rate is too high for this "
        "encoder: lower the learning rate lr (now 0.03) to 0.003"
    )
    assert diagnose(flat, [14.29], 14.29, TrainConfig(lr=2e-5), 102, drift=0.002)["cause"] == "under-trained"


def test_a_flat_or_diverged_run_that_barely_beat_a_low_baseline_is_warned_about_too():
    cfg = TrainConfig(lr=1e-7)
    flat = diagnose(curve(1.95, 1.94), [15.0, 16.1], 14.29, cfg, 40)
    assert baseline_warning("t", 16.1, 14.29, "always 'x'", flat) == (
        f"t: training barely beat the majority-class baseline on dev: best dev 16.10 against 14.29 (always 'x'); "
        f"{flat['advice']}"
    )
    assert baseline_warning("t", 14.29, 14.29, "always 'x'", flat).startswith(
        "t: training never beat the majority-class baseline on dev: best dev 14.29 <= 14.29"
    )
    assert baseline_warning("t", 30.0, 14.29, "always 'x'", flat) is None  # a tenth of the gap closed: it learnt
    learnt = diagnose(curve(1.95, 0.9), [15.0, 16.1], 14.29, TrainConfig(lr=1e-4), 40)
    assert baseline_warning("t", 16.1, 14.29, "always 'x'", learnt) is None  # the loss fell: no curve-based guess

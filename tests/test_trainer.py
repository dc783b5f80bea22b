"""The training loop: determinism, exact resume after an interruption, non-finite loss, length grouping."""

import math

import pytest
import torch
import toy

from stiltgrid.core.hparams import TrainConfig
from stiltgrid.engine import trainer

ENCODER = {}


@pytest.fixture(scope="module", autouse=True)
def encoder_dir(tmp_path_factory):
    ENCODER["dir"] = toy.xlmr_dir(tmp_path_factory.mktemp("enc"))
    return ENCODER["dir"]


CFG = TrainConfig(
    lr=3e-3, epochs=2, batch_size=16, eval_every=5, patience=50, checkpoint_every=4, max_length=32, seed=7
)


def weights(result):
    return result.model.state_dict()


def run(tmp_path, name, cfg=CFG):
    return trainer.fit(toy.sentiment_tasks(), str(ENCODER["dir"]), cfg, str(tmp_path / f"ckpt-{name}"))


def test_same_seed_gives_identical_weights_and_dev_scores(tmp_path):
    a, b = run(tmp_path, "a"), run(tmp_path, "b")
    assert a.summary["history"] == b.summary["history"]
    wa, wb = weights(a), weights(b)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    other = run(tmp_path, "c", TrainConfig(**{**CFG.__dict__, "seed": 8}))
    assert not all(torch.equal(wa[k], weights(other)[k]) for k in wa)


def test_interrupted_run_resumes_to_the_same_result(tmp_path, monkeypatch):
    reference = run(tmp_path, "ref")

    calls = {"n": 0}
    original = torch.optim.AdamW.step

    def crash_at_step_11(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 11:
            raise KeyboardInterrupt("simulated kill")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", crash_at_step_11)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, "out")
    monkeypatch.setattr(torch.optim.AdamW, "step", original)
    saved = torch.load(tmp_path / "ckpt-out" / "state.pt", weights_only=False)
    assert saved["state"]["step"] == 8  # the last periodic checkpoint before the crash

    resumed = run(tmp_path, "out")
    assert resumed.summary["history"] == reference.summary["history"]
    assert resumed.summary["loss"] == reference.summary["loss"]  # the loss of the steps before the kill included
    wr, wo = weights(reference), weights(resumed)
    assert all(torch.equal(wr[k], wo[k]) for k in wr)
    trainer.clear_checkpoint(str(tmp_path / "ckpt-out"))
    assert not (tmp_path / "ckpt-out").exists()


def test_finished_run_is_not_retrained(tmp_path, monkeypatch):
    first = run(tmp_path, "done")
    monkeypatch.setattr(torch.optim.AdamW, "step", lambda *a, **k: pytest.fail("retrained a finished run"))
    again = run(tmp_path, "done")
    assert again.summary["history"] == first.summary["history"]


def test_non_finite_loss_stops_at_once(tmp_path):
    cfg = TrainConfig(**{**CFG.__dict__, "lr": 1e30, "max_grad_norm": 1e30})
    with pytest.raises(trainer.NonFiniteLoss, match="non-finite training loss"):
        run(tmp_path, "nan", cfg)


def test_multitask_schedule_is_proportional_and_seeded():
    lengths = {"big": [5] * 300, "small": [5] * 100}
    cfg = TrainConfig(batch_size=10, epochs=2, seed=3)
    schedule = trainer.build_schedule(lengths, cfg)
    counts = {name: sum(1 for n, _ in schedule if n == name) for name in lengths}
    assert counts == {"big": 60, "small": 20}
    assert schedule == trainer.build_schedule(lengths, cfg)
    assert schedule != trainer.build_schedule(lengths, TrainConfig(batch_size=10, epochs=2, seed=4))


def test_length_grouping_reduces_padding():
    lengths = [int(x) for x in torch.randint(5, 200, (2000,), generator=torch.Generator().manual_seed(0))]

    def padded(group):
        batches = trainer.length_grouped_batches(lengths, 16, torch.Generator().manual_seed(1), group)
        return sum(len(b) * max(lengths[i] for i in b) for b in batches)

    assert padded(True) < 0.7 * padded(False)


def test_summary_counts_steps(tmp_path):
    summary = run(tmp_path, "s").summary
    assert summary["steps"] == summary["total_steps"] == 20 and summary["history"]
    loss = summary["loss"]  # the results page's training curve: one loss per optimiser step on a short run
    assert loss["every"] == 1 and loss["step"] == list(range(1, 21)) and len(loss["loss"]) == 20
    assert all(math.isfinite(x) and x > 0 for x in loss["loss"])


def test_loss_curve_of_a_long_run_is_windowed():
    losses = [float(i) for i in range(1203)]
    curve = trainer._loss_curve(losses)
    assert curve["every"] == 3 and len(curve["step"]) <= trainer.LOSS_POINTS + 1
    assert curve["step"][:2] == [3, 6] and curve["loss"][:2] == [1.0, 4.0]  # means of steps 1-3 and 4-6
    assert curve["step"][-1] == 1203 and curve["loss"][-1] == 1201.0  # the last window: steps 1201-1203


def test_summary_records_what_training_cost(tmp_path):
    """Micro-batches, tokens trained on and padded tokens (what stiltgrid.plan.planner calibrates on), counted from the
    schedule actually trained; no GPU memory figure on a CPU."""
    from stiltgrid.engine import features as F

    result = run(tmp_path, "cost")
    cost = result.summary["cost"]
    tasks = toy.sentiment_tasks()
    feats = F.featurize(
        "classification", tasks["sst2"].train, result.tokenizer, CFG.max_length, tasks["sst2"].labels, CFG.doc_stride
    )
    lengths = [F.feature_length(f) for f in feats]
    schedule = trainer.build_schedule({"sst2": lengths}, CFG)
    assert cost["micro_batches"] == result.summary["steps"] * CFG.grad_accum == len(schedule)
    assert cost["tokens"] == 2 * sum(lengths)  # two epochs over every example
    assert cost["padded_tokens"] == sum(max(lengths[i] for i in b) * len(b) for _, b in schedule)
    assert cost["padded_tokens"] > cost["tokens"] and "gpu_memory_peak_mb" not in cost

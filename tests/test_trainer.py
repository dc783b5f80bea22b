"""The training loop: determinism, exact resume after an interruption, non-finite loss, length grouping."""

import json

import pytest
import torch

import toy
from stiltgrid import trainer
from stiltgrid.features import label_list
from stiltgrid.hparams import TrainConfig
from stiltgrid.tasks import get_task


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    return toy.xlmr_dir(tmp_path_factory.mktemp("enc"))


def sentiment_tasks():
    task = get_task("sst2")
    train, dev = toy.sentiment(160, 1), toy.sentiment(40, 2)
    return {"sst2": trainer.TaskData(task, train, dev, label_list(task, train, dev))}


CFG = TrainConfig(lr=3e-3, epochs=2, batch_size=16, eval_every=5, patience=50, checkpoint_every=4, max_length=32,
                  seed=7)


def weights(model_dir):
    from safetensors.torch import load_file

    return load_file(str(model_dir / "model.safetensors"))


def test_same_seed_gives_identical_weights_and_dev_scores(encoder_dir, tmp_path):
    a = trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "a"), CFG, str(tmp_path / "ca"))
    b = trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "b"), CFG, str(tmp_path / "cb"))
    assert a["history"] == b["history"]
    wa, wb = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    other = trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "c"),
                        TrainConfig(**{**CFG.__dict__, "seed": 8}), str(tmp_path / "cc"))
    assert not all(torch.equal(wa[k], weights(tmp_path / "c")[k]) for k in wa)


def test_interrupted_run_resumes_to_the_same_result(encoder_dir, tmp_path, monkeypatch):
    reference = trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "ref"), CFG, str(tmp_path / "cref"))

    calls = {"n": 0}
    original = torch.optim.AdamW.step

    def crash_at_step_11(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 11:
            raise KeyboardInterrupt("simulated kill")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", crash_at_step_11)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "out"), CFG, str(tmp_path / "ckpt"))
    monkeypatch.setattr(torch.optim.AdamW, "step", original)
    assert (tmp_path / "ckpt" / "state.pt").exists() and not (tmp_path / "out").exists()

    resumed = trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "out"), CFG, str(tmp_path / "ckpt"))
    assert resumed["history"] == reference["history"]
    wr, wo = weights(tmp_path / "ref"), weights(tmp_path / "out")
    assert all(torch.equal(wr[k], wo[k]) for k in wr)
    assert not (tmp_path / "ckpt").exists()  # removed once the output is complete


def test_non_finite_loss_stops_at_once_and_writes_nothing(encoder_dir, tmp_path):
    cfg = TrainConfig(**{**CFG.__dict__, "lr": 1e30, "max_grad_norm": 1e30})
    with pytest.raises(trainer.NonFiniteLoss, match="non-finite training loss"):
        trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "out"), cfg, str(tmp_path / "ckpt"))
    assert not (tmp_path / "out").exists()


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


def test_summary_is_written(encoder_dir, tmp_path):
    trainer.fit(sentiment_tasks(), str(encoder_dir), str(tmp_path / "m"), CFG, str(tmp_path / "c"))
    summary = json.loads((tmp_path / "m" / "train_summary.json").read_text())
    assert summary["steps"] == summary["total_steps"] == 20 and summary["history"]

"""LoRA (stiltgrid.engine.lora): settings, training on a frozen encoder, exact resume, the adapter checkpoint, merged vs
unmerged outputs, and sizes from an architecture."""

import json

import pytest
import torch
import toy

from stiltgrid.core.hparams import TrainConfig
from stiltgrid.engine import lora, trainer
from stiltgrid.engine.model import TaskModel, load_encoder

SPEC = lora.resolve([("t", "lora")])
CFG = TrainConfig(
    lr=3e-3, epochs=2, batch_size=16, eval_every=5, patience=50, checkpoint_every=4, max_length=32, seed=7
)
ENCODER = {}


@pytest.fixture(scope="module", autouse=True)
def encoder_dir(tmp_path_factory):
    ENCODER["dir"] = toy.xlmr_dir(tmp_path_factory.mktemp("enc"))
    return ENCODER["dir"]


def run(tmp_path, name, spec=SPEC, cfg=CFG, init=None, base=None):
    return trainer.fit(
        toy.sentiment_tasks(),
        str(init or ENCODER["dir"]),
        cfg,
        str(tmp_path / f"ckpt-{name}"),
        tuning=spec,
        base_dir=base,
    )


# -- settings ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "levels, expected",
    [
        ([], None),
        ([("d", "full")], None),
        ([("d", "lora")], {"method": "lora", **lora.DEFAULTS}),
        (
            [("d", {"method": "lora", "rank": 4}), ("t", {"alpha": 8})],
            {"method": "lora", **lora.DEFAULTS, "rank": 4, "alpha": 8},
        ),
        ([("d", {"method": "lora", "rank": 4}), ("t", "full")], None),  # a word starts afresh
        ([("d", "lora"), ("t", None)], {"method": "lora", **lora.DEFAULTS}),  # not set: inherited
        ([("d", {"method": "lora", "modules": ["value", "query", "value"]})], {"method": "lora", **lora.DEFAULTS}),
    ],
)
def test_resolve_merges_levels(levels, expected):
    assert lora.resolve(levels) == expected


@pytest.mark.parametrize(
    "levels, message",
    [
        ([("training.target.defaults.tuning", {"rank": 4})], r"training.target.defaults.tuning: rank only apply to"),
        ([("x.tuning", "adapters")], r"x.tuning: unknown tuning method 'adapters'"),
        ([("x.tuning", {"method": "lora", "ranks": 4})], r"x.tuning: unknown LoRA setting 'ranks'"),
        ([("x.tuning", {"method": "lora", "rank": 0})], r"x.tuning: rank must be a whole number >= 1"),
    ],
)
def test_resolve_names_the_bad_key(levels, message):
    with pytest.raises(lora.LoRAError, match=message):
        lora.resolve(levels)


def test_a_lora_job_at_a_full_fine_tuning_rate_warns():
    assert lora.lr_warning(None, 1e-5) is None and lora.lr_warning(SPEC, 3e-4) is None
    assert lora.lr_warning(SPEC, 1e-5).startswith("LoRA at lr 1e-05: adapters start at zero")


# -- training ------------------------------------------------------------------------------------------------------
def test_lora_trains_adapters_and_heads_only(tmp_path):
    result = run(tmp_path, "a")
    tuning = result.summary["tuning"]
    assert {k: tuning[k] for k in SPEC} == SPEC
    # 2 layers x (query + value) x rank 8 x (32 in + 32 out), plus the classification head (32x32+32 + 32x2+2)
    assert tuning["trainable_parameters"] == 2 * 2 * 8 * 64 + (32 * 32 + 32) + (32 * 2 + 2)
    base = load_encoder(ENCODER["dir"]).state_dict()
    frozen = {
        k.replace("base_model.model.", "").replace(".base_layer", ""): v
        for k, v in result.model.encoder.state_dict().items()
        if "lora_" not in k
    }
    assert frozen.keys() == base.keys() and all(torch.equal(frozen[k], base[k]) for k in base)
    trained_b = [p for n, p in result.model.named_parameters() if "lora_B" in n]
    assert len(trained_b) == 4 and all(p.abs().sum() > 0 for p in trained_b)  # B starts at zero: it was trained


def test_bad_modules_are_one_clear_error(tmp_path):
    with pytest.raises(lora.LoRAError, match=r"modules \['qkv'\] name no linear layer of the encoder .*query"):
        run(tmp_path, "bad", {**SPEC, "modules": ["qkv"]})


def test_killed_lora_run_resumes_byte_equal(tmp_path, monkeypatch):
    reference = run(tmp_path, "ref")
    calls, original = {"n": 0}, torch.optim.AdamW.step

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
    assert saved["state"]["step"] == 8
    assert set(saved["model"]) == {n for n, p in reference.model.named_parameters() if p.requires_grad}
    resumed = run(tmp_path, "out")
    assert resumed.summary["history"] == reference.summary["history"]
    a, b = reference.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # another rank is another configuration: its checkpoint is not resumed from this one
    assert trainer._fingerprint(
        str(ENCODER["dir"]), toy.sentiment_tasks(), CFG, None, None, SPEC
    ) != trainer._fingerprint(str(ENCODER["dir"]), toy.sentiment_tasks(), CFG, None, None, {**SPEC, "rank": 4})


# -- the checkpoint and the job below it ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def adapter(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adapter")
    result = run(tmp, "inter", {**SPEC, "dropout": 0.0})
    out = tmp / "inter"
    lora.save_checkpoint(result.model, out, result.tokenizer)
    return out


def test_checkpoint_is_adapter_and_heads_not_an_encoder(adapter):
    names = {p.name for p in adapter.iterdir()}
    assert {lora.ADAPTER_CONFIG, lora.ADAPTER_WEIGHTS, "heads.pt", "heads.json", "tokenizer.json"} <= names
    assert "model.safetensors" not in names and "config.json" not in names
    config = json.loads((adapter / lora.ADAPTER_CONFIG).read_text())
    assert config["r"] == 8 and sorted(config["target_modules"]) == ["query", "value"]
    assert config["base_model_name_or_path"] is None
    encoder_bytes = (ENCODER["dir"] / "model.safetensors").stat().st_size
    assert lora.artefact_bytes(adapter) < encoder_bytes


def test_merged_adapter_gives_the_unmerged_outputs(adapter):
    """Tolerance: 1e-5 absolute on fp32 hidden states (the merge only reorders float sums)."""
    merged = lora.load_encoder(adapter, ENCODER["dir"]).eval()
    unmerged = lora.load_encoder(adapter, ENCODER["dir"], merge=False).eval()
    plain = load_encoder(ENCODER["dir"]).eval()
    batch = {
        "input_ids": torch.randint(5, 100, (4, 12), generator=torch.Generator().manual_seed(0)),
        "attention_mask": torch.ones(4, 12, dtype=torch.long),
    }
    with torch.no_grad():
        a, b = merged(**batch).last_hidden_state, unmerged(**batch).last_hidden_state
        c = plain(**batch).last_hidden_state
    assert torch.allclose(a, b, atol=1e-5, rtol=0)
    assert (a - c).abs().max() > 1e-3  # the adapter did change the encoder
    assert type(merged).__name__ == type(plain).__name__  # an ordinary encoder


def test_target_starts_from_base_plus_merged_adapter(adapter, tmp_path):
    full = run(tmp_path, "t-full", None, init=adapter, base=ENCODER["dir"])
    stacked = run(tmp_path, "t-lora", SPEC, init=adapter, base=ENCODER["dir"])
    merged = lora.load_encoder(adapter, ENCODER["dir"]).state_dict()
    # before training, the target model's encoder is the merged one: LoRA's frozen weights are exactly it
    frozen = {
        k.replace("base_model.model.", "").replace(".base_layer", ""): v
        for k, v in stacked.model.encoder.state_dict().items()
        if "lora_" not in k
    }
    assert all(torch.equal(frozen[k], merged[k]) for k in merged)
    # a full target trains every weight of the merged encoder (peft loads adapters frozen, for inference)
    assert all(p.requires_grad for p in full.model.parameters())
    assert not torch.equal(
        full.model.encoder.state_dict()["encoder.layer.0.output.dense.weight"],
        merged["encoder.layer.0.output.dense.weight"],
    )
    assert (
        "tuning" not in full.summary
        and stacked.summary["tuning"]["trainable_parameters"]
        < TaskModel(
            load_encoder(ENCODER["dir"]), {"sst2": {"format": "classification", "labels": [0, 1]}}
        ).encoder.num_parameters()
    )
    with pytest.raises(lora.LoRAError, match="not given the base encoder"):
        lora.load_encoder(adapter)


# -- sizes ---------------------------------------------------------------------------------------------------------
def test_sizes_count_the_built_models_parameters(tmp_path):
    arch = json.loads((ENCODER["dir"] / "config.json").read_text())
    model = TaskModel(load_encoder(ENCODER["dir"]), {"sst2": {"format": "classification", "labels": ["a", "b"]}})
    lora.wrap(model, SPEC)
    counts = lora.parameter_counts(model)
    predicted = lora.sizes(arch, SPEC, [("classification", 2)])
    assert predicted["parameters"] == counts["parameters"]
    assert predicted["trainable_parameters"] == counts["trainable_parameters"]
    assert lora.sizes(arch, None)["checkpoint_bytes"] == 4 * load_encoder(ENCODER["dir"]).num_parameters()


def test_xlmr_large_adapter_is_over_50x_smaller_than_the_encoder():
    arch = lora.ARCHITECTURES["FacebookAI/xlm-roberta-large"]
    full, small = lora.sizes(arch, None), lora.sizes(arch, SPEC, [("classification", 3)])
    assert full["parameters"] == 558_840_832  # XLM-R Large without its pooler and MLM head (560M with them)
    assert small["adapter_parameters"] == 24 * 2 * 8 * (1024 + 1024)
    assert full["checkpoint_bytes"] / small["checkpoint_bytes"] >= 50

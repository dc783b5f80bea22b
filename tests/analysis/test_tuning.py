"""Q7 on synthetic scores: MNLI trained in full vs with LoRA (-1 point planted) and none (-2): the table holds the
alternatives question's statistics for the same pairs, and the checkpoint sizes measured from real files."""

import json

import pytest
from analysis_data import WORLD, tidy_scores, zero

from stiltgrid.analysis import alternatives, tuning

FAST = {"n_boot": 1000, "n_perm": 2000, "seed": 0}
TUNINGS = {"mnli": "full", "mnli-lora": "LoRA r8 alpha 16 (query, value)"}


def checkpoint(root, name: str, tensors: dict[str, list[int]], extra: dict[str, int]):
    """A checkpoint directory: a safetensors file with these tensor shapes (header and zero bytes) and other files."""
    root.mkdir(parents=True)
    header = {k: {"dtype": "F32", "shape": s, "data_offsets": [0, 0]} for k, s in tensors.items()}
    blob = json.dumps(header).encode()
    weights = sum(4 * a * b for a, b in tensors.values())
    (root / name).write_bytes(len(blob).to_bytes(8, "little") + blob + bytes(weights))
    for file, size in extra.items():
        (root / file).write_bytes(bytes(size))
    return root


def test_scores_compared_as_alternatives_and_sizes_measured(tmp_path):
    scores = tidy_scores(
        WORLD,
        {"mnli": zero, "mnli-lora": lambda lang, target: -1.0, "none": lambda lang, target: -2.0},
        seeds=(1, 2),
        seed=3,
    )
    full = checkpoint(tmp_path / "mnli", "model.safetensors", {"w": [100, 50]}, {"tokenizer.json": 999})
    lora = checkpoint(
        tmp_path / "mnli-lora",
        "adapter_model.safetensors",
        {"a": [8, 50], "b": [100, 8]},
        {"heads.pt": 40, "tokenizer.json": 999, "train_summary.json": 7},
    )
    assert tuning.measure(lora) == {
        "checkpoint_bytes": lora.joinpath("adapter_model.safetensors").stat().st_size + 40,
        "encoder_weights": 1200,
    }
    sizes = tuning.sizes({"mnli": [full], "mnli-lora": [lora, lora]})
    result = tuning.analyse(
        scores, reference="mnli", alternatives=["mnli-lora", "none"], sizes=sizes, tunings=TUNINGS, **FAST
    )
    table = result.table.set_index("intermediate")
    same = alternatives.analyse(scores, reference="mnli", alternatives=["mnli-lora", "none"], **FAST)
    assert table["difference"].equals(same.table.set_index("intermediate")["difference"])
    assert table.loc["mnli-lora", "difference"] == pytest.approx(-1.0, abs=0.5)
    assert table.loc["mnli", "encoder_weights"] == 5000 and table.loc["mnli-lora", "encoder_weights"] == 1200
    ratio = sizes["mnli"]["checkpoint_bytes"] / sizes["mnli-lora"]["checkpoint_bytes"]
    assert table.loc["mnli-lora", "smaller_than_full"] == pytest.approx(ratio) and ratio > 3
    assert table.loc["none", "checkpoint_mb"] == 0 and table["tuning"].to_dict()["mnli"] == "full"
    paths = tuning.write(result, tmp_path / "out")
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert open(paths["table_md"]).read() in summary
    assert f"with a checkpoint {ratio:.1f}x smaller" in summary

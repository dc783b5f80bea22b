"""The `demo-lora` preset end to end: MNLI trained in full and with LoRA (the `mnli-lora` variant), the baseline, x
XNLI, UD-POS and Tatoeba, 2 seeds. The LoRA checkpoint is adapter + heads, the cells below it start from the base
encoder with the adapter merged, and the `tuning` question holds each one's XTREME score and checkpoint size."""

import json

import pandas as pd
import pytest
from repo import copy_workflow, run_snakemake

from stiltgrid.analysis import read_scores
from stiltgrid.analysis.tuning import measure
from stiltgrid.core.paths import CELL_TRAIN_SUMMARY
from stiltgrid.engine import lora
from stiltgrid.results import scores as S

pytestmark = pytest.mark.slow
MODEL, PRESET = "tiny-ci", "demo-lora"
TARGETS = ("xnli", "udpos", "tatoeba")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = copy_workflow(tmp_path_factory.mktemp("lora"))
    run_snakemake(work, "--cores", "2", "--config", f"preset={PRESET}")
    return work


def test_lora_checkpoint_is_adapter_and_heads_with_its_record(work):
    root = work / "results" / MODEL / "intermediate"
    for seed in (1, 2):
        adapter, full = root / "mnli-lora" / f"seed{seed}", root / "mnli" / f"seed{seed}"
        assert (adapter / lora.ADAPTER_WEIGHTS).exists() and (adapter / "heads.pt").exists()
        assert not (adapter / "model.safetensors").exists() and (full / "model.safetensors").exists()
        record = json.loads((adapter / CELL_TRAIN_SUMMARY).read_text())["tuning"]
        assert record["rank"] == 8 and record["modules"] == ["query", "value"]
        # 3 layers x (query + value) x rank 8 x (96 + 96), plus MNLI's classification head (96x96+96 + 96x3+3)
        assert record["trainable_parameters"] == 3 * 2 * 8 * 192 + 96 * 96 + 96 + 96 * 3 + 3
        assert record["artefact_bytes"] == measure(adapter)["checkpoint_bytes"]
        assert "tuning" not in json.loads((full / CELL_TRAIN_SUMMARY).read_text())
        cell = work / "results" / MODEL / "eval" / "mnli-lora" / "xnli" / f"seed{seed}"
        assert "tuning" not in json.loads((cell / CELL_TRAIN_SUMMARY).read_text())  # targets train in full


def test_tuning_table_holds_scores_and_sizes(work):
    out = work / "results" / MODEL / "analysis" / PRESET / "tuning"
    table = pd.read_csv(out / "table.tsv", sep="\t").set_index("intermediate")
    assert list(table.index) == ["mnli", "mnli-lora", "none"]
    assert table.loc["mnli", "tuning"] == "full" and table.loc["mnli-lora", "tuning"].startswith("LoRA r8 alpha 16")
    scores = read_scores(work / "results" / MODEL / "tables" / PRESET / "scores.tsv")
    for name in table.index:
        official = S.xtreme_scores(scores[scores["intermediate"] == name], task_languages={t: None for t in TARGETS})
        assert table.loc[name, "xtreme_mean"] == pytest.approx(official[list(TARGETS)].mean(axis=1).mean(), abs=1e-4)
        assert table.loc[name, "n_seeds"] == 2
    reference = table.loc["mnli", "xtreme_mean"]
    assert table.loc["mnli-lora", "difference"] == pytest.approx(
        table.loc["mnli-lora", "xtreme_mean"] - reference, abs=1e-4
    )
    root = work / "results" / MODEL / "intermediate"
    sizes = {
        name: sum(measure(root / name / f"seed{s}")["checkpoint_bytes"] for s in (1, 2)) / 2 / 1e6
        for name in ("mnli", "mnli-lora")
    }
    assert table.loc["mnli", "checkpoint_mb"] == pytest.approx(sizes["mnli"], rel=1e-5)
    assert table.loc["mnli-lora", "checkpoint_mb"] == pytest.approx(sizes["mnli-lora"], rel=1e-5)
    assert table.loc["mnli-lora", "smaller_than_full"] == pytest.approx(sizes["mnli"] / sizes["mnli-lora"], rel=1e-4)
    assert table.loc["mnli-lora", "smaller_than_full"] > 5 and table.loc["none", "checkpoint_mb"] == 0
    summary = (out / "summary.md").read_text()
    assert (out / "table.md").read_text() in summary and (out / "figure.png").stat().st_size > 2000
    assert "mnli-lora (LoRA r8 alpha 16 (query, value)):" in summary


def test_nothing_left_to_do(work):
    out = run_snakemake(work, "-n", "--cores", "2", "--config", f"preset={PRESET}").stdout
    assert "Nothing to be done" in out

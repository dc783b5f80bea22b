"""The `demo-alternatives` preset end to end: English-only MNLI, MNLI with continued multilingual MLM and
half-translated MNLI are trained on the generated world, and the alternatives comparison holds each one's XTREME
score over its cells; the MLM variant's intermediate checkpoint is an encoder like any other."""

import json

import pandas as pd
import pytest
from repo import copy_workflow, run_snakemake
from safetensors import safe_open

from stiltgrid.analysis import read_scores
from stiltgrid.core.paths import CELL_TRAIN_SUMMARY
from stiltgrid.results import scores as S

pytestmark = pytest.mark.slow
MODEL, PRESET = "tiny-ci", "demo-alternatives"
KINDS = {"mnli": "english", "mnli-mlm": "mlm", "mnli-mix": "translate"}


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = copy_workflow(tmp_path_factory.mktemp("alternatives"))
    run_snakemake(work, "--cores", "2", "--config", f"preset={PRESET}")
    return work


def test_table_holds_the_xtreme_score_of_each_intermediates_cells(work):
    out = work / "results" / MODEL / "analysis" / PRESET / "alternatives"
    table = pd.read_csv(out / "table.tsv", sep="\t").set_index("intermediate")
    assert list(table.index) == list(KINDS) and table["kind"].to_dict() == KINDS
    scores = read_scores(work / "results" / MODEL / "tables" / PRESET / "scores.tsv")
    for name in KINDS:
        official = S.xtreme_scores(
            scores[scores["intermediate"] == name], task_languages={t: None for t in ("xnli", "udpos", "tatoeba")}
        )
        tasks = [t for t in official.columns if t in ("xnli", "udpos", "tatoeba")]
        assert len(tasks) == 3 and table.loc[name, "n_tasks"] == 3
        assert table.loc[name, "xtreme_mean"] == pytest.approx(official[tasks].mean(axis=1).mean(), abs=1e-4)
    reference = table.loc["mnli", "xtreme_mean"]
    for name in ("mnli-mlm", "mnli-mix"):
        assert table.loc[name, "difference"] == pytest.approx(table.loc[name, "xtreme_mean"] - reference, abs=1e-4)
    assert sorted(table["rank"]) == [1, 2, 3]
    comparisons = pd.read_csv(out / "comparisons.tsv", sep="\t")
    assert list(comparisons["comparison"]) == ["mnli-mlm vs mnli", "mnli-mix vs mnli", "mnli-mlm vs mnli-mix"]
    summary = (out / "summary.md").read_text()
    assert "Ranking by mean XTREME score over the 3 present tasks" in summary
    assert (out / "table.md").read_text() in summary and (out / "figure.png").stat().st_size > 2000


def test_mlm_variant_records_its_share_and_saves_an_encoder_only(work):
    root = work / "results" / MODEL / "intermediate"
    mlm, plain = root / "mnli-mlm" / "seed1", root / "mnli" / "seed1"
    record = json.loads((mlm / CELL_TRAIN_SUMMARY).read_text())["mlm"]
    assert record["ratio"] == 1.0 and record["languages"] == ["en", "wa", "wb", "ea", "ka"]
    assert record["micro_batches"] in (record["task_micro_batches"], record["task_micro_batches"] - 1)
    assert record["realised_share"] == pytest.approx(0.5, abs=1 / record["task_micro_batches"])
    assert sorted(p.name for p in mlm.iterdir()) == sorted(p.name for p in plain.iterdir())
    with safe_open(str(mlm / "model.safetensors"), "pt") as a, safe_open(str(plain / "model.safetensors"), "pt") as b:
        assert set(a.keys()) == set(b.keys()) and not any("lm_head" in key for key in a.keys())

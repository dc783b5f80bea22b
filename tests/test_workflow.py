"""End to end on the `ci` preset: the grid completes offline, reruns nothing, reruns exactly the stale cells after a
hyper-parameter change, is deterministic, and the tiny MLM transfers across languages."""

import json
import shutil
from collections import Counter

import pandas as pd
import pytest
import yaml
from repo import ROOT, run_snakemake
from repo import planned_jobs as repo_planned_jobs

pytestmark = pytest.mark.slow
MODEL = "tiny-ci"


def snakemake(workdir, *args, check=True):
    return run_snakemake(workdir, *args, "--cores", "2", "--config", "preset=ci", check=check)


def planned_jobs(workdir, *args) -> Counter:
    return repo_planned_jobs(workdir, "--cores", "2", "--config", "preset=ci", *args)


@pytest.fixture(scope="session")
def grid(ci_grid):
    return ci_grid


def ci_config():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    return config


def test_grid_writes_every_aggregate(grid):
    tables = grid / "results" / MODEL / "tables" / "ci"
    for name in ("scores.tsv", "paper_table.tsv", "paper_table.md", "xtreme_score.tsv"):
        assert (tables / name).stat().st_size > 0, name
    assert (grid / "results" / MODEL / "figures" / "ci" / "gains_heatmap.png").stat().st_size > 1000
    assert (tables / "warnings.md").read_text().startswith("# Warnings\n\n")
    scores = pd.read_csv(tables / "scores.tsv", sep="\t")
    assert list(scores.columns) == ["model", "intermediate", "target", "language", "seed", "split", "metric", "value"]
    assert set(scores.split) == {"test"}  # every built-in target has English test data
    config = ci_config()
    ci, demo = config["presets"]["ci"], config["presets"]["demo"]
    cells = scores.groupby(["intermediate", "target"]).language.nunique()
    assert len(cells) == len(ci["intermediate"]) * len(ci["targets"])
    assert cells[("none", "xnli")] == len(ci["languages"])
    assert cells[("none", "tatoeba")] == len(ci["languages"]) - 1  # retrieval pairs every language with English
    assert demo  # the ci preset inherits demo's hyper-parameters


def test_rerun_does_nothing(grid):
    assert planned_jobs(grid) == Counter()


def test_changing_one_intermediate_lr_reruns_exactly_its_cells(grid, tmp_path):
    change = tmp_path / "change.yaml"
    change.write_text(
        yaml.safe_dump({"presets": {"ci": {"training": {"intermediate": {"tasks": {"mnli": {"lr": 0.00042}}}}}}})
    )
    jobs = planned_jobs(grid, "--configfile", str(change))
    ci = ci_config()["presets"]["ci"]
    expected = Counter(
        {
            "train_intermediate": 1,
            "aggregate": 1,
            "export_predictions": 1,
            "results_page": 1,
            "all": 1,
            "evaluate_tatoeba": 1,
            **{f"train_{t}": 1 for t in ci["targets"] if t != "tatoeba"},
        }
    )
    assert jobs == expected
    plan = snakemake(grid, "-n", "--configfile", str(change)).stdout
    outputs = [line.split("output:", 1)[1] for line in plan.splitlines() if line.strip().startswith("output:")]
    cell_outputs = [
        o for o in outputs if not any(part in o for part in ("/tables/", "/figures/", "/export/", "/report/"))
    ]
    assert len(cell_outputs) == sum(expected.values()) - 4  # every planned job but aggregate, export, page and all
    assert all(f"results/{MODEL}/intermediate/mnli/" in o or f"results/{MODEL}/eval/mnli/" in o for o in cell_outputs)


def test_same_seed_twice_gives_identical_metrics(grid, tmp_path):
    work = tmp_path / "grid"  # a copy: the shared grid stays as the run left it for the other modules' tests
    shutil.copytree(grid, work, symlinks=True)
    cell = work / "results" / MODEL / "eval" / "mnli" / "xnli" / "seed1"
    before = {p.name: json.loads(p.read_text()) for p in cell.glob("*.metrics.json")}
    snakemake(work, f"results/{MODEL}/eval/mnli/xnli/seed1", "--forcerun", "train_xnli")
    after = {p.name: json.loads(p.read_text()) for p in cell.glob("*.metrics.json")}
    assert before and before == after


def test_tiny_mlm_transfers_zero_shot(grid):
    """Zero-shot transfer follows the planted distances of the generated world.

    `wa` is English's closest relative (same family and script, half of its word forms identical); `ka` is an isolate
    in another script sharing only digits and names with English. With 100 test examples per language an accuracy
    has a standard error of about 4 points (150 test examples), so the margins below are at least two of them."""
    scores = pd.read_csv(grid / "results" / MODEL / "tables" / "ci" / "scores.tsv", sep="\t")

    def by_language(target, metric):
        rows = scores[(scores.target == target) & (scores.metric == metric)]
        return rows.groupby("language").value.mean()

    nli = by_language("xnli", "accuracy")  # 3 classes: chance is 33.3
    assert nli["wa"] >= 33.3 + 10
    assert nli["wa"] > nli["ka"]
    pos = by_language("udpos", "f1")
    assert pos["en"] >= 80 and pos["wa"] >= 70
    assert pos["wa"] > pos["wb"] > pos["ka"] + 20

"""The selection question's estimates are jobs of the grid (stiltgrid.grid.dag): `demo` plans a text job per candidate
and target and a LogME job per (candidate, labelled target); `ci` plans none; an intermediate's new settings make
exactly its LogME estimates (and what reads them) stale, never the text vectors; `stiltgrid plan --select` prices
the selection offline with consistent figures."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from repo import ROOT, changed, copy_workflow, job_digests, planned_jobs
from test_plan import run_plan

from stiltgrid.grid.args import grid_jobs
from stiltgrid.grid.config import deep_merge, load_grid
from stiltgrid.grid.dag import JobGraph


def config_of(preset: str) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["preset"] = preset
    return config


def rules(preset: str) -> dict:
    graph = JobGraph(config_of(preset), load_grid(config_of(preset)))
    out: dict = {}
    for job in grid_jobs(graph):
        out[job.rule] = out.get(job.rule, 0) + 1
    return out


def test_demo_has_the_estimate_jobs_and_ci_has_none(monkeypatch):
    monkeypatch.chdir(ROOT)
    demo = rules("demo")
    # 10 candidates (every intermediate but none) + 9 targets; 10 x 7 labelled targets (bucc, tatoeba: no labels)
    assert demo["selection_text"] == 19 and demo["selection_logme"] == 70 and demo["analysis_selection"] == 1
    for preset in ("ci", "demo-lora", "demo-alternatives", "paper"):
        assert not {r for r in rules(preset) if "selection" in r}, preset


def test_an_intermediates_settings_make_only_its_logme_stale(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = config_of("demo")
    before = job_digests(config)
    after = job_digests(
        deep_merge(config, {"presets": {"demo": {"training": {"intermediate": {"tasks": {"qqp": {"lr": 0.0005}}}}}}})
    )
    moved = {key for key in changed(before, after) if "selection" in key[0]}
    logme = {key for key in moved if key[0] == "selection_logme"}
    assert {dict(key[1])["intermediate"] for key in logme} == {"qqp"} and len(logme) == 7
    assert moved == logme | {("analysis_selection", (("model", "tiny-demo"),))}
    # a target's data settings reach its own estimates only: the sample size moves every estimate job
    resized = job_digests(deep_merge(config, {"presets": {"demo": {"analysis": {"selection": {"sample": 50}}}}}))
    assert {k for k in changed(before, resized)} == {k for k in before if "selection" in k[0]} | {
        ("results_page", (("model", "tiny-demo"),))
    }


@pytest.mark.slow
def test_snakemake_plans_the_estimates(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    jobs = planned_jobs(work, "--cores", "1", "--config", "preset=demo")
    assert jobs["selection_text"] == 19 and jobs["selection_logme"] == 70 and jobs["analysis_selection"] == 1
    ci = planned_jobs(work, "--cores", "1", "--config", "preset=ci")
    assert not [r for r in ci if "selection" in r]
    shutil.rmtree(work)


def hours(text: str, label: str) -> list[float]:
    line = next(line for line in text.splitlines() if line.strip().startswith(label))
    return [
        float(x.replace(",", ""))
        for x in re.findall(r"(\d[\d,]*\.\d\d) GPU-hours", line) + re.findall(r"(\d[\d,]*\.\d\d)(?= and )", line)
    ]


def test_plan_select_prices_the_saving_offline(tmp_path):
    copy_workflow(tmp_path)
    out = run_plan(
        tmp_path, "--preset", "paper", "--throughput", ROOT / "docs/throughput.example.yaml", "--select", "3"
    )
    lines = {line.strip().split(":")[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "the top 3 of 10 intermediates per target by text_similarity" in out
    assert "cells: 3 per target x 9 targets x 3 seed(s) = 81 cells" in out
    assert "no estimates yet" in out and "bounds: the real saving needs the estimates" in out

    def pair(name):
        values = [float(v.replace(",", "")) for v in re.findall(r"(\d[\d,]*\.\d\d)", lines[name].split(":", 1)[1])]
        return values[:2] if "between" in lines[name] else values[:1] * 2

    estimators = float(re.search(r"= (\d[\d,]*\.\d\d) GPU-hours", lines["estimator jobs"]).group(1))
    full = float(re.search(r"whole grid: (\d[\d,]*\.\d\d)", out).group(1))
    cells, inter, selected, saving = pair("cells"), pair("intermediate trainings"), pair("selected"), pair("saving")
    for n in (0, 1):
        assert selected[n] == pytest.approx(estimators + cells[n] + inter[n], abs=0.015)
    assert saving[0] == pytest.approx(full - selected[1], abs=0.015)
    assert saving[1] == pytest.approx(full - selected[0], abs=0.015)
    assert 0 < saving[0] <= saving[1] < full
    # LogME needs every intermediate trained: no saving there
    logme = run_plan(
        tmp_path,
        "--preset",
        "paper",
        "--throughput",
        ROOT / "docs/throughput.example.yaml",
        "--select",
        "3",
        "--estimator",
        "logme",
    )
    assert "10 intermediate(s) x 3 seed(s) (LogME reads every intermediate checkpoint): 24.68 GPU-hours" in logme
    assert "saving: 73.00 GPU-hours (58% of the grid)" in logme


def test_a_grid_with_one_candidate_is_one_clear_config_error():
    from stiltgrid.grid.config import ConfigError

    config = config_of("demo")
    config["presets"]["demo"]["intermediate"] = ["none", "mnli"]
    with pytest.raises(ConfigError) as err:
        load_grid(config)
    assert str(err.value) == (
        "preset 'demo': analysis.selection: ranks the intermediates of the grid, and "
        "`intermediate` has fewer than two besides none (add some, or set "
        "`analysis: {selection: null}`)"
    )


def test_a_known_ranking_prices_exactly_its_cells_and_trainings(monkeypatch):
    from types import SimpleNamespace

    from stiltgrid.plan import planner as plan

    monkeypatch.chdir(ROOT)
    config = config_of("ci")
    graph = JobGraph(config, load_grid(config))
    cells, trained = plan.gpu_jobs(graph)
    # each cell costs 10 s, 1 s more after squad; a training 100 s (mnli) or 200 s (squad)
    priced = {c: SimpleNamespace(seconds=10.0 + (c[0] == "squad"), job=j) for c, j in cells.items()}
    inter = {k: SimpleNamespace(seconds=100.0 if k[0] == "mnli" else 200.0, job=j) for k, j in trained.items()}
    report = plan.Report(graph, priced, inter, "cpu")
    full = sum(p.seconds for p in priced.values()) + 300.0
    targets = list(graph.grid.targets)
    mnli_first = {t: ["mnli", "squad"] for t in targets}
    sel = plan.selection_cost(report, 1, "text_similarity", 5.0, mnli_first)
    assert sel.exact and sel.n_cells == len(targets) and sel.cells == (10.0 * len(targets),) * 2
    assert sel.intermediates == (100.0, 100.0) and sel.n_intermediates == (1, 1)
    assert sel.selected[0] == 5.0 + 10.0 * len(targets) + 100.0 and sel.saving[0] == full - sel.selected[0]
    # LogME reads every checkpoint: both trainings are paid whatever it picks
    assert plan.selection_cost(report, 1, "logme", 5.0, mnli_first).intermediates == (300.0, 300.0)
    # no ranking: between the cheapest and the dearest candidate per target, and their trainings
    bound = plan.selection_cost(report, 1, "text_similarity", 5.0, None)
    assert not bound.exact and bound.cells == (10.0 * len(targets), 11.0 * len(targets))
    assert bound.intermediates == (100.0, 300.0) and bound.saving == (
        full - bound.selected[1],
        full - bound.selected[0],
    )


def test_a_ranking_is_read_only_from_current_estimates(tmp_path, monkeypatch):
    """Estimates sealed with the grid's current lineage give the ranking; one sealed under other settings (stale)
    makes the planner price bounds again, saying the estimates are stale."""
    import json

    from stiltgrid.grid.lineage import Lineage, manifest_path
    from stiltgrid.plan import planner as plan

    monkeypatch.chdir(ROOT)
    config = config_of("demo")
    graph = JobGraph(config, load_grid(config))
    lineage = Lineage(graph)
    jobs = plan.estimate_jobs(graph, "text_similarity")
    # each task's vector points its own way; mnli's and xnli's coincide: xnli ranks mnli first
    names = {job.settings["name"] for job in jobs}
    axis = {name: i for i, name in enumerate(sorted(names))}
    for job in jobs:
        name = job.settings["name"]
        vector = [0.0] * len(axis)
        vector[axis["mnli" if name == "xnli" else name]] = 1.0
        out = tmp_path / job.outputs[0]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"name": name, "n_train": 100, "vector": vector, "seconds": 1.0}))
        Path(manifest_path(str(out))).write_text(json.dumps({"record": {"digest": lineage.digest(job)}}))
    assert plan.stale_estimates(graph, "text_similarity", tmp_path) == 0
    assert plan.existing_rankings(graph, "text_similarity", tmp_path)["xnli"][0] == "mnli"
    stale = tmp_path / jobs[0].outputs[0]
    Path(manifest_path(str(stale))).write_text(json.dumps({"record": {"digest": "sealed-under-other-settings"}}))
    assert plan.stale_estimates(graph, "text_similarity", tmp_path) == 1
    assert plan.existing_rankings(graph, "text_similarity", tmp_path) is None

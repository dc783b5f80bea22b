"""The job graph's kinds: every output of every job of a preset's grid leads back to the job that writes it through
the registered job kinds (no second map of the DAG to keep in step), and a path no job writes leads nowhere."""

import pytest
import yaml
from repo import ROOT

from stiltgrid.grid.args import grid_jobs
from stiltgrid.grid.config import load_grid
from stiltgrid.grid.dag import JOB_KINDS, JobGraph


def graph_of(preset: str) -> JobGraph:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["preset"] = preset
    return JobGraph(config, load_grid(config))


@pytest.mark.parametrize("preset", ["ci", "demo", "paper", "xtreme-r"])
def test_every_output_leads_back_to_its_job(preset, monkeypatch):
    monkeypatch.chdir(ROOT)
    graph = graph_of(preset)
    jobs = grid_jobs(graph)
    assert jobs
    for job in jobs:
        for output in job.outputs:
            assert graph.producer(output) == job, output
            assert graph.producer(f"{output}/inside/a/directory.json") == job


def test_every_wildcard_rule_is_a_kind_and_foreign_paths_have_no_job(monkeypatch):
    monkeypatch.chdir(ROOT)
    graph = graph_of("ci")
    found = {graph.producer(out).rule for job in grid_jobs(graph) for out in job.outputs}
    assert {
        "generate_world",
        "mlm_checkpoint",
        "train_intermediate",
        "train_xnli",
        "evaluate_tatoeba",
        "aggregate",
    } <= found
    assert len({kind.name for kind in JOB_KINDS}) == len(JOB_KINDS)
    for path in (
        "results/tiny-ci/eval/unknown/xnli/seed1",
        "results/tiny-ci/eval/mnli/xnli/seedX",
        "README.md",
        "resources/data/no-such-dataset/tasks/xnli",
    ):
        assert graph.producer(path) is None, path

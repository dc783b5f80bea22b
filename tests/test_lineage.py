"""The lineage digest (the `lineage` param of every rule) changes for exactly the jobs downstream of a change: every
hyper-parameter key of the schema, the retrieval settings (BUCC-only ones touch BUCC cells only), data edits inside
a sealed task directory, behaviour versions. Computed from the job graph alone, without running Snakemake."""

import os
import shutil

import pytest
import yaml
from repo import ROOT, changed, job_digests

from stiltgrid.core import behaviour
from stiltgrid.core.hparams import defaults
from stiltgrid.grid.config import ANALYSES, deep_merge, load_grid
from stiltgrid.grid.dag import JobGraph
from stiltgrid.grid.lineage import Lineage, seal


def base_config(preset):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["preset"] = preset
    return config


def cell(rule, inter, target):
    return (rule, (("intermediate", inter), ("model", "tiny-ci"), ("seed", "1"), ("target", target)))


def other_value(value):
    if isinstance(value, bool):
        return not value
    if value is None:
        return 7
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 1.5 + 0.01
    return {"auto": "fp32"}[value]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


CI = base_config("ci")["presets"]["ci"]
CI_TARGET_RULES = {"xnli": "train_xnli", "udpos": "train_udpos", "xquad": "train_xquad", "tatoeba": "evaluate_tatoeba"}
AGGREGATE = ("aggregate", (("model", "tiny-ci"),))
EXPORT = ("export_predictions", (("model", "tiny-ci"),))  # reads the dev choice and the cells it may export
PAGE = ("results_page", (("model", "tiny-ci"),))  # shows every cell


@pytest.mark.parametrize("key", sorted(defaults()))
def test_intermediate_hparam_reruns_its_row_only(in_tmp, key):
    config = base_config("ci")
    before = job_digests(config)
    value = other_value(config["presets"]["demo"]["training"]["intermediate"]["defaults"].get(key, defaults()[key]))
    after = job_digests(
        deep_merge(config, {"presets": {"ci": {"training": {"intermediate": {"tasks": {"mnli": {key: value}}}}}}})
    )
    inter = ("train_intermediate", (("intermediate", "mnli"), ("model", "tiny-ci"), ("seed", "1")))
    cells = {cell(CI_TARGET_RULES[t], "mnli", t) for t in CI["targets"]}
    assert changed(before, after) == {inter, AGGREGATE, EXPORT, PAGE} | cells


@pytest.mark.parametrize("key", sorted(defaults()))
def test_target_hparam_reruns_its_column_only(in_tmp, key):
    config = base_config("ci")
    before = job_digests(config)
    target = config["presets"]["demo"]["training"]["target"]
    value = other_value({**defaults(), **target["defaults"], **target.get("tasks", {}).get("udpos", {})}[key])
    after = job_digests(
        deep_merge(config, {"presets": {"ci": {"training": {"target": {"tasks": {"udpos": {key: value}}}}}}})
    )
    assert changed(before, after) == (
        {AGGREGATE, EXPORT, PAGE} | {cell("train_udpos", i, "udpos") for i in CI["intermediate"]}
    )


@pytest.mark.parametrize(
    "key,value,targets",
    [
        ("layer", 1, {"bucc", "tatoeba"}),
        ("pooling", "cls", {"bucc", "tatoeba"}),
        ("max_length", 48, {"bucc", "tatoeba"}),
        ("batch_size", 64, {"bucc", "tatoeba"}),
        ("margin_k", 5, {"bucc"}),
        ("mining", "bf16", {"bucc"}),
        ("tatoeba_query", "xx", {"tatoeba"}),
        ("layer", -1, {"bucc", "tatoeba"}),
    ],
)
def test_retrieval_setting_reruns_the_cells_that_use_it(in_tmp, key, value, targets):
    config = base_config("demo")
    before = job_digests(config)
    after = job_digests(deep_merge(config, {"presets": {"demo": {"retrieval": {key: value}}}}))
    grid = load_grid(config)
    cells = {
        (f"evaluate_{t}", (("intermediate", i), ("model", "tiny-demo"), ("seed", "1"), ("target", t)))
        for i, t in {(i, t) for i in grid.intermediates for t in grid.targets} | set(grid.analysis_cells())
        if t in targets
    }
    analyses = {
        (f"analysis_{q}", (("model", "tiny-demo"),))
        for q in ANALYSES
        if q in grid.analysis() and any(t in targets for _, t in grid.analysis_cells(q))
    }
    grid_wide = {(rule, (("model", "tiny-demo"),)) for rule in ("aggregate", "export_predictions", "results_page")}
    assert changed(before, after) == cells | analyses | grid_wide


def test_behaviour_version_makes_its_phase_stale(in_tmp, monkeypatch):
    config = base_config("ci")
    before = job_digests(config)
    monkeypatch.setitem(behaviour.VERSIONS, "retrieval", behaviour.VERSIONS["retrieval"] + 1)
    after = job_digests(config)
    cells = {cell("evaluate_tatoeba", i, "tatoeba") for i in CI["intermediate"]}
    assert changed(before, after) == {AGGREGATE, EXPORT, PAGE} | cells


def _sealed_task_dir(config, task):
    """A generated task directory as `generate_world` leaves it: written, then sealed with the world job's lineage."""
    graph = JobGraph(config, load_grid(config))
    job = graph.world("world-ci")
    for out in job.outputs:
        if "." in os.path.basename(out):
            os.makedirs(os.path.dirname(out), exist_ok=True)
            open(out, "w").write("x\n")
        else:
            os.makedirs(out, exist_ok=True)
            open(os.path.join(out, "train.jsonl"), "w").write('{"id": "1"}\n{"id": "2"}\n')
    lineage = Lineage(graph).param(job)
    seal(list(job.outputs), lineage, job.settings)
    return graph.task_dir(task)


def test_editing_generated_data_reruns_that_tasks_cells_only(in_tmp):
    config = base_config("ci")
    udpos = _sealed_task_dir(config, "udpos")
    before = job_digests(config)
    path = os.path.join(udpos, "train.jsonl")
    os.utime(path, ns=(1, 1))  # a touch is no edit: the content is hashed again and found unchanged
    assert changed(before, job_digests(config)) == set()
    with open(path, "a") as handle:
        handle.write('{"id": "3"}\n')
    expected = {AGGREGATE, EXPORT, PAGE} | {cell("train_udpos", i, "udpos") for i in CI["intermediate"]}
    assert changed(before, job_digests(config)) == expected
    shutil.copy(path, path + ".bak")
    with open(path, "w") as handle:  # one line edited, same length
        handle.write('{"id": "1"}\n{"id": "9"}\n')
    assert changed(before, job_digests(config)) == expected

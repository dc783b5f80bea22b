"""Multi-task samplers (preset `multitask.sampling`, jiant's proportional, uniform, temperature and capped): the
realised task proportions of a schedule match the configured ones, schedules are pure functions of the seed, the
proportional schedule is the one trained before samplers existed, and the sampler reaches the job's settings, its
lineage and its training summary."""

import copy
import hashlib
import json

import pytest
import torch
import toy
import yaml
from repo import ROOT

from stiltgrid.core.hparams import TrainConfig
from stiltgrid.engine import trainer
from stiltgrid.formats import get_format
from stiltgrid.grid.args import grid_jobs
from stiltgrid.grid.config import ConfigError, load_grid
from stiltgrid.grid.dag import JobGraph
from stiltgrid.grid.lineage import Lineage
from stiltgrid.tasks import get_task

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())


def toy_lengths():
    """Three tasks of 2000, 600 and 150 training features, lengths 4-89."""
    g = torch.Generator().manual_seed(0)
    return {
        name: [int(x) for x in torch.randint(4, 90, (n,), generator=g)]
        for name, n in (("a", 2000), ("b", 600), ("c", 150))
    }


CFG = TrainConfig(batch_size=16, epochs=2.5, seed=11)
N = 125 * 2 + 38 * 2 + 10 * 2 + 62 + 19 + 5  # 2.5 epochs of 125 + 38 + 10 batches: the proportional run's length

SAMPLERS = [
    # (sampling, configured proportions worked out by hand from n = 2000, 600, 150)
    ({"kind": "proportional"}, {"a": 2000 / 2750, "b": 600 / 2750, "c": 150 / 2750}),
    ({"kind": "uniform"}, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}),
    (
        {"kind": "temperature", "temperature": 2.0},
        {k: v / (2000**0.5 + 600**0.5 + 150**0.5) for k, v in (("a", 2000**0.5), ("b", 600**0.5), ("c", 150**0.5))},
    ),
    (
        {"kind": "temperature", "temperature": 3.0, "examples_cap": 1000},
        {
            k: v / (1000 ** (1 / 3) + 600 ** (1 / 3) + 150 ** (1 / 3))
            for k, v in (("a", 1000 ** (1 / 3)), ("b", 600 ** (1 / 3)), ("c", 150 ** (1 / 3)))
        },
    ),
    ({"kind": "capped", "examples_cap": 500}, {"a": 500 / 1150, "b": 500 / 1150, "c": 150 / 1150}),
]


@pytest.mark.parametrize("sampling,expected", SAMPLERS, ids=[json.dumps(s) for s, _ in SAMPLERS])
def test_realised_proportions_are_the_configured_ones(sampling, expected):
    lengths = toy_lengths()
    configured = trainer.sampling_probabilities({k: len(v) for k, v in lengths.items()}, sampling)
    assert configured == pytest.approx(expected, abs=1e-12)
    schedule = trainer.build_schedule(lengths, CFG, sampling)
    assert len(schedule) == N  # every sampler trains as long as the proportional run
    realised = trainer.task_proportions(schedule, lengths)
    for name in lengths:
        assert abs(realised[name] - configured[name]) < 0.01, (name, realised, configured)
    if sampling["kind"] != "proportional":  # quota sampling: within one batch of p * N
        for name in lengths:
            assert abs(realised[name] * N - configured[name] * N) <= 1


@pytest.mark.parametrize("sampling", [s for s, _ in SAMPLERS[1:]], ids=[json.dumps(s) for s, _ in SAMPLERS[1:]])
def test_sampled_schedules_are_seeded_and_pass_through_each_tasks_data(sampling):
    lengths = toy_lengths()
    schedule = trainer.build_schedule(lengths, CFG, sampling)
    assert schedule == trainer.build_schedule(lengths, CFG, sampling)
    assert schedule != trainer.build_schedule(lengths, TrainConfig(**{**CFG.__dict__, "seed": 12}), sampling)
    for name, task_lengths in lengths.items():
        seen = [i for n, batch in schedule if n == name for i in batch]
        passes, rest = divmod(len(seen), len(task_lengths))
        counts = torch.bincount(torch.tensor(seen), minlength=len(task_lengths))
        # every example is seen once per whole pass; the last, partial pass adds each at most once
        assert int(counts.min()) >= passes and int(counts.max()) <= passes + (1 if rest else 0)


def test_proportional_schedule_is_unchanged():
    """Digests of the schedules build_schedule gave before the samplers existed: proportional multi-task runs train
    exactly the batches they trained before (with the sampler named, or not)."""
    lengths = toy_lengths()
    pinned = {False: "180887546b9db7d0", True: "ca96a37a62b4dc94"}
    for grouping, digest in pinned.items():
        cfg = TrainConfig(**{**CFG.__dict__, "length_grouping": grouping})
        for sampling in (None, {"kind": "proportional"}):
            schedule = trainer.build_schedule(lengths, cfg, sampling)
            assert hashlib.sha256(json.dumps(schedule).encode()).hexdigest()[:16] == digest


def multitask_config(**multitask):
    config = copy.deepcopy(CONFIG)
    config["preset"] = "ci"
    config["presets"]["ci"]["intermediate"] = ["none", "mnli", "multitask"]
    config["presets"]["ci"]["multitask"] = {"tasks": ["mnli", "squad", "ccg"], **multitask}
    return config


def test_the_multitask_job_is_told_its_sampler():
    config = multitask_config(sampling="temperature", temperature=2.0, examples_cap=400)
    graph = JobGraph(config, load_grid(config))
    assert graph.intermediate("tiny-ci", "multitask", 1).settings["sampling"] == {
        "kind": "temperature",
        "temperature": 2.0,
        "examples_cap": 400,
    }
    assert "sampling" not in graph.intermediate("tiny-ci", "mnli", 1).settings  # one task: nothing to sample
    default = multitask_config()
    sampling = JobGraph(default, load_grid(default)).intermediate("tiny-ci", "multitask", 1).settings["sampling"]
    assert sampling == {"kind": "proportional"}


def test_changing_the_sampler_reruns_the_multitask_row_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def digests(config):
        graph = JobGraph(config, load_grid(config))
        lineage = Lineage(graph)
        return {Lineage.key(job): lineage.digest(job) for job in grid_jobs(graph)}

    before, after = digests(multitask_config()), digests(multitask_config(sampling="uniform"))
    changed = {key for key in before if before[key] != after[key]}
    grid_wide = ("aggregate", "export_predictions", "results_page")
    assert changed and all(dict(wc).get("intermediate") == "multitask" or rule in grid_wide for rule, wc in changed)
    assert ("train_intermediate", (("intermediate", "multitask"), ("model", "tiny-ci"), ("seed", "1"))) in changed


@pytest.mark.parametrize(
    "multitask,message",
    [
        ({"sampling": "temperature"}, "multitask.temperature is required by sampling 'temperature'"),
        ({"sampling": "capped"}, "multitask.examples_cap is required by sampling 'capped'"),
        ({"sampling": "uniform", "temperature": 2.0}, "multitask.temperature does nothing with sampling 'uniform'"),
        ({"examples_cap": 100}, "multitask.examples_cap does nothing with sampling 'proportional'"),
        (
            {"sampling": "temperature", "temperature": 0},
            "multitask.temperature: 0 is less than or equal to the minimum",
        ),
    ],
)
def test_sampler_parameters_are_checked(multitask, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_grid(multitask_config(**multitask))


def test_an_inherited_parameter_can_be_dropped_with_null():
    config = multitask_config(sampling="temperature", temperature=2.0)
    config["presets"]["t"] = {"inherit": "ci", "multitask": {"sampling": "uniform", "temperature": None}}
    config["preset"] = "t"
    assert load_grid(config).multitask_sampling() == {"kind": "uniform"}


def test_training_summary_states_configured_and_realised_proportions(tmp_path):
    encoder = toy.xlmr_dir(tmp_path)
    data = {
        "sst2": (toy.sentiment(96, 1), toy.sentiment(16, 2)),
        "udpos": (toy.tagging(32, 3), toy.tagging(16, 4)),
        "squad": (toy.qa(16, 5), toy.qa(8, 6)),
    }
    tasks = {}
    for name, (train, dev) in data.items():
        task = get_task(name)
        tasks[name] = trainer.TaskData(task, train, dev, get_format(task.format).label_list(task, train, dev))
    cfg = TrainConfig(
        lr=3e-3, epochs=1, batch_size=8, eval_every=100, patience=50, max_length=64, doc_stride=16, seed=3
    )
    summary = trainer.fit(tasks, str(encoder), cfg, str(tmp_path / "ckpt"), {"kind": "uniform"}).summary
    sampling = summary["sampling"]
    features = sampling["training_features"]
    assert features["sst2"] == 96 and features["udpos"] == 32 and features["squad"] >= 16
    total = sum(-(-n // 8) for n in features.values())  # the proportional run's batches: 12 + 4 + squad's
    assert sampling["micro_batches"] == summary["steps"] == total
    assert sampling["kind"] == "uniform" and sampling["configured"] == {n: round(1 / 3, 6) for n in sorted(data)}
    for name in data:
        assert abs(sampling["realised"][name] - 1 / 3) <= 1 / total + 1e-6
    single = trainer.fit({"sst2": tasks["sst2"]}, str(encoder), cfg, str(tmp_path / "ckpt1")).summary
    assert "sampling" not in single  # single-task summaries are as before

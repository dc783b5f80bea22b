"""The `tuning` setting in the grid (stiltgrid.grid.config, stiltgrid.grid.dag): `full`, written or not, leaves every
job as it was; LoRA settings enter the lineage of exactly the jobs they train and everything below them; bad settings
are one line naming the key. Computed from the job graph alone, without running Snakemake."""

import pytest
import yaml
from repo import ROOT, changed, job_digests

from stiltgrid.grid.args import grid_jobs
from stiltgrid.grid.config import ConfigError, deep_merge, load_grid
from stiltgrid.grid.dag import JobGraph

MODEL = "tiny-ci"
AGGREGATE = ("aggregate", (("model", MODEL),))
PAGE = ("results_page", (("model", MODEL),))  # the results page shows every cell
EXPORT = ("export_predictions", (("model", MODEL),))


def base_config(preset):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["preset"] = preset
    return config


def cells(inter, targets, seeds=(1,)):
    rules = {"tatoeba": "evaluate_tatoeba"}
    return {
        (rules.get(t, f"train_{t}"), (("intermediate", inter), ("model", MODEL), ("seed", str(s)), ("target", t)))
        for t in targets
        for s in seeds
    }


def intermediates(inter, seeds=(1,)):
    return {("train_intermediate", (("intermediate", inter), ("model", MODEL), ("seed", str(s)))) for s in seeds}


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("preset", ["ci", "demo-alternatives"])
def test_full_written_out_changes_no_job(in_tmp, preset):
    """`tuning: full` is the default: written at every level it leaves every digest as it is, and no job of a grid
    without LoRA carries a tuning setting or runs the lora phase (their identities are those from before LoRA)."""
    config = base_config(preset)
    before = job_digests(config)
    full = {"tuning": "full"}
    spelled = deep_merge(
        config,
        {
            "presets": {
                preset: {
                    "training": {
                        "intermediate": {
                            "defaults": full,
                            "tasks": {"mnli": full, "squad": {"tuning": {"method": "full"}}},
                        },
                        "target": {"defaults": full, "tasks": {"xnli": full}},
                    }
                }
            }
        },
    )
    assert changed(before, job_digests(spelled)) == set()
    grid = load_grid(config)
    for job in grid_jobs(JobGraph(config, grid)):
        assert "tuning" not in job.settings and "lora" not in job.phases
        if job.rule.startswith(("train_", "evaluate_")):  # (a variant's data job names its base task's data `base`)
            assert "base" not in job.inputs
        assert "tuning" not in job.settings.get("hparams", {})


def test_rank_change_reruns_exactly_the_lora_intermediate_and_its_cells(in_tmp):
    config = base_config("demo-lora")
    before = job_digests(config)
    after = job_digests(deep_merge(config, {"variants": {"mnli-lora": {"tuning": {"rank": 4}}}}))
    seeds = (1, 2)
    expected = (
        intermediates("mnli-lora", seeds)
        | cells("mnli-lora", ("xnli", "udpos", "tatoeba"), seeds)
        | {AGGREGATE, PAGE, EXPORT, ("analysis_tuning", (("model", MODEL),))}
    )
    assert changed(before, after) == expected


def test_target_lora_reruns_that_targets_cells_only(in_tmp):
    config = base_config("ci")
    before = job_digests(config)
    after = job_digests(
        deep_merge(
            config,
            {
                "presets": {
                    "ci": {"training": {"target": {"tasks": {"xnli": {"tuning": {"method": "lora", "rank": 4}}}}}}
                }
            },
        )
    )
    assert changed(before, after) == cells("none", ["xnli"]) | cells("mnli", ["xnli"]) | cells("squad", ["xnli"]) | {
        AGGREGATE,
        PAGE,
        EXPORT,
    }


def test_lora_intermediates_rerun_their_rows_and_cells_read_the_base_encoder(in_tmp):
    config = base_config("ci")
    before = job_digests(config)
    lora = deep_merge(config, {"presets": {"ci": {"training": {"intermediate": {"defaults": {"tuning": "lora"}}}}}})
    targets = ("xnli", "udpos", "xquad", "tatoeba")
    assert changed(before, job_digests(lora)) == (
        intermediates("mnli")
        | intermediates("squad")
        | cells("mnli", targets)
        | cells("squad", targets)
        | {AGGREGATE, PAGE, EXPORT}
    )
    graph = JobGraph(lora, load_grid(lora))
    inter = graph.intermediate(MODEL, "mnli", 1)
    assert inter.settings["tuning"] == {
        "method": "lora",
        "rank": 8,
        "alpha": 16,
        "dropout": 0.1,
        "modules": ["query", "value"],
    } and inter.phases == ("finetune", "lora")
    for target in targets:
        job = graph.cell(MODEL, "mnli", target, 1)
        assert job.inputs["base"] == f"resources/models/{MODEL}" and "lora" in job.phases
        assert "tuning" not in job.settings  # the target itself trains in full
        assert "base" not in graph.cell(MODEL, "none", target, 1).inputs


@pytest.mark.parametrize(
    "override, message",
    [
        (
            {
                "presets": {
                    "ci": {"training": {"intermediate": {"defaults": {"tuning": {"method": "lora", "rank": 0}}}}}
                }
            },
            r"training.intermediate.defaults.tuning.rank: 0 is less than the minimum of 1",
        ),
        (
            {"presets": {"ci": {"training": {"target": {"tasks": {"xnli": {"tuning": {"rank": 4}}}}}}}},
            r"preset 'ci': training.target.tasks.xnli.tuning: rank only apply to `method: lora`",
        ),
        (
            {"presets": {"ci": {"training": {"target": {"defaults": {"tuning": "adapters"}}}}}},
            r"training.target.defaults.tuning: 'adapters' is not one of \['full', 'lora'\]",
        ),
    ],
)
def test_bad_tuning_is_one_line_naming_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        load_grid(deep_merge(base_config("ci"), override))


def test_a_variant_may_change_only_how_it_trains():
    grid = load_grid(base_config("demo-lora"))
    assert grid.intermediate_kind("mnli-lora") == "lora" and grid.intermediate_tasks("mnli-lora") == ["mnli"]
    assert grid.tuning("intermediate", "mnli") is None
    assert grid.hparams("intermediate", "mnli-lora")["lr"] == 0.003  # its own override over its base task's

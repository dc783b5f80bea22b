"""Config validation: every bad name gets a one-line error naming it; presets resolve with inheritance."""

import copy
import subprocess
import sys

import pytest
import yaml
from repo import ROOT

from stiltgrid.grid.config import ConfigError, load_grid

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())


def with_changes(preset="demo", **changes):
    config = copy.deepcopy(CONFIG)
    config["preset"] = preset
    config["presets"][preset].update(changes)
    return config


def test_default_preset_is_demo_and_covers_the_full_grid():
    grid = load_grid(copy.deepcopy(CONFIG))
    assert grid.preset == "demo"
    assert set(grid.intermediates) >= {
        "none",
        "multitask",
        "mnli",
        "squad",
        "hellaswag",
        "anli",
        "qqp",
        "cosmosqa",
        "commonsenseqa",
        "ccg",
        "sst2",
    }
    assert grid.trained_targets == ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa")
    assert grid.retrieval_targets == ("bucc", "tatoeba")
    assert "en" not in grid.languages("tatoeba") and "en" in grid.languages("xnli")


def test_ci_inherits_demo_and_overrides():
    grid = load_grid(with_changes("ci"))
    assert grid.model_name == "tiny-ci"
    assert grid.spec["retrieval"] == {**CONFIG["presets"]["demo"]["retrieval"], "tatoeba_query": "en"}  # + default
    assert grid.hparams("target", "xnli")["lr"] == CONFIG["presets"]["demo"]["training"]["target"]["defaults"]["lr"]


def test_task_overrides_beat_phase_defaults():
    grid = load_grid(with_changes("paper"))
    assert grid.hparams("target", "udpos")["epochs"] == 10
    assert grid.hparams("target", "xquad")["max_length"] == 384
    assert grid.hparams("target", "xnli")["max_length"] == 256


def test_paper_uses_official_language_lists():
    grid = load_grid(with_changes("paper"))
    assert len(grid.languages("xnli")) == 15 and len(grid.languages("panx")) == 40
    assert grid.languages("bucc") == ["de", "fr", "ru", "zh"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"preset": "nope"}, "unknown preset 'nope'"),
        ({"intermediate": ["none", "mnlii"]}, "unknown intermediate task 'mnlii'"),
        ({"targets": ["xnli", "xcopa-typo"]}, "unknown target task 'xcopa-typo'"),
        ({"languages": ["en", "zz"]}, "unknown language 'zz'"),
        ({"model": "gpt"}, "unknown model 'gpt'"),
        ({"colour": "blue"}, "unknown key 'colour'"),
    ],
)
def test_bad_names_are_named(change, message):
    config = copy.deepcopy(CONFIG)
    if "preset" in change:
        config["preset"] = change["preset"]
    else:
        config["presets"]["demo"].update(change)
    with pytest.raises(ConfigError, match=message):
        load_grid(config)


def test_unknown_hyperparameter_is_named():
    config = copy.deepcopy(CONFIG)
    config["presets"]["demo"]["training"]["target"]["defaults"]["learning_rate"] = 1
    with pytest.raises(ConfigError, match="unknown key 'learning_rate'"):
        load_grid(config)


def test_snakemake_prints_one_line_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--config", "preset=nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert errors == [f"config error: unknown preset 'nope' (known: {', '.join(sorted(CONFIG['presets']))})"]
    assert result.stderr.rstrip().endswith(errors[0])
    assert "Traceback" not in result.stdout + result.stderr and 'File "' not in result.stderr


def test_schema_defaults_fill_the_resolved_preset_without_overriding_parents():
    config = copy.deepcopy(CONFIG)
    del config["presets"]["demo"]["threads"]
    config["presets"]["ci"]["retrieval"] = {"pooling": "cls"}
    config["preset"] = "ci"
    grid = load_grid(config)
    assert grid.threads("train") == 1  # schema default
    # parent kept, schema default added
    assert grid.retrieval() == {**CONFIG["presets"]["demo"]["retrieval"], "pooling": "cls", "tatoeba_query": "en"}
    assert grid.spec["multitask"]["sampling"] == "proportional"


def test_schema_hyper_parameters_are_the_trainer_config():
    """The hyper-parameter set is written once: the schema's keys are TrainConfig's fields (the seed is a wildcard)."""
    import yaml

    from stiltgrid.core.hparams import OPT_IN, defaults
    from stiltgrid.grid.config import SCHEMA

    schema = yaml.safe_load(SCHEMA.read_text())
    # plus `tuning`, resolved on its own (Grid.tuning, stiltgrid.engine.lora), and the opt-in settings (hparams.OPT_IN)
    assert set(schema["definitions"]["hparams"]["properties"]) == set(defaults()) | set(OPT_IN) | {"tuning"}


def test_yaml_booleans_as_keys_say_to_quote_them():
    """Norwegian `no` unquoted is YAML's False, as a value (the schema's error says to quote it) and as a key."""
    config = with_changes("ci")
    config["datasets"]["world-ci"]["world"] = {"languages": {False: {"family": "north"}}}
    with pytest.raises(ConfigError) as err:
        load_grid(config)
    assert str(err.value) == (
        "datasets.world-ci.world.languages: key False (YAML reads unquoted yes/no/on/off/true/"
        "false as booleans: quote a language code such as Norwegian 'no')"
    )


def test_a_task_without_data_in_the_dataset_is_rejected(declared_registry):
    from dataclasses import replace

    from stiltgrid.tasks import get_task, register

    register(replace(get_task("mnli"), name="mnli_hub_only", world=None))
    with pytest.raises(ConfigError, match="task 'mnli_hub_only' has no data in dataset 'world-ci'.*world="):
        load_grid(with_changes("ci", intermediate=["none", "mnli_hub_only"]))

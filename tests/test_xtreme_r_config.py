"""The XTREME-R presets: `xtreme-r` resolves `languages: official` to XTREME-R's lists (less what the hub has no
source for), `demo-r` runs the new tasks offline; query/pool retrieval keeps English as a query language."""

import copy

import pytest
import yaml
from repo import ROOT

from stiltgrid.data.xtreme import XTREME_R, task_languages
from stiltgrid.grid.config import ConfigError, load_grid, official_languages

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())


def grid(preset, **changes):
    config = copy.deepcopy(CONFIG)
    config["preset"] = preset
    config["presets"][preset].update(changes)
    return load_grid(config)


def test_xtreme_r_preset_uses_xtreme_r_lists():
    g = grid("xtreme-r")
    assert g.model_name == "xlm-roberta-large" and g.dataset["source"] == "hub" and g.spec["benchmark"] == "xtreme-r"
    assert g.targets == ("xnli", "xcopa", "udpos", "panx", "xquad", "mlqa", "tydiqa", "tatoeba", "mewslix", "lareqa")
    assert g.retrieval_targets == ("tatoeba", "mewslix", "lareqa")
    assert g.languages("xcopa") == list(task_languages("xcopa", XTREME_R))
    assert len(g.languages("panx")) == 48 and "ro" in g.languages("xquad")
    assert "en" in g.languages("mewslix") and "en" in g.languages("lareqa")  # queries in English too
    assert "en" not in g.languages("tatoeba")
    # the hub has no source for these XTREME-R additions: left out, and said so
    assert g.unavailable_languages("udpos") == ["lt", "pl", "uk", "wo", "ro"]
    assert g.unavailable_languages("tatoeba") == ["az", "lt", "pl", "uk", "ro"]
    assert len(g.languages("udpos")) == 33 and len(g.languages("tatoeba")) == 36
    assert g.hparams("target", "xcopa")["lr"] == 3.0e-5 and g.hparams("target", "xcopa")["epochs"] == 5
    assert g.hparams("target", "udpos")["epochs"] == 10  # the paper's hyper-parameters otherwise


def test_paper_keeps_xtreme_lists():
    g = grid("paper")
    assert g.spec["benchmark"] == "xtreme" and len(g.languages("panx")) == 40 and "ro" not in g.languages("xquad")
    assert all(not g.unavailable_languages(t) for t in g.targets)


def test_demo_r_runs_the_new_tasks_on_the_world():
    g = grid("demo-r")
    assert {"xcopa", "lareqa", "mewslix"} <= set(g.targets) and g.intermediates == ("none", "squad")
    assert g.trained_targets == ("xnli", "xcopa", "udpos")
    assert g.languages("lareqa") == CONFIG["presets"]["demo"]["languages"]
    assert "en" not in g.languages("tatoeba")


def test_official_languages_fall_back_to_the_other_benchmark():
    assert official_languages("xcopa") == task_languages("xcopa", XTREME_R)
    assert official_languages("bucc", "xtreme-r") == task_languages("bucc2018")
    assert len(official_languages("udpos", "xtreme-r")) == 38 and len(official_languages("udpos")) == 33


def test_bad_benchmark_is_named():
    with pytest.raises(ConfigError, match=r"presets.demo-r.benchmark: 'xtreme3' is not one of"):
        grid("demo-r", benchmark="xtreme3")

"""Q1 on synthetic scores: a family with a planted loss from mixing is found; pure noise shows no effect."""

import json

import pandas as pd
import pytest
from analysis_data import REAL, WORLD, tidy_scores, zero

from stiltgrid.analysis import families

FAST = {"n_boot": 1000, "n_perm": 2000, "seed": 0}


def _all_targets(result, comparison="mnli-mix50 vs mnli"):
    table = result.table
    return table[(table["comparison"] == comparison) & (table["target"] == "all")].set_index("family")


def test_real_table_finds_the_family_that_loses(tmp_path):
    effect = lambda lang, target: -4.0 if lang["family"] == "Austronesian" else 1.5  # noqa: E731
    scores = tidy_scores(
        REAL, {"mnli": zero, "mnli-mix50": effect}, seed=11, targets=("xnli", "udpos", "xquad", "tatoeba")
    )
    result = families.analyse(scores, languages=REAL, comparisons=[("mnli-mix50", "mnli")], **FAST)
    rows = _all_targets(result)
    worst = rows.loc["Austronesian"]
    assert worst["mean_gain"] == pytest.approx(-4.0, abs=0.5) and worst["ci_high"] < 0 and worst["significant"]
    assert worst["n_languages"] == 4 and rows.loc["all", "n_languages"] == 49  # English excluded
    assert rows.loc["Indo-European", "significant"] and rows.loc["Indo-European", "ci_low"] > 0
    facts = result.facts["comparisons"][0]
    assert facts["worst_family"]["family"] == "Austronesian" and facts["worst_family"]["significant"]
    assert facts["spread"] == pytest.approx(5.5, abs=0.8)
    assert not rows.loc["Japonic", "significant"]  # one language: never called significant
    per_target = result.table[(result.table["target"] == "xnli") & (result.table["family"] == "Austronesian")]
    assert len(per_target) == 1 and per_target["n_pairs"].iloc[0] == 4

    paths = families.write(result, tmp_path / "q1")
    for name in ("table", "figure", "summary", "gains", "facts"):
        assert (tmp_path / "q1").joinpath(paths[name].rsplit("/", 1)[-1]).stat().st_size > 100
    summary = (tmp_path / "q1" / "summary.md").read_text()
    assert "49 languages" in summary and "Worst family: Austronesian (4 languages)" in summary
    assert "significant loss" in summary
    facts = json.loads((tmp_path / "q1" / "facts.json").read_text())
    assert facts["question"] == "families" and facts["facts"]["comparisons"][0]["n_languages"] == 49
    written = pd.read_csv(paths["table"], sep="\t")
    assert set(written["family"]) >= {"all", "Austronesian"} and len(written) == len(result.table)


def test_world_table_with_two_languages_per_family():
    effect = lambda lang, target: -3.0 if lang["family"] == "eastic" else 1.0  # noqa: E731
    scores = tidy_scores(WORLD, {"mnli": zero, "mnli-mix50": effect}, seed=3)
    result = families.analyse(scores, languages=WORLD, comparisons=[["mnli-mix50", "mnli"]], **FAST)
    rows = _all_targets(result)
    assert rows.loc["eastic", "significant"] and rows.loc["eastic", "ci_high"] < 0
    assert rows.loc["eastic", "n_languages"] == 2 and rows.loc["kartic", "n_languages"] == 1
    assert not rows.loc["kartic", "significant"]
    assert result.facts["comparisons"][0]["worst_family"]["family"] == "eastic"
    assert "7 languages in 4 families" in result.summary


def test_noise_gives_no_significant_effect():
    scores = tidy_scores(WORLD, {"mnli": zero, "mnli-mix50": zero}, seed=5)
    result = families.analyse(scores, languages=WORLD, comparisons=[("mnli-mix50", "mnli")], **FAST)
    rows = _all_targets(result)
    assert not rows["significant"].any()
    assert rows.loc["all", "ci_low"] < 0 < rows.loc["all", "ci_high"]
    facts = result.facts["comparisons"][0]
    assert not facts["significant"] and not facts["significant_families"]
    assert "no significant effect" in result.summary and "No family shows a significant effect" in result.summary
    assert "7 languages" in result.summary


def test_input_errors():
    scores = tidy_scores(WORLD, {"mnli": zero}, targets=("xnli",))
    with pytest.raises(ValueError, match="mnli-mix50"):
        families.analyse(scores, languages=WORLD, comparisons=[("mnli-mix50", "mnli")])
    with pytest.raises(ValueError, match="pair"):
        families.analyse(scores, languages=WORLD, comparisons=["mnli"])
    with pytest.raises(KeyError, match="wa"):
        families.analyse(
            tidy_scores(WORLD, {"a": zero, "b": zero}, targets=("xnli",)),
            languages=WORLD.drop(index="wa"),
            comparisons=[("a", "b")],
        )

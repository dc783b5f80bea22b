"""Q2 on synthetic scores: a planted larger gain in the low stratum is found; missing volume is its own stratum."""

import math

import pytest
from analysis_data import REAL, WORLD, tidy_scores, zero

from stiltgrid.analysis import low_resource

FAST = {"n_boot": 1000, "n_perm": 2000, "seed": 0}
REAL_STRATA = {"column": "pretrain_gib", "low_below": 5, "high_from": 50}
WORLD_STRATA = {"column": "pretrain_gib", "low_below": 0.05, "high_from": 0.12}


def augmentation(low, mid, high, unknown):
    def effect(lang, target):
        volume = lang["pretrain_gib"]
        if math.isnan(volume):
            return unknown
        return low if volume < 5 else mid if volume < 50 else high

    return effect


def _rows(result, comparison):
    table = result.table
    return table[(table["comparison"] == comparison) & (table["target"] == "all")].set_index("stratum")


def test_real_table_low_stratum_gains_more(tmp_path):
    scores = tidy_scores(REAL, {"mnli": zero, "mnli-aug": augmentation(3.0, 1.0, 0.0, 0.5)}, seed=21)
    result = low_resource.analyse(
        scores,
        languages=REAL,
        comparisons=[("mnli-aug", "mnli")],
        strata=REAL_STRATA,
        targets=("xnli", "udpos", "xquad", "tatoeba"),
        **FAST,
    )
    rows = _rows(result, "mnli-aug vs mnli")
    assert rows.loc["low", "mean_gain"] == pytest.approx(3.0, abs=0.5) and rows.loc["low", "significant"]
    assert not rows.loc["high", "significant"] and rows.loc["high", "ci_low"] < 0 < rows.loc["high", "ci_high"]
    contrast = rows.loc["low - high"]
    assert contrast["ci_low"] > 0 and contrast["significant"]
    # the four languages outside XLM-R are "unknown", not low
    assert set(rows.loc["unknown", "languages"].split()) == {"ht", "qu", "wo", "yo"}
    assert "yo" not in rows.loc["low", "languages"].split()
    assert rows[["n_languages"]].loc[["low", "mid", "high", "unknown"]].sum().item() == 49

    low_resource.write(result, tmp_path / "q2")
    summary = (tmp_path / "q2" / "summary.md").read_text()
    assert "rests on 49 languages" in summary and "not counted as low" in summary
    assert "low-resource languages gain more" in summary
    for name in ("table.tsv", "figure.png", "gains.tsv", "facts.json"):
        assert (tmp_path / "q2" / name).stat().st_size > 100


def test_world_table_strata_and_noise():
    effect = lambda lang, target: 4.0 if lang["pretrain_gib"] < 0.05 else 0.0  # noqa: E731
    scores = tidy_scores(WORLD, {"none": zero, "mnli-aug": effect, "mnli": zero}, seed=4)
    result = low_resource.analyse(
        scores, languages=WORLD, comparisons=[("mnli-aug", "none"), ("mnli", "none")], strata=WORLD_STRATA, **FAST
    )
    planted, noise = _rows(result, "mnli-aug vs none"), _rows(result, "mnli vs none")
    assert planted.loc["low", "n_languages"] == 3 and planted.loc["high", "n_languages"] == 2
    assert planted.loc["low", "significant"] and planted.loc["low - high", "significant"]
    assert not noise["significant"].any()
    assert "no significant effect (no difference between low and high)" in result.summary
    assert "rests on 7 languages" in result.summary and "unknown" not in result.facts["languages_per_stratum"]["low"]


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="low_below"):
        low_resource.strata_of(WORLD, {"low_below": 0.2, "high_from": 0.1})

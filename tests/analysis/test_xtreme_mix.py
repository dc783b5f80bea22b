"""Q3 on synthetic scores: +2 points on every (task, language) pair is found by the XTREME score and the paired
tests; without it there is no significant effect."""

import json
from pathlib import Path

import pandas as pd
import pytest
from analysis_data import WORLD, tidy_scores, zero

from stiltgrid.analysis import xtreme_mix
from stiltgrid.results import scores as S

FAST = {"n_boot": 1000, "n_perm": 2000, "seed": 0}


def test_planted_improvement(tmp_path):
    scores = tidy_scores(WORLD, {"mnli": zero, "mnli-mix": lambda lang, target: 2.0}, seeds=(1, 2, 3), seed=8)
    result = xtreme_mix.analyse(scores, comparisons=[("mnli-mix", "mnli")], **FAST)
    row = result.table.iloc[0]
    assert row["n_tasks"] == 9 and row["official"]
    assert row["xtreme_difference"] == pytest.approx(2.0, abs=0.5)
    assert row["n_seeds_mixed"] == 3 and row["xtreme_mixed_std"] > 0
    assert row["n_pairs"] == 63 and row["n_languages"] == 7  # 9 tasks x 7 zero-shot languages
    assert row["mean_pair_difference"] == pytest.approx(2.0, abs=0.5) and row["ci_low"] > 0
    assert row["wilcoxon_p"] < 0.05 and row["permutation_p"] < 0.05 and row["significant"]
    # with every task present the per-seed score is the official overall score
    official = S.xtreme_scores(
        scores[scores["intermediate"] == "mnli"], task_languages={t: None for t in scores["target"].unique()}
    )
    per_seed = result.details["per_seed"]
    ours = per_seed[per_seed["intermediate"] == "mnli"].sort_values("seed")["xtreme"].to_numpy()
    assert ours == pytest.approx(official.sort_values("seed")["overall"].to_numpy())

    paths = xtreme_mix.write(result, tmp_path / "q3")
    summary = (tmp_path / "q3" / "summary.md").read_text()
    assert "XTREME score (" in summary and "present tasks" not in summary
    assert "in 7 languages" in summary and "significant improvement" in summary
    assert pd.read_csv(paths["per_seed"], sep="\t").shape[0] == 6
    assert (tmp_path / "q3" / "figure.png").stat().st_size > 1000
    assert json.loads(Path(paths["facts"]).read_text())["facts"]["comparisons"][0]["significant"] is True


def test_noise_and_partial_benchmark():
    scores = tidy_scores(
        WORLD, {"mnli": zero, "mnli-mix": zero}, seeds=(1, 2, 3), seed=9, targets=("xnli", "udpos", "xquad", "tatoeba")
    )
    result = xtreme_mix.analyse(scores, comparisons=[("mnli-mix", "mnli")], **FAST)
    row = result.table.iloc[0]
    assert row["n_tasks"] == 4 and not row["official"]
    assert not row["significant"] and row["ci_low"] < 0 < row["ci_high"]
    assert "XTREME score over the 4 present tasks" in result.summary
    assert "no significant effect" in result.summary and "in 7 languages" in result.summary


def test_targets_outside_xtreme_are_named_and_ignored():
    scores = tidy_scores(WORLD, {"mnli": zero, "mix": zero}, targets=("xnli",), seeds=(1,))
    extra = scores.assign(target="sst2", metric="accuracy")
    result = xtreme_mix.analyse(pd.concat([scores, extra]), comparisons=[("mix", "mnli")], **FAST)
    assert result.facts["ignored_targets"] == ["sst2"] and result.table.iloc[0]["n_tasks"] == 1


def test_listed_languages_without_scores_are_named_not_fatal():
    scores = tidy_scores(
        WORLD, {"mnli": zero, "mix": lambda lang, target: 2.0}, targets=("xnli", "tatoeba"), seeds=(1, 2), seed=10
    )
    scores = scores[~((scores["target"] == "tatoeba") & (scores["language"] == "en"))]  # retrieval skips English
    listed = {"xnli": list(WORLD.index), "tatoeba": list(WORLD.index), "sst2": ["en"]}
    result = xtreme_mix.analyse(scores, comparisons=[("mix", "mnli")], task_languages=listed, **FAST)
    row = result.table.iloc[0]
    assert row["n_tasks"] == 2 and row["unscored_languages"] == "tatoeba: en"
    assert "left out of the task averages: tatoeba: en" in result.summary

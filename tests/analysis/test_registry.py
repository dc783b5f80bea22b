"""The package surface: the registry of questions, reading the scores TSV, headline scores."""

import math

import pandas as pd
import pytest
from analysis_data import WORLD, tidy_scores, zero

from stiltgrid import analysis
from stiltgrid.results.aggregate import COLUMNS


def test_registry_modules_expose_analyse_and_write():
    assert set(analysis.QUESTIONS) == {
        "families",
        "low_resource",
        "xtreme_mix",
        "robustness",
        "volume",
        "alternatives",
        "tuning",
        "selection",
    }
    for name, module in analysis.QUESTIONS.items():
        assert callable(module.analyse) and callable(module.write) and module.QUESTION == name


def test_read_scores_round_trip(tmp_path):
    scores = tidy_scores(WORLD, {"none": zero}, targets=("xnli", "tatoeba"), seeds=(1, 2))
    path = tmp_path / "scores.tsv"
    scores.sort_values(COLUMNS[:-1]).to_csv(path, sep="\t", index=False)  # as aggregate.write_all does
    back = analysis.read_scores(path)
    assert list(back.columns) == COLUMNS and len(back) == len(scores)
    assert back.loc[back["target"] == "tatoeba", "seed"].isna().all()  # seed-independent retrieval rows
    assert back["value"].dtype.kind == "f"


def test_headline_scores_average_seeds_and_qa_metrics():
    scores = tidy_scores(WORLD, {"none": zero}, targets=("xquad", "udpos"), seeds=(1, 2), noise=0.0)
    head = analysis.headline_scores(scores)
    assert set(head["language"]) == set(WORLD.index) - {"en"}
    xquad = scores[(scores["target"] == "xquad") & (scores["language"] == "wa")]
    expected = xquad["value"].mean()  # EM = v - 8 and F1 = v + 8: their mean is v
    got = head[(head["target"] == "xquad") & (head["language"] == "wa")]["value"].item()
    assert got == pytest.approx(expected)
    # a QA cell without F1 is dropped rather than scored on EM alone
    partial = scores[~((scores["target"] == "xquad") & (scores["metric"] == "f1") & (scores["language"] == "wa"))]
    head = analysis.headline_scores(partial)
    assert head[(head["target"] == "xquad") & (head["language"] == "wa")].empty
    per_seed = analysis.headline_scores(scores, average_seeds=False)
    assert set(per_seed["seed"]) == {1, 2} and not math.isnan(per_seed["value"].sum())


def test_several_models_need_a_choice():
    scores = tidy_scores(WORLD, {"none": zero, "mnli": zero}, targets=("xnli",))
    both = scores.assign(model="m2")
    with pytest.raises(ValueError, match="model"):
        analysis.headline_scores(pd.concat([scores, both]))
    assert len(analysis.headline_scores(pd.concat([scores, both]), model="m2")) == 14

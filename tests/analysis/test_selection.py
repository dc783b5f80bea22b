"""The selection question (stiltgrid.analysis.selection): the ranking metrics on hand-computed cases, the random
order's exact expectations against enumeration, and the analysis on planted gains (an estimator that knows the gains
has no regret, an inverted one the most; LogME marked not applicable where it has no estimate)."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from analysis_data import TARGETS, WORLD, tidy_scores, zero

from stiltgrid.analysis import selection as S


def test_ranking_metrics_by_hand():
    # predicted order a, b, c; gains a 1, b 3, c 2
    m = {k: float(v[0]) for k, v in S.ranking_metrics([3.0, 2.0, 1.0], [1.0, 3.0, 2.0]).items()}
    # ranks 3,2,1 against 1,3,2: d = 2,-1,-1, rho = 1 - 6 * 6 / (3 * 8)
    assert m["spearman"] == pytest.approx(-0.5)
    # relevance = gain - worst gain = 0, 2, 1; DCG = 0 + 2 / log2(3) + 1 / 2; ideal = 2 + 1 / log2(3) + 0
    assert m["ndcg3"] == pytest.approx((2 / math.log2(3) + 0.5) / (2 + 1 / math.log2(3)))
    assert m["regret1"] == pytest.approx(2.0) and m["regret3"] == pytest.approx(0.0)
    perfect = S.ranking_metrics([1.0, 3.0, 2.0, 0.0], [1.0, 3.0, 2.0, 0.5])
    assert perfect["spearman"][0] == pytest.approx(1.0) and perfect["ndcg3"][0] == pytest.approx(1.0)
    assert perfect["regret1"][0] == 0 and perfect["regret3"][0] == 0


def test_ties_keep_the_candidates_order_and_replicates_are_rows():
    gains = np.array([[0.0, 1.0, 5.0], [4.0, 1.0, 0.0]])
    out = S.ranking_metrics([1.0, 1.0, 1.0], gains)  # all tied: a first
    assert out["regret1"].tolist() == [5.0, 0.0]
    assert out["regret3"].tolist() == [0.0, 0.0]


def test_random_order_expectations_match_enumeration():
    gains = [0.3, -1.2, 2.5, 0.9, 1.7]
    rand = {k: float(v[0]) for k, v in S.random_metrics(gains).items()}
    perms = list(itertools.permutations(range(len(gains))))
    by_perm = [S.ranking_metrics([-p.index(i) for i in range(len(gains))], gains) for p in perms]
    for metric in S.METRICS:
        assert rand[metric] == pytest.approx(np.mean([m[metric][0] for m in by_perm]), abs=1e-9), metric
    assert rand["regret3"] == pytest.approx(S.expected_regret_bruteforce(gains, 3))


def planted_scores():
    lift = {
        "none": zero,
        "mnli": lambda lang, target: 4.0 if target == "xnli" else 0.0,
        "squad": lambda lang, target: 3.0 if target in ("xquad", "mlqa", "tydiqa") else -1.0,
        "ccg": lambda lang, target: 2.0 if target in ("udpos", "panx") else -2.0,
        "sst2": lambda lang, target: 0.5,
    }
    return tidy_scores(WORLD, lift, seeds=(1, 2), noise=0.2)


def estimates_from(truth: dict, sign: float, estimator: str, targets) -> pd.DataFrame:
    return pd.DataFrame(
        [(estimator, t, i, sign * truth[(t, i)]) for t in targets for i in ("mnli", "squad", "ccg", "sst2")],
        columns=["estimator", "target", "intermediate", "score"],
    )


def test_an_estimator_that_knows_the_gains_has_no_regret():
    scores = planted_scores()
    candidates = ["mnli", "squad", "ccg", "sst2"]
    truth = {}
    for target in TARGETS:
        lift = {
            "mnli": 4.0 if target == "xnli" else 0.0,
            "squad": 3.0 if target in ("xquad", "mlqa", "tydiqa") else -1.0,
            "ccg": 2.0 if target in ("udpos", "panx") else -2.0,
            "sst2": 0.5,
        }
        truth.update({(target, i): v for i, v in lift.items()})
    labelled = [t for t in TARGETS if t not in ("bucc", "tatoeba")]
    estimates = pd.concat(
        [
            estimates_from(truth, 1.0, "text_similarity", TARGETS),
            estimates_from(truth, -1.0, "train_size", TARGETS),
            estimates_from(truth, 1.0, "logme", labelled),
        ],
        ignore_index=True,
    )
    result = S.analyse(
        scores,
        estimates=estimates,
        candidates=candidates,
        targets=list(TARGETS),
        seconds={"text_similarity": 3.0, "logme": 9.0, "train_size": 0.0},
        grid_seconds={"intermediates": 50.0, "cells": 150.0},
        n_boot=200,
        seed=0,
    )
    table = result.table.set_index(["estimator", "target"])
    assert table.loc[("text_similarity", "all"), "regret3"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[("text_similarity", "all"), "regret1"] == pytest.approx(0.0, abs=0.5)
    assert table.loc[("text_similarity", "xnli"), "top1"] == "mnli"
    assert table.loc[("text_similarity", "xnli"), "spearman"] == pytest.approx(1.0)
    # the inverted estimator picks the worst first: its regret@1 is the largest of all
    worst = table.xs("all", level="target")["regret1"]
    assert worst.idxmax() == "train_size" and worst["train_size"] > worst["random"] > worst["text_similarity"]
    assert table.loc[("train_size", "all"), "spearman"] < -0.8
    # LogME: no estimate for the retrieval targets, said so, and left out of its overall row
    assert not table.loc[("logme", "bucc"), "applies"]
    assert int(table.loc[("logme", "all"), "n_targets"]) == len(labelled)
    assert result.facts["not_applicable"] == {"logme": ["bucc", "tatoeba"]}
    assert result.facts["labelled_targets"] == labelled
    # intervals bracket the point estimates
    for estimator in ("text_similarity", "random", "logme"):
        row = table.loc[(estimator, "all")]
        for metric in S.METRICS:
            assert row[f"{metric}_ci_low"] - 1e-9 <= row[metric] <= row[f"{metric}_ci_high"] + 1e-9, (estimator, metric)
    assert result.facts["grid_total_s"] == 200.0 and table.loc[("logme", "all"), "cost_s"] == 9.0
    assert "| text_similarity | 9 | 0.00" in result.summary
    assert "`logme` has no estimate for bucc, tatoeba (retrieval: no labels" in result.summary


def test_a_missing_baseline_is_one_clear_error():
    scores = planted_scores()
    scores = scores[scores["intermediate"] != "none"]
    with pytest.raises(ValueError, match="target xnli has no zero-shot scores for none"):
        S.analyse(
            scores,
            estimates=pd.DataFrame(columns=["estimator", "target", "intermediate", "score"]),
            candidates=["mnli", "squad"],
            targets=["xnli"],
            n_boot=100,
        )

import math

import pandas as pd
import pytest

from stiltgrid.data import xtreme as xt
from stiltgrid.results.scores import benchmark_scores, task_value, xtreme_r_scores, xtreme_scores

# XLM-R Large numbers of the XTREME paper (fact sheet 5.1): task -> {metric: value}
XLMR = {
    "xnli": {"accuracy": 79.2},
    "pawsx": {"accuracy": 86.4},
    "udpos": {"f1": 72.6},
    "panx": {"f1": 65.4},
    "xquad": {"f1": 76.6, "exact_match": 60.8},
    "mlqa": {"f1": 71.6, "exact_match": 53.2},
    "tydiqa": {"f1": 65.1, "exact_match": 45.0},
    "bucc2018": {"f1": 66.0},
    "tatoeba": {"accuracy": 57.3},
}


def frame(task_metrics, model="xlmr", intermediate="none", seed=1, benchmark=xt.XTREME, langs=None):
    """Tidy rows giving every official language of each task the same value (so the language mean is that value)."""
    rows = []
    for task, metrics in task_metrics.items():
        for lang in (langs or {}).get(task, xt.task_languages(task, benchmark)):
            for metric, value in metrics.items():
                rows.append(
                    {
                        "model": model,
                        "intermediate": intermediate,
                        "target": task,
                        "language": lang,
                        "seed": seed,
                        "metric": metric,
                        "value": value,
                    }
                )
    return pd.DataFrame(rows)


def test_xlmr_consistency_check():
    # task values: XNLI 79.2, PAWS-X 86.4, POS 72.6, NER 65.4, XQuAD (76.6+60.8)/2 = 68.7,
    # MLQA (71.6+53.2)/2 = 62.4, TyDiQA (65.1+45.0)/2 = 55.05, BUCC 66.0, Tatoeba 57.3
    # sum = 613.05, / 9 = 68.117 -> 68.1
    out = xtreme_scores(frame(XLMR))
    assert len(out) == 1
    row = out.iloc[0]
    assert row["xquad"] == pytest.approx(68.7)
    assert row["tydiqa"] == pytest.approx(55.05)
    assert row["overall"] == pytest.approx(613.05 / 9)
    assert round(row["overall"], 1) == 68.1
    assert row["missing"] == ""
    # categories: classification (86.4+79.2)/2 = 82.8; structured (72.6+65.4)/2 = 69.0;
    # QA (68.7+62.4+55.05)/3 = 62.05; retrieval (66.0+57.3)/2 = 61.65
    assert row["classification"] == pytest.approx(82.8)
    assert row["structured_prediction"] == pytest.approx(69.0)
    assert row["qa"] == pytest.approx(62.05)
    assert row["retrieval"] == pytest.approx(61.65)


def test_qa_as_f1_only_gives_71_1():
    # if EM equalled F1 (QA counted as F1 only): 613.05 - 186.15 + (76.6+71.6+65.1) = 640.2, / 9 = 71.13 -> 71.1
    f1_only = {t: ({"f1": m["f1"], "exact_match": m["f1"]} if "exact_match" in m else m) for t, m in XLMR.items()}
    overall = xtreme_scores(frame(f1_only)).iloc[0]["overall"]
    assert overall == pytest.approx(640.2 / 9)
    assert round(overall, 1) == 71.1


def test_missing_task_gives_no_overall_score():
    partial = {t: m for t, m in XLMR.items() if t != "bucc2018"}
    row = xtreme_scores(frame(partial)).iloc[0]
    assert math.isnan(row["overall"])
    assert "bucc2018: no results" in row["missing"]
    assert math.isnan(row["bucc2018"]) and math.isnan(row["retrieval"])
    # complete categories are still reported
    assert row["classification"] == pytest.approx(82.8)


def test_missing_language_makes_task_incomplete():
    df = frame(XLMR)
    df = df[~((df["target"] == "mlqa") & (df["language"] == "zh") & (df["metric"] == "exact_match"))]
    row = xtreme_scores(df).iloc[0]
    assert math.isnan(row["mlqa"]) and math.isnan(row["qa"]) and math.isnan(row["overall"])
    assert "mlqa: 'exact_match' missing for zh" in row["missing"]


def test_language_average_and_extra_languages():
    # XNLI with two languages given and custom list: (70 + 80) / 2 = 75; an extra language outside the list is ignored
    rows = pd.DataFrame(
        [
            {
                "model": "m",
                "intermediate": "mnli",
                "target": "XNLI",
                "language": "aa",
                "seed": 0,
                "metric": "acc",
                "value": 70.0,
            },
            {
                "model": "m",
                "intermediate": "mnli",
                "target": "XNLI",
                "language": "bb",
                "seed": 0,
                "metric": "acc",
                "value": 80.0,
            },
            {
                "model": "m",
                "intermediate": "mnli",
                "target": "XNLI",
                "language": "en",
                "seed": 0,
                "metric": "acc",
                "value": 99.0,
            },
        ]
    )
    out = xtreme_scores(rows, task_languages={"xnli": ["aa", "bb"]})
    assert out.iloc[0]["xnli"] == pytest.approx(75.0)
    # None = the languages present: (70 + 80 + 99) / 3 = 83
    out = xtreme_scores(rows, task_languages={"xnli": None})
    assert out.iloc[0]["xnli"] == pytest.approx(83.0)


def test_seeds_and_seedless_retrieval_rows():
    trained = {t: m for t, m in XLMR.items() if t not in ("bucc2018", "tatoeba")}
    seed1 = frame(trained, seed=1)
    seed2 = frame({t: {k: v + 2.0 for k, v in m.items()} for t, m in trained.items()}, seed=2)
    retrieval = frame({t: XLMR[t] for t in ("bucc2018", "tatoeba")}, seed=None)
    df = pd.concat([seed1, seed2, retrieval], ignore_index=True)
    per_seed = xtreme_scores(df)
    assert list(per_seed["seed"]) == [1, 2]
    # seed 1 reproduces the XLM-R score; seed 2 has +2 on each of the 7 trained tasks: 68.117 + 14/9
    assert per_seed.iloc[0]["overall"] == pytest.approx(613.05 / 9)
    assert per_seed.iloc[1]["overall"] == pytest.approx((613.05 + 14) / 9)
    assert per_seed.iloc[1]["bucc2018"] == pytest.approx(66.0)
    averaged = xtreme_scores(df, average_seeds=True)
    assert len(averaged) == 1 and averaged.iloc[0]["n_seeds"] == 2
    assert averaged.iloc[0]["overall"] == pytest.approx((613.05 + 7) / 9)


def test_groups_by_model_and_intermediate():
    df = pd.concat([frame(XLMR, intermediate="mnli"), frame(XLMR, intermediate="squad_v1")], ignore_index=True)
    out = xtreme_scores(df)
    assert list(out["intermediate"]) == ["mnli", "squad_v1"]


def test_duplicate_rows_are_an_error():
    df = frame(XLMR)
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="several 'accuracy' values for task xnli"):
        xtreme_scores(df)


def test_input_validation():
    with pytest.raises(ValueError, match="lacks column"):
        xtreme_scores(pd.DataFrame({"model": ["m"]}))
    df = frame({"xnli": {"accuracy": 1.0}})
    df["value"] = df["value"].astype(object)
    df.loc[0, "value"] = "high"
    with pytest.raises(ValueError, match="non-numeric value 'high'"):
        xtreme_scores(df)
    with pytest.raises(ValueError, match="not part of xtreme"):
        xtreme_scores(frame(XLMR), task_languages={"xcopa": ["et"]})


def test_xtreme_r_lareqa_counts_in_retrieval():
    values = {
        "xnli": {"accuracy": 80.0},
        "xcopa": {"accuracy": 70.0},
        "udpos": {"f1": 75.0},
        "panx": {"f1": 65.0},
        "xquad": {"f1": 78.0, "exact_match": 62.0},
        "mlqa": {"f1": 72.0, "exact_match": 54.0},
        "tydiqa": {"f1": 66.0, "exact_match": 50.0},
        "tatoeba": {"accuracy": 60.0},
        "mewslix": {"map@20": 45.0},
        "lareqa": {"map@20": 39.0},
    }
    row = xtreme_r_scores(frame(values, benchmark=xt.XTREME_R)).iloc[0]
    # retrieval = (60 + 45 + 39) / 3 = 48; classification = (80 + 70) / 2 = 75; QA = (70 + 63 + 58) / 3 = 63.667
    assert row["retrieval"] == pytest.approx(48.0)
    assert row["classification"] == pytest.approx(75.0)
    assert row["qa"] == pytest.approx(191 / 3)
    # overall over the 10 tasks: 80+70+75+65+70+63+58+60+45+39 = 625 -> 62.5
    assert row["overall"] == pytest.approx(62.5)
    # XTREME-R has no PAWS-X / BUCC columns
    assert "pawsx" not in row.index and "bucc2018" not in row.index
    # the same frame is incomplete as XTREME (no PAWS-X, BUCC)
    assert math.isnan(benchmark_scores(frame(values, benchmark=xt.XTREME_R), "xtreme").iloc[0]["overall"])


def test_task_value_direct():
    rows = pd.DataFrame(
        {
            "task": ["xquad"] * 4,
            "language": ["en", "en", "de", "de"],
            "metric": ["exact_match", "f1", "exact_match", "f1"],
            "value": [60.0, 80.0, 50.0, 70.0],
        }
    )
    # avg EM = 55, avg F1 = 75 -> 65
    assert task_value(rows, "xquad", ["en", "de"]) == (pytest.approx(65.0), "")

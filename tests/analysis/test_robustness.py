"""Q4 on synthetic scores: difficulty planted to anti-correlate with robustness over 9 intermediates is found;
robustness unrelated to difficulty gives no significant effect."""

import json

import numpy as np
import pandas as pd
import pytest
from analysis_data import DIFFICULTY, WORLD, difficulty_of, difficulty_records, perturbed_scores

from stiltgrid.analysis import robustness

FAST = {"n_boot": 1000, "n_perm": 2000, "seed": 0}


def test_difficulty_formula_and_chance_levels():
    table = robustness.difficulty_table(
        [
            {"intermediate": "a", "format": "pair_classification", "dev_score": 80.0, "chance": 20.0},
            {"intermediate": "b", "task_format": "tagging", "dev": 90.0},  # aliases; tagging: chance 0
        ]
    )
    assert table["difficulty"].tolist() == pytest.approx([0.25, 0.10])
    assert robustness.chance_level("multiple_choice", n_choices=4) == 25.0
    assert robustness.chance_level("classification", n_labels=3) == pytest.approx(100 / 3)
    with pytest.raises(ValueError, match="chance"):
        robustness.difficulty_table([{"intermediate": "c", "format": "classification", "dev_score": 70}])


def test_planted_anticorrelation(tmp_path):
    planted = {name: 0.95 - 0.4 * difficulty_of(name) for name in DIFFICULTY}
    planted.update({"none": 0.75, "multitask": 0.85})
    result = robustness.analyse(perturbed_scores(WORLD, planted, seed=2), difficulty=difficulty_records(), **FAST)
    facts = result.facts
    assert facts["n_intermediates"] == 9 and facts["excluded"] == ["multitask", "none"]
    assert facts["spearman"] < -0.8 and facts["ci"][1] < 0 and facts["p_value"] < 0.05 and facts["significant"]
    assert all(e["significant"] and e["spearman"] < 0 for e in facts["per_perturbation"].values())
    table = result.table.set_index("intermediate")
    # ratio averaged over the two strengths: (1 - 0.25/3) and 0.75 for none's planted 0.75
    assert table.loc["none", "robustness"] == pytest.approx((1 - 0.25 / 3 + 0.75) / 2, abs=0.01)
    assert table.loc["none", "role"] == "reference" and np.isnan(table.loc["none", "difficulty"])
    assert table.loc["mnli", "difficulty"] == pytest.approx(difficulty_of("mnli"))
    assert {"robustness_typo", "robustness_swap"} <= set(table.columns)

    robustness.write(result, tmp_path / "q4")
    summary = (tmp_path / "q4" / "summary.md").read_text()
    assert "1 - (dev - chance) / (100 - chance)" in summary and "9 intermediates" in summary
    assert "in 7 languages" in summary and "harder intermediate tasks give less robust models" in summary
    correlations = pd.read_csv(tmp_path / "q4" / "correlations.tsv", sep="\t")
    assert set(correlations["perturbation"]) == {"overall", "typo", "swap"}
    assert (tmp_path / "q4" / "figure.png").stat().st_size > 1000
    assert json.loads((tmp_path / "q4" / "facts.json").read_text())["facts"]["n_intermediates"] == 9


def test_unrelated_robustness_is_not_significant():
    rng = np.random.default_rng(12)
    planted = {name: 0.85 + rng.normal(0, 0.05) for name in DIFFICULTY}
    planted["none"] = 0.8
    result = robustness.analyse(perturbed_scores(WORLD, planted, seed=3), difficulty=difficulty_records(), **FAST)
    assert not result.facts["significant"] and result.facts["ci"][0] < 0 < result.facts["ci"][1]
    assert "no significant effect" in result.summary


def test_low_clean_scores_are_dropped():
    scores = perturbed_scores(WORLD, {"mnli": 0.9, "anli": 0.8, "qqp": 0.7}, targets=("xnli",), seeds=(1,))
    clean = (scores["perturbation"] == "clean") & (scores["language"] == "wa")
    scores.loc[clean, "value"] = 0.5
    cells, dropped = robustness.ratios(scores, min_clean=1.0)
    assert dropped == 3 * 2 * 2 and "wa" not in set(cells["language"])

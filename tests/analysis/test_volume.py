"""Q5 on synthetic scores: gains planted to grow with log volume are found; flat gains are not."""

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from analysis_data import REAL, WORLD, tidy_scores, zero

from stiltgrid.analysis import volume

FAST = {"n_boot": 1000, "n_perm": 2000, "seed": 0}


def grows(per_decade, at_one=1.0):
    def effect(lang, target):
        v = lang["pretrain_gib"]
        return 0.0 if math.isnan(v) else at_one + per_decade * math.log10(v)

    return effect


def test_real_table_gain_grows_with_log_volume(tmp_path):
    scores = tidy_scores(
        REAL, {"none": zero, "mnli": grows(1.5), "squad": zero}, seed=31, targets=("xnli", "panx", "xquad")
    )
    result = volume.analyse(scores, languages=REAL, **FAST)
    table = result.table.set_index(["intermediate", "target"])
    pooled = table.loc[("mnli", "all")]
    assert pooled["spearman"] > 0.7 and pooled["spearman_ci_low"] > 0 and pooled["significant"]
    assert pooled["pearson_log"] > 0.7 and pooled["slope_per_decade"] == pytest.approx(1.5, abs=0.3)
    assert pooled["n_languages"] == 45 and pooled["dropped"] == "ht qu wo yo"  # no CC-100 volume
    assert table.loc[("mnli", "xnli"), "significant"]
    assert not table.loc[("squad", "all"), "significant"]

    paths = volume.write(result, tmp_path / "q5")
    summary = (tmp_path / "q5" / "summary.md").read_text()
    assert "Rests on 45 languages" in summary and "4 (ht, qu, wo, yo)" in summary
    assert "mnli (45 languages)" in summary and "no significant effect" in summary  # squad is flat
    assert len(pd.read_csv(paths["table"], sep="\t")) == 2 * 4 and (tmp_path / "q5" / "figure.png").exists()
    assert json.loads(Path(paths["facts"]).read_text())["facts"]["n_languages"] == 45


def test_world_table_seven_languages():
    scores = tidy_scores(WORLD, {"none": zero, "mnli": grows(3.0, at_one=4.0)}, seed=6)
    result = volume.analyse(scores, languages=WORLD, **FAST)
    pooled = result.table.set_index("target").loc["all"]
    assert pooled["n_languages"] == 7 and pooled["spearman"] > 0.9 and pooled["significant"]
    assert "Rests on 7 languages" in result.summary


def test_flat_gain_is_not_significant():
    scores = tidy_scores(WORLD, {"none": zero, "mnli": lambda lang, target: 1.0}, seed=7)
    result = volume.analyse(scores, languages=WORLD, **FAST)
    assert result.facts["n_significant"] == 0 and not result.table["significant"].any()
    assert "no significant effect" in result.summary and "Rests on 7 languages" in result.summary

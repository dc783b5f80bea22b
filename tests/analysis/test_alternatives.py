"""Q6 on synthetic scores: English-only MNLI vs continued MLM (+3 points planted) vs translated data (+1): the table
ranks them by XTREME score, each alternative's row holds its comparison with the reference, and the statistics are
those of xtreme_mix's comparison of the same pair."""

import json
from pathlib import Path

import pandas as pd
import pytest
from analysis_data import WORLD, tidy_scores, zero

from stiltgrid.analysis import alternatives, xtreme_mix
from stiltgrid.results import scores as S

FAST = {"n_boot": 1000, "n_perm": 2000, "seed": 0}
KINDS = {"mnli": "english", "mnli-mlm": "mlm", "mnli-mix": "translate"}


def planted(mlm: float, translated: float, seed: int = 8):
    return tidy_scores(
        WORLD,
        {"mnli": zero, "mnli-mlm": lambda lang, target: mlm, "mnli-mix": lambda lang, target: translated},
        seeds=(1, 2, 3),
        seed=seed,
    )


def test_planted_ordering_and_statistics(tmp_path):
    scores = planted(mlm=3.0, translated=1.0)
    result = alternatives.analyse(scores, reference="mnli", alternatives=["mnli-mlm", "mnli-mix"], kinds=KINDS, **FAST)
    table = result.table.set_index("intermediate")
    assert list(result.table["intermediate"]) == ["mnli", "mnli-mlm", "mnli-mix"]
    assert result.facts["ranking"] == ["mnli-mlm", "mnli-mix", "mnli"]
    assert table["rank"].to_dict() == {"mnli": 3, "mnli-mlm": 1, "mnli-mix": 2}
    assert table["kind"].to_dict() == KINDS
    assert table.loc["mnli-mlm", "difference"] == pytest.approx(3.0, abs=0.5)
    assert table.loc["mnli-mix", "difference"] == pytest.approx(1.0, abs=0.5)
    assert table.loc["mnli-mlm", "significant"] and table.loc["mnli-mlm", "ci_low"] > 0

    # each intermediate's score is the official XTREME score of its cells, mean over seeds
    for name in KINDS:
        official = S.xtreme_scores(
            scores[scores["intermediate"] == name], task_languages={t: None for t in scores["target"].unique()}
        )
        assert table.loc[name, "xtreme_mean"] == pytest.approx(official["overall"].mean())
        assert table.loc[name, "n_tasks"] == 9 and table.loc[name, "n_seeds"] == 3

    # the same statistics as xtreme_mix's for the same pair (shared code, not a copy)
    mix = xtreme_mix.analyse(scores, comparisons=[("mnli-mix", "mnli")], **FAST).table.iloc[0]
    for column in (
        "xtreme_difference",
        "mean_pair_difference",
        "ci_low",
        "ci_high",
        "wilcoxon_p",
        "permutation_p",
        "p_value",
    ):
        ours = result.details["comparisons"].set_index("comparison").loc["mnli-mix vs mnli", column]
        assert ours == pytest.approx(mix[column])

    # the alternatives against each other: MLM beats translated by about 2 points
    head_to_head = result.details["comparisons"].set_index("comparison").loc["mnli-mlm vs mnli-mix"]
    assert head_to_head["xtreme_difference"] == pytest.approx(2.0, abs=0.5) and head_to_head["significant"]
    assert (result.details["comparisons"]["p_holm"] >= result.details["comparisons"]["p_value"]).all()

    paths = alternatives.write(result, tmp_path / "q6")
    summary = Path(paths["summary"]).read_text()
    assert "Ranking by mean XTREME score: mnli-mlm" in summary and "> mnli-mix" in summary
    assert "## mnli-mlm vs mnli" in summary and "## mnli-mlm vs mnli-mix" in summary
    markdown = Path(paths["table_md"]).read_text()
    assert markdown.splitlines()[0].startswith("| intermediate | kind | xtreme_mean")
    assert "| mnli-mlm | mlm |" in markdown and markdown in summary
    written = pd.read_csv(paths["table"], sep="\t")
    assert list(written["intermediate"]) == ["mnli", "mnli-mlm", "mnli-mix"]
    assert pd.read_csv(paths["comparisons"], sep="\t").shape[0] == 3
    assert Path(paths["figure"]).stat().st_size > 1000
    facts = json.loads(Path(paths["facts"]).read_text())["facts"]
    assert facts["ranking"] == ["mnli-mlm", "mnli-mix", "mnli"]


def test_no_effect_is_not_significant():
    scores = planted(mlm=0.0, translated=0.0, seed=9)
    result = alternatives.analyse(scores, reference="mnli", alternatives=["mnli-mlm", "mnli-mix"], **FAST)
    assert not result.table["significant"].fillna(False).any()
    assert "no significant effect" in result.summary


@pytest.mark.parametrize(
    "alternatives_, message",
    [
        (["mnli"], "must differ"),
        (["absent"], "absent"),
    ],
)
def test_bad_comparisons_are_named(alternatives_, message):
    scores = planted(mlm=1.0, translated=1.0)
    with pytest.raises(ValueError, match=message):
        alternatives.analyse(scores, reference="mnli", alternatives=alternatives_, **FAST)

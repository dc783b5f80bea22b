"""Phase 5 on hand-made metrics files: tidy table, paper table with deltas, XTREME table, heatmap."""

import json
from pathlib import Path

import pandas as pd
import pytest

from stiltgrid.core.paths import CELL_TRAIN_SUMMARY
from stiltgrid.results import aggregate as A


def write_metrics(root, inter, target, lang, metrics, seed=1, **fields):
    name = f"dev.{lang}" if fields.get("split") == "dev" else lang
    path = root / inter / target / f"seed{seed}" / f"{name}.metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "model": "m",
                "intermediate": inter,
                "target": target,
                "language": lang,
                "seed": seed,
                "n_examples": 10,
                "metrics": metrics,
                **fields,
            }
        )
    )
    return str(path)


@pytest.fixture
def files(tmp_path):
    out = []
    for inter, acc, f1 in (("none", 50.0, 40.0), ("mnli", 56.0, 44.0)):
        for lang, shift in (("en", 10.0), ("wa", 0.0)):
            out.append(write_metrics(tmp_path, inter, "xnli", lang, {"accuracy": acc + shift}))
            out.append(
                write_metrics(tmp_path, inter, "xquad", lang, {"exact_match": f1 - 10 + shift, "f1": f1 + shift})
            )
    out.append(
        write_metrics(tmp_path, "none", "bucc", "wa", {"precision": 1.0, "recall": 1.0, "f1": 1.0, "threshold": 0.7})
    )
    return out


def test_tidy_is_long_and_drops_tuned_parameters(files):
    table = A.tidy(files)
    assert list(table.columns) == ["model", "intermediate", "target", "language", "seed", "split", "metric", "value"]
    assert set(table.split) == {"test"}  # records written before the split field count as test
    assert "threshold" not in set(table.metric)
    assert len(table) == 2 * 2 * (1 + 2) + 3


def test_paper_table_values_and_deltas(files, tmp_path):
    table = A.tidy(files)
    langs = {"xnli": ["en", "wa"], "xquad": ["en", "wa"], "bucc": ["wa"]}
    values = A.task_values(table, langs)
    wide, delta = A.paper_table(values, "none", ["none", "mnli"], ["xnli", "xquad", "bucc"])
    # xnli none: mean(60, 50) = 55; mnli: mean(66, 56) = 61 -> +6
    assert wide.at["none", "xnli"] == 55.0 and delta.at["mnli", "xnli"] == 6.0
    # xquad (QA = mean of EM and F1 averages): none EM mean(40, 30) = 35, F1 mean(50, 40) = 45 -> 40
    assert wide.at["none", "xquad"] == 40.0 and delta.at["mnli", "xquad"] == 4.0
    outputs = {
        name: str(tmp_path / "out" / f"{name}.x")
        for name in ("scores", "paper_table", "paper_markdown", "xtreme", "heatmap")
    }
    outputs["heatmap"] = str(tmp_path / "out" / "heatmap.png")
    A.write_all(table, outputs, langs, "none", ["none", "mnli"], ["xnli", "xquad", "bucc"])
    markdown = (tmp_path / "out" / "paper_markdown.x").read_text()
    assert "| mnli | 61.0 (+6.0) | 44.0 (+4.0) |" in markdown
    xtreme = pd.read_csv(outputs["xtreme"], sep="\t")
    assert xtreme["overall"].isna().all() and xtreme["missing"].str.contains("pawsx").all()  # 3 of 9 tasks
    assert (tmp_path / "out" / "heatmap.png").stat().st_size > 1000


# -- the best intermediate per target, chosen on dev ---------------------------------------------------------------
def write_summary(root, inter, target, best_dev, seed=1):
    path = root / "results" / "m" / "eval" / inter / target / f"seed{seed}" / CELL_TRAIN_SUMMARY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"steps": 10, "best_dev": best_dev}))
    return str(path)


TEST_AND_DEV = {
    # target: {intermediate: (test value per language, dev score)}; dev None: the target has no dev set
    "xnli": {"none": (50.0, 70.0), "mnli": (61.0, 80.0), "squad": (64.0, 70.0)},  # test-best squad, dev-best mnli
    "xquad": {"none": (40.0, 60.0), "mnli": (41.0, 59.0), "squad": (45.0, 66.0)},  # squad on both
    "bucc": {"none": (30.0, 30.0), "mnli": (52.0, 50.0), "squad": (38.0, 60.0)},  # test-best mnli, dev-best squad
    "tatoeba": {"none": (20.0, None), "mnli": (35.0, None), "squad": (25.0, None)},  # no dev: BUCC's choice, squad
}


def planted(tmp_path, targets=("xnli", "xquad", "bucc", "tatoeba"), seeds=(1, 2)):
    """Metrics and training summaries where, for XNLI, BUCC and Tatoeba, the dev choice differs from the test-best
    one; seed 2 shifts every score by the same amount, so seed means keep the choices."""
    metrics, summaries = [], []
    for target in targets:
        for inter, (value, dev) in TEST_AND_DEV[target].items():
            for seed in seeds:
                shift = seed - 1.0
                for lang in ("wa", "wb"):
                    if target == "xquad":
                        scores = {"exact_match": value - 5 + shift, "f1": value + 5 + shift}
                    elif target == "bucc":
                        scores = {
                            "f1": value + shift,
                            "precision": 1.0,
                            "recall": 1.0,
                            "threshold": 0.5,
                            "dev_f1": dev + shift,
                        }
                    else:
                        scores = {"accuracy": value + shift}
                    metrics.append(write_metrics(tmp_path, inter, target, lang, scores, seed))
                if target in ("xnli", "xquad"):
                    summaries.append(write_summary(tmp_path, inter, target, dev + shift, seed))
    return A.tidy(metrics), summaries


LANGS = {t: ["wa", "wb"] for t in TEST_AND_DEV}


def test_best_row_is_chosen_on_dev_never_on_test(tmp_path):
    results, summaries = planted(tmp_path)
    dev = A.dev_scores(summaries, results, LANGS)
    assert len(dev) == 3 * 2 * 3  # xnli, xquad (summaries) and bucc (dev F1) x 3 intermediates x 2 seeds
    assert dev.set_index(["intermediate", "target", "seed"]).at[("squad", "bucc", 2), "dev"] == 61.0
    values = A.task_values(results, LANGS)
    choices = A.best_per_target(dev, values, "none", ["none", "mnli", "squad"], list(TEST_AND_DEV)).set_index("target")
    assert choices["intermediate"].to_dict() == {"xnli": "mnli", "xquad": "squad", "bucc": "squad", "tatoeba": "squad"}
    test_best = values[values.intermediate != "none"].sort_values("value").groupby("target").tail(1)
    assert dict(zip(test_best.target, test_best.intermediate)) == {
        "xnli": "squad",
        "xquad": "squad",
        "bucc": "mnli",
        "tatoeba": "mnli",
    }
    assert choices["chosen_on"].to_dict() == {"xnli": "dev", "xquad": "dev", "bucc": "dev", "tatoeba": "dev of bucc"}
    # values are test scores averaged over seeds 1 and 2 (+0.5); the dev score is the one the choice was made on
    assert choices.at["xnli", "value"] == 61.5 and choices.at["xnli", "dev"] == 80.5
    assert choices.at["xnli", "none"] == 50.5 and choices.at["xnli", "delta"] == 11.0
    assert choices.at["bucc", "value"] == 38.5 and choices.at["tatoeba", "dev"] == 60.5

    outputs = {
        name: str(tmp_path / "out" / f"{name}.tsv")
        for name in ("scores", "paper_table", "paper_markdown", "xtreme", "categories", "best")
    }
    outputs["heatmap"] = str(tmp_path / "out" / "heatmap.png")
    A.write_all(results, outputs, LANGS, "none", ["none", "mnli", "squad"], list(TEST_AND_DEV), dev=dev)
    paper = pd.read_csv(outputs["paper_table"], sep="\t", index_col=0)
    assert list(paper.index) == ["none", "mnli", "squad", "best-dev"]
    assert paper.loc["best-dev", ["xnli", "xquad", "bucc", "tatoeba"]].tolist() == [61.5, 45.5, 38.5, 25.5]
    assert paper.at["best-dev", "avg_delta"] == pytest.approx((11 + 5 + 8 + 5) / 4)
    markdown = Path(outputs["paper_markdown"]).read_text()
    assert "| best-dev | 61.5 (+11.0) mnli | 45.5 (+5.0) squad | 38.5 (+8.0) squad | 25.5 (+5.0) squad |" in markdown
    assert "never on test" in markdown and "here tatoeba on the bucc dev scores" in markdown
    assert "XTREME score of `best-dev`: not defined on this grid" in markdown  # 4 of the 9 tasks
    xtreme = pd.read_csv(outputs["xtreme"], sep="\t").set_index("intermediate")
    assert xtreme.at["best-dev", "xnli"] == 61.5 and xtreme.at["best-dev", "bucc2018"] == 38.5
    assert "overall_vs_none" in xtreme.columns
    best = pd.read_csv(outputs["best"], sep="\t")
    assert list(best.columns) == ["target", "intermediate", "chosen_on", "dev", "value", "none", "delta"]
    scores = pd.read_csv(outputs["scores"], sep="\t")
    assert "best-dev" not in set(scores.intermediate)  # the tidy table holds cells only


def test_the_best_row_scores_the_full_benchmark_against_none(tmp_path):
    """On every XTREME task, the best-dev row's XTREME score against none, in xtreme_score.tsv and the paper table."""
    from stiltgrid.data import xtreme as xt

    metrics, summaries = [], []
    targets = ["xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc", "tatoeba"]
    gains = {"none": 0.0, "mnli": 2.0, "squad": 4.0}
    for target in targets:
        for inter, gain in gains.items():
            dev = 70.0 + (gain if target != "pawsx" else -gain)  # on PAWS-X, dev prefers mnli over squad
            for lang in ("wa", "wb"):
                scores = {m: 50.0 + gain for m in xt.score_metrics(target)}
                if target == "bucc":
                    scores["dev_f1"] = dev
                metrics.append(write_metrics(tmp_path, inter, target, lang, scores))
            if target not in ("bucc", "tatoeba"):
                summaries.append(write_summary(tmp_path, inter, target, dev))
    results = A.tidy(metrics)
    langs = {t: ["wa", "wb"] for t in targets}
    outputs = {
        name: str(tmp_path / "out" / f"{name}.tsv")
        for name in ("scores", "paper_table", "paper_markdown", "xtreme", "best")
    }
    outputs["heatmap"] = str(tmp_path / "out" / "heatmap.png")
    dev = A.dev_scores(summaries, results, langs)
    A.write_all(results, outputs, langs, "none", list(gains), list(targets), dev=dev)
    xtreme = pd.read_csv(outputs["xtreme"], sep="\t").set_index("intermediate")
    # squad everywhere (+4) but PAWS-X, where the dev scores choose mnli (+2): (8 * 4 + 2) / 9
    assert xtreme.at["best-dev", "overall"] == pytest.approx(50 + 34 / 9, abs=0.005)
    assert xtreme.at["best-dev", "overall_vs_none"] == pytest.approx(34 / 9, abs=0.005)
    assert xtreme.at["none", "overall_vs_none"] == 0.0
    markdown = Path(outputs["paper_markdown"]).read_text()
    assert "XTREME score of `best-dev`: 53.8 against 50.0 for `none` (+3.8)." in markdown


def test_without_a_dev_score_of_the_same_category_every_dev_score_decides(tmp_path):
    results, summaries = planted(tmp_path, targets=("xnli", "xquad", "tatoeba"))
    dev = A.dev_scores(summaries, results, LANGS)
    choices = A.best_per_target(
        dev, A.task_values(results, LANGS), "none", ["none", "mnli", "squad"], ["xnli", "xquad", "tatoeba"]
    ).set_index("target")
    # mean dev over xnli and xquad: mnli (80.5 + 59.5) / 2 = 70, squad (70.5 + 66.5) / 2 = 68.5
    assert choices.at["tatoeba", "intermediate"] == "mnli" and choices.at["tatoeba", "dev"] == 70.0
    assert choices.at["tatoeba", "chosen_on"] == "dev of xnli,xquad"


def test_a_tie_goes_to_the_earlier_row_and_a_baseline_grid_has_no_best_row(tmp_path):
    results, summaries = planted(tmp_path, targets=("xnli",), seeds=(1,))
    dev = A.dev_scores(summaries, results, LANGS)
    dev.loc[dev.intermediate == "squad", "dev"] = 80.0  # as mnli
    values = A.task_values(results, LANGS)
    for order, expected in ((["none", "mnli", "squad"], "mnli"), (["none", "squad", "mnli"], "squad")):
        assert A.best_per_target(dev, values, "none", order, ["xnli"]).at[0, "intermediate"] == expected
    alone = results[results.intermediate == "none"]
    outputs = {
        name: str(tmp_path / "alone" / f"{name}.tsv")
        for name in ("scores", "paper_table", "paper_markdown", "xtreme", "best")
    }
    outputs["heatmap"] = str(tmp_path / "alone" / "heatmap.png")
    A.write_all(alone, outputs, LANGS, "none", ["none"], ["xnli"], dev=dev[dev.intermediate == "none"])
    assert list(pd.read_csv(outputs["paper_table"], sep="\t", index_col=0).index) == ["none"]
    assert pd.read_csv(outputs["best"], sep="\t").empty


def test_english_dev_scores_are_labelled_and_left_out_of_the_language_mean(tmp_path, declared_registry):
    from stiltgrid.data.declared import register_all

    register_all(
        {
            "my-cls": {
                "format": "classification",
                "labels": ["a", "b"],
                "languages": ["de", "yo"],
                "files": {"train": "t.jsonl", "dev": "d.jsonl", "test": "test.{lang}.jsonl"},
            }
        }
    )
    files = [
        write_metrics(tmp_path, "none", "my-cls", lang, {"accuracy": acc}, split="test")
        for lang, acc in (("de", 60.0), ("yo", 40.0))
    ]
    files.append(write_metrics(tmp_path, "none", "my-cls", "en", {"accuracy": 90.0}, split="dev"))
    table = A.tidy(files)
    outputs = {
        name: str(tmp_path / "out" / f"{name}.tsv")
        for name in ("scores", "paper_table", "paper_markdown", "xtreme", "heatmap")
    }
    outputs["heatmap"] = str(tmp_path / "out" / "heatmap.png")
    A.write_all(table, outputs, {"my-cls": ["de", "yo"]}, "none", ["none"], ["my-cls"])
    scores = pd.read_csv(outputs["scores"], sep="\t", keep_default_na=False)
    assert list(scores.columns[4:7]) == ["seed", "split", "metric"]
    assert scores.set_index("language").loc["en", "split"] == "dev"
    assert list(scores[scores.split == "test"].language) == ["de", "yo"]
    paper = pd.read_csv(outputs["paper_table"], sep="\t", index_col=0)
    assert paper.at["none", "my-cls"] == 50.0  # de and yo only: the dev score is no test score


def test_warnings_are_gathered_with_where_they_were_recorded(tmp_path):
    cell = tmp_path / "none" / "my-cls" / "seed1"
    metrics = [
        write_metrics(
            tmp_path,
            "none",
            "my-cls",
            "de",
            {"accuracy": 33.0},
            warnings=["predictions collapsed to one class: all 9 predictions are 'a'"],
        ),
        write_metrics(tmp_path, "none", "my-cls", "yo", {"accuracy": 70.0}, warnings=[]),
    ]
    summary = cell / CELL_TRAIN_SUMMARY
    summary.write_text(json.dumps({"best_dev": 33.0, "warnings": ["my-cls: training never beat the baseline"]}))
    lines = A.gather_warnings(["preset 'p' runs ... retrieval layer 2"], [str(summary)], metrics)
    assert lines == [
        "configuration: preset 'p' runs ... retrieval layer 2",
        f"`{cell}` training: my-cls: training never beat the baseline",
        f"`{cell}` de (test): predictions collapsed to one class: all 9 predictions are 'a'",
    ]
    A.write_warnings(lines, str(tmp_path / "warnings.md"))
    text = (tmp_path / "warnings.md").read_text()
    assert text.startswith("# Warnings\n\n3 warning(s)") and text.count("\n- ") == 3
    A.write_warnings([], str(tmp_path / "none.md"))
    assert "None: every training run beat its majority-class baseline" in (tmp_path / "none.md").read_text()

"""Phase 5 on hand-made metrics files: tidy table, paper table with deltas, XTREME table, heatmap."""

import json

import pandas as pd
import pytest

from stiltgrid import aggregate as A


def write_metrics(root, inter, target, lang, metrics, seed=1, **fields):
    name = f"dev.{lang}" if fields.get("split") == "dev" else lang
    path = root / inter / target / f"seed{seed}" / f"{name}.metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"model": "m", "intermediate": inter, "target": target, "language": lang,
                                "seed": seed, "n_examples": 10, "metrics": metrics, **fields}))
    return str(path)


@pytest.fixture
def files(tmp_path):
    out = []
    for inter, acc, f1 in (("none", 50.0, 40.0), ("mnli", 56.0, 44.0)):
        for lang, shift in (("en", 10.0), ("wa", 0.0)):
            out.append(write_metrics(tmp_path, inter, "xnli", lang, {"accuracy": acc + shift}))
            out.append(write_metrics(tmp_path, inter, "xquad", lang, {"exact_match": f1 - 10 + shift,
                                                                       "f1": f1 + shift}))
    out.append(write_metrics(tmp_path, "none", "bucc", "wa", {"precision": 1.0, "recall": 1.0, "f1": 1.0,
                                                              "threshold": 0.7}))
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
    outputs = {name: str(tmp_path / "out" / f"{name}.x") for name in
               ("scores", "paper_table", "paper_markdown", "xtreme", "heatmap")}
    outputs["heatmap"] = str(tmp_path / "out" / "heatmap.png")
    A.write_all(table, outputs, langs, "none", ["none", "mnli"], ["xnli", "xquad", "bucc"])
    markdown = (tmp_path / "out" / "paper_markdown.x").read_text()
    assert "| mnli | 61.0 (+6.0) | 44.0 (+4.0) |" in markdown
    xtreme = pd.read_csv(outputs["xtreme"], sep="\t")
    assert xtreme["overall"].isna().all() and xtreme["missing"].str.contains("pawsx").all()  # 3 of 9 tasks
    assert (tmp_path / "out" / "heatmap.png").stat().st_size > 1000


@pytest.fixture
def declared_registry():
    """Declared tasks join the process-wide registry: keep other tests' view of it unchanged."""
    from stiltgrid.tasks import all_tasks

    before = dict(all_tasks())
    yield
    all_tasks().clear()
    all_tasks().update(before)


def test_english_dev_scores_are_labelled_and_left_out_of_the_language_mean(tmp_path, declared_registry):
    from stiltgrid.local_tasks import register_all

    register_all({"my-cls": {"format": "classification", "labels": ["a", "b"], "languages": ["de", "yo"],
                             "files": {"train": "t.jsonl", "dev": "d.jsonl", "test": "test.{lang}.jsonl"}}})
    files = [write_metrics(tmp_path, "none", "my-cls", lang, {"accuracy": acc}, split="test")
             for lang, acc in (("de", 60.0), ("yo", 40.0))]
    files.append(write_metrics(tmp_path, "none", "my-cls", "en", {"accuracy": 90.0}, split="dev"))
    table = A.tidy(files)
    outputs = {name: str(tmp_path / "out" / f"{name}.tsv") for name in ("scores", "paper_table", "paper_markdown",
                                                                        "xtreme", "heatmap")}
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
    metrics = [write_metrics(tmp_path, "none", "my-cls", "de", {"accuracy": 33.0},
                             warnings=["predictions collapsed to one class: all 9 predictions are 'a'"]),
               write_metrics(tmp_path, "none", "my-cls", "yo", {"accuracy": 70.0}, warnings=[])]
    summary = cell / "train_summary.json"
    summary.write_text(json.dumps({"best_dev": 33.0, "warnings": ["my-cls: training never beat the baseline"]}))
    lines = A.gather_warnings(["preset 'p' runs ... retrieval layer 2"], [str(summary)], metrics)
    assert lines == ["configuration: preset 'p' runs ... retrieval layer 2",
                     f"`{cell}` training: my-cls: training never beat the baseline",
                     f"`{cell}` de (test): predictions collapsed to one class: all 9 predictions are 'a'"]
    A.write_warnings(lines, str(tmp_path / "warnings.md"))
    text = (tmp_path / "warnings.md").read_text()
    assert text.startswith("# Warnings\n\n3 warning(s)") and text.count("\n- ") == 3
    A.write_warnings([], str(tmp_path / "none.md"))
    assert "None: every training run beat its majority-class baseline" in (tmp_path / "none.md").read_text()

"""Phase 5 on hand-made metrics files: tidy table, paper table with deltas, XTREME table, heatmap."""

import json

import pandas as pd
import pytest

from stiltgrid import aggregate as A


def write_metrics(root, inter, target, lang, metrics, seed=1):
    path = root / inter / target / f"seed{seed}" / f"{lang}.metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"model": "m", "intermediate": inter, "target": target, "language": lang,
                                "seed": seed, "n_examples": 10, "metrics": metrics}))
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
    assert list(table.columns) == ["model", "intermediate", "target", "language", "seed", "metric", "value"]
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

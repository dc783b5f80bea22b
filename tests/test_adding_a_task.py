"""A new task is one module: copy an existing task's module under a new name, name it in a preset, and the grid runs.
A new metric is one object in the metric registry (docs/adding-a-metric.md): the copied target scores with one.

Both copies (an intermediate task in an existing format and a target in an existing format) go into one small run in
a scratch copy of the workflow; no file but the new modules, the metric object and the user's --configfile overlay
is touched."""

from __future__ import annotations

import json

import pytest
import yaml
from repo import copy_workflow, run_snakemake

from stiltgrid.core.paths import CELL_TRAIN_SUMMARY

MODEL = "tiny-accept"
LANGS = ["en", "wa", "ka"]
OVERLAY = {
    "models": {
        MODEL: {
            "source": "scratch",
            "corpus": "world-accept",
            "seed": 0,
            "vocab_size": 1000,
            "hidden_size": 32,
            "layers": 2,
            "heads": 2,
            "intermediate_size": 64,
            "max_length": 128,
            "mask_prob": 0.15,
            "lr": 0.001,
            "steps": 30,
            "batch_size": 32,
            "warmup": 0.05,
        }
    },
    "datasets": {
        "world-accept": {
            "source": "world",
            "seed": 13,
            "corpus_sentences": 600,
            "sizes": {
                "intermediate": {"train": 120, "dev": 40},
                "target": {"train": 120, "dev": 40, "test": 40},
                "retrieval": {"dev": 20, "test": 20},
            },
        }
    },
    "presets": {
        "accept": {
            "inherit": "ci",
            "model": MODEL,
            "data": "world-accept",
            "intermediate": ["none", "mnli2"],
            "targets": ["xnli2"],
            "languages": LANGS,
            "seeds": [1],
            "export": None,
        }
    },
}


#: docs/adding-a-metric.md's example, appended to the registry as a user would write it there
MACRO_F1 = """

def _macro_f1(fmt, examples, predictions, lang):
    from sklearn.metrics import f1_score

    predicted, gold = fmt.accuracy_items(examples, predictions)
    return {"macro_f1": 100.0 * f1_score(gold, predicted, average="macro")}


METRICS["macro_f1"] = Metric("macro_f1", "macro_f1", ("macro_f1",), scorer=_macro_f1,
                             description="unweighted mean of the per-class F1 scores")
"""


def copy_task(work, source: str, name: str, metric: tuple[str, str] | None = None) -> None:
    tasks = work / "workflow" / "stiltgrid" / "tasks"
    text = (tasks / f"{source}.py").read_text()
    assert f'NAME = "{source}"' in text
    text = text.replace(f'NAME = "{source}"', f'NAME = "{name}"')
    if metric:
        assert f'metric="{metric[0]}"' in text
        text = text.replace(f'metric="{metric[0]}"', f'metric="{metric[1]}"')
    (tasks / f"{name}.py").write_text(text)


def add_metric(work) -> None:
    registry = work / "workflow" / "stiltgrid" / "metrics" / "registry.py"
    registry.write_text(registry.read_text() + MACRO_F1)


@pytest.mark.slow
def test_a_copied_intermediate_and_target_module_run_to_metrics(tmp_path):
    work = copy_workflow(tmp_path / "repo")
    copy_task(work, "mnli", "mnli2")
    copy_task(work, "xnli", "xnli2", metric=("accuracy", "macro_f1"))
    add_metric(work)
    overlay = tmp_path / "accept.yaml"
    overlay.write_text(yaml.safe_dump(OVERLAY))
    run_snakemake(work, "--cores", "2", "--configfile", overlay, "--config", "preset=accept")
    results = work / "results" / MODEL
    for inter in ("none", "mnli2"):
        for lang in LANGS:
            metrics = json.loads((results / "eval" / inter / "xnli2" / "seed1" / f"{lang}.metrics.json").read_text())
            assert (metrics["target"], metrics["intermediate"]) == ("xnli2", inter)
            assert set(metrics["metrics"]) == {"macro_f1"} and 0 <= metrics["metrics"]["macro_f1"] <= 100
    # the new metric is the copied target's score in the tables: the paper table averages its languages' macro F1
    scores = [line.split("\t") for line in (results / "tables" / "accept" / "scores.tsv").read_text().splitlines()]
    rows = [dict(zip(scores[0], row)) for row in scores[1:]]
    assert {row["metric"] for row in rows if row["target"] == "xnli2"} == {"macro_f1"}
    paper = [line.split("\t") for line in (results / "tables" / "accept" / "paper_table.tsv").read_text().splitlines()]
    baseline = dict(zip(paper[0], next(row for row in paper if row[0] == "none")))
    values = [
        float(row["value"])
        for row in rows
        if (row["intermediate"], row["target"], row["split"]) == ("none", "xnli2", "test")
    ]
    assert float(baseline["xnli2"]) == pytest.approx(sum(values) / len(values), abs=0.01)
    assert (results / "intermediate" / "mnli2" / "seed1" / CELL_TRAIN_SUMMARY).is_file()
    assert (work / "resources" / "data" / "world-accept" / "tasks" / "mnli2" / "train.jsonl").is_file()

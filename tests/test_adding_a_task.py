"""A new task is one module: copy an existing task's module under a new name, name it in a preset, and the grid runs.

Both copies (an intermediate task in an existing format and a target in an existing format) go into one small run in
a scratch copy of the workflow; no file but the new modules and the user's --configfile overlay is touched."""

from __future__ import annotations

import json

import pytest
import yaml

from repo import copy_workflow, run_snakemake
from stiltgrid.paths import CELL_TRAIN_SUMMARY

MODEL = "tiny-accept"
LANGS = ["en", "wa", "ka"]
OVERLAY = {
    "models": {MODEL: {"source": "scratch", "corpus": "world-accept", "seed": 0, "vocab_size": 1000,
                       "hidden_size": 32, "layers": 2, "heads": 2, "intermediate_size": 64, "max_length": 128,
                       "mask_prob": 0.15, "lr": 0.001, "steps": 30, "batch_size": 32, "warmup": 0.05}},
    "datasets": {"world-accept": {"source": "world", "seed": 13, "corpus_sentences": 600,
                                  "sizes": {"intermediate": {"train": 120, "dev": 40},
                                            "target": {"train": 120, "dev": 40, "test": 40},
                                            "retrieval": {"dev": 20, "test": 20}}}},
    "presets": {"accept": {"inherit": "ci", "model": MODEL, "data": "world-accept", "intermediate": ["none", "mnli2"],
                           "targets": ["xnli2"], "languages": LANGS, "seeds": [1], "export": None}},
}


def copy_task(work, source: str, name: str) -> None:
    tasks = work / "workflow" / "stiltgrid" / "tasks"
    text = (tasks / f"{source}.py").read_text()
    assert f'NAME = "{source}"' in text
    (tasks / f"{name}.py").write_text(text.replace(f'NAME = "{source}"', f'NAME = "{name}"'))


@pytest.mark.slow
def test_a_copied_intermediate_and_target_module_run_to_metrics(tmp_path):
    work = copy_workflow(tmp_path / "repo")
    copy_task(work, "mnli", "mnli2")
    copy_task(work, "xnli", "xnli2")
    overlay = tmp_path / "accept.yaml"
    overlay.write_text(yaml.safe_dump(OVERLAY))
    run_snakemake(work, "--cores", "2", "--configfile", overlay, "--config", "preset=accept")
    results = work / "results" / MODEL
    for inter in ("none", "mnli2"):
        for lang in LANGS:
            metrics = json.loads((results / "eval" / inter / "xnli2" / "seed1" / f"{lang}.metrics.json").read_text())
            assert (metrics["target"], metrics["intermediate"]) == ("xnli2", inter)
            assert 0 <= metrics["metrics"]["accuracy"] <= 100
    assert (results / "intermediate" / "mnli2" / "seed1" / CELL_TRAIN_SUMMARY).is_file()
    assert (work / "resources" / "data" / "world-accept" / "tasks" / "mnli2" / "train.jsonl").is_file()

"""End to end on a slice of the `demo-r` preset: XCOPA (trained on the world's English split), LAReQA and Mewsli-X
(scored with mAP@20 on the encoder) run through the grid offline, for the baseline and one intermediate task, and
every metrics file holds a finite score; the aggregate computes the XTREME-R table."""

import json
import math

import pandas as pd
import pytest
import yaml
from repo import copy_workflow, run_snakemake

pytestmark = pytest.mark.slow
MODEL = "tiny-xr"
SLICE = {
    "model": MODEL,
    "data": "world-xr",
    "intermediate": ["none", "squad"],
    "targets": ["xcopa", "lareqa", "mewslix"],
    "languages": ["en", "wa", "ka"],
    # the MLM below has 64 positions (demo's 96 would be refused when the workflow is parsed)
    "training": {"intermediate": {"defaults": {"max_length": 64}}, "target": {"defaults": {"max_length": 64}}},
}
# A smaller world and MLM than ci's keep the run near a minute on 2 cores: the test checks the wiring, not accuracy.
CHANGE = {
    "presets": {"demo-r": SLICE},
    "models": {
        MODEL: {
            "source": "scratch",
            "corpus": "world-xr",
            "seed": 0,
            "vocab_size": 1500,
            "hidden_size": 64,
            "layers": 2,
            "heads": 2,
            "intermediate_size": 128,
            "max_length": 64,
            "mask_prob": 0.15,
            "lr": 0.002,
            "steps": 150,
            "batch_size": 32,
            "warmup": 0.05,
        }
    },
    "datasets": {
        "world-xr": {
            "source": "world",
            "seed": 13,
            "corpus_sentences": 3000,
            "sizes": {
                "intermediate": {"train": 300, "dev": 50},
                "target": {"train": 400, "dev": 50, "test": 60},
                "retrieval": {"dev": 40, "test": 60},
            },
        }
    },
}


def test_demo_r_slice_runs_the_xtreme_r_targets(tmp_path):
    work = copy_workflow(tmp_path / "workflow")
    change = tmp_path / "slice.yaml"
    change.write_text(yaml.safe_dump(CHANGE))
    run_snakemake(work, "--cores", "2", "--configfile", change, "--config", "preset=demo-r")

    headline = {"xcopa": "accuracy", "lareqa": "map@20", "mewslix": "map@20"}
    for inter in SLICE["intermediate"]:
        for target in SLICE["targets"]:
            for lang in SLICE["languages"]:
                cell = work / "results" / MODEL / "eval" / inter / target / "seed1"
                record = json.loads((cell / f"{lang}.metrics.json").read_text())
                value = record["metrics"][headline[target]]
                assert math.isfinite(value) and 0.0 <= value <= 100.0, (inter, target, lang, value)
                assert record["n_examples"] > 0
                predictions = [
                    json.loads(line) for line in (cell / f"{lang}.predictions.jsonl").read_text().splitlines()
                ]
                if target != "xcopa":  # top-20 candidate ids per query
                    assert predictions and all(len(p["prediction"]) == 20 for p in predictions)
    table = pd.read_csv(work / "results" / MODEL / "tables" / "demo-r" / "xtreme_score.tsv", sep="\t")
    assert set(table["benchmark"]) == {"xtreme_r"} and set(table["intermediate"]) == {"none", "squad", "best-dev"}
    rows, targets = table.set_index("intermediate"), ["xcopa", "lareqa", "mewslix"]
    assert rows.loc["best-dev", targets].tolist() == rows.loc["squad", targets].tolist()  # the only one to choose
    assert table["xcopa"].notna().all() and table["lareqa"].notna().all() and table["mewslix"].notna().all()

"""A synthetic grid for the results page (tests/test_results_page.py, the `report` behaviour probe): planted scores
over 8 languages in two seeds, the aggregate's tables from them, training summaries with dev and loss curves, and one
research question's outputs. Everything is written under the current directory, with relative paths, as in a
workflow's working directory."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from stiltgrid.core import paths as P
from stiltgrid.results import aggregate as A

LIFT = {"none": 0.0, "mnli": 3.0, "squad": -1.0}  # planted gain on xnli and udpos, per intermediate
TARGETS = ["xnli", "udpos", "tatoeba"]
MODEL, PRESET = "m", "synthetic"
sys.path.insert(0, str(Path(__file__).parent / "analysis"))  # analysis_data: planted scores, a world's languages


def build(seeds=(1, 2), warnings=("configuration: a planted warning",)) -> tuple[str, dict, str]:
    """Writes the synthetic grid into the current directory; returns (site directory, settings, language table)."""
    import pandas as pd
    from analysis_data import WORLD, tidy_scores

    shutil.rmtree("results", ignore_errors=True)
    effects = {
        inter: (lambda lang, target, lift=lift: lift if target != "tatoeba" else 0.0) for inter, lift in LIFT.items()
    }
    scores = tidy_scores(WORLD, effects, seeds=seeds, targets=tuple(TARGETS), model=MODEL)
    languages = list(WORLD.index)
    WORLD[["iso", "name", "family", "genus", "script", "pretrain_tokens_m", "pretrain_gib"]].to_csv(
        "languages.tsv", sep="\t", index=False
    )
    task_languages = {t: languages if t != "tatoeba" else languages[1:] for t in TARGETS}
    scores = scores[[lang in task_languages[t] for t, lang in zip(scores.target, scores.language)]]
    scores.loc[scores.target == "tatoeba", "seed"] = seeds[0]  # a retrieval cell runs in the grid's first seed
    scores = scores.astype({"seed": int})
    tables = P.TABLES.format(model=MODEL, preset=PRESET)
    figures = P.FIGURES.format(model=MODEL, preset=PRESET)
    outputs = {
        "scores": f"{tables}/scores.tsv",
        "paper_table": f"{tables}/paper_table.tsv",
        "paper_markdown": f"{tables}/paper_table.md",
        "xtreme": f"{tables}/xtreme_score.tsv",
        "categories": f"{tables}/category_scores.tsv",
        "best": f"{tables}/best_per_target.tsv",
        "warnings": f"{tables}/warnings.md",
        "heatmap": f"{figures}/gains_heatmap.png",
    }
    cells, summaries = [], []
    for inter, lift in LIFT.items():
        for target in TARGETS:
            for seed in seeds if target != "tatoeba" else seeds[:1]:
                cell = P.EVAL_DIR.format(model=MODEL, intermediate=inter, target=target, seed=seed)
                Path(cell).mkdir(parents=True, exist_ok=True)
                for lang in task_languages[target]:
                    Path(cell, P.CELL_METRICS.format(lang=lang)).write_text("{}\n")  # linked, not read
                inter_summary = None
                if inter != "none":
                    inter_summary = (
                        P.INTERMEDIATE.format(model=MODEL, intermediate=inter, seed=seed) + "/" + P.CELL_TRAIN_SUMMARY
                    )
                    write_summary(inter_summary, 70.0 + lift, steps=40)
                summary = None
                if target != "tatoeba":
                    summary = f"{cell}/{P.CELL_TRAIN_SUMMARY}"
                    write_summary(summary, 60.0 + lift + seed / 10, steps=20)
                    summaries.append(summary)
                cells.append(
                    {
                        "intermediate": inter,
                        "target": target,
                        "seed": str(seed),
                        "dir": cell,
                        "summary": summary,
                        "intermediate_summary": inter_summary,
                    }
                )
    A.write_all(
        scores,
        outputs,
        task_languages=task_languages,
        baseline="none",
        intermediate_order=list(LIFT),
        target_order=TARGETS,
        dev=A.dev_scores(summaries, scores, task_languages),
    )
    A.write_warnings(list(warnings), outputs["warnings"])
    question = P.ANALYSIS.format(model=MODEL, preset=PRESET, question="volume")
    Path(question).mkdir(parents=True, exist_ok=True)
    Path(question, "summary.md").write_text(
        "# Gain vs pre-training volume\n\n| target | rho |\n|---|---|\n"
        "| xnli | 0.25 |\n\nThe gain does **not** depend on volume.\n"
    )
    shutil.copy(outputs["heatmap"], Path(question, "figure.png"))
    pd.DataFrame({"target": ["xnli"], "rho": [0.25]}).to_csv(Path(question, "table.tsv"), sep="\t", index=False)
    analyses = {
        "volume": {
            k: f"{question}/{f}"
            for k, f in (("table", "table.tsv"), ("figure", "figure.png"), ("summary", "summary.md"))
        }
    }
    settings = {
        "model": MODEL,
        "preset": PRESET,
        "tables": outputs,
        "cells": cells,
        "analyses": analyses,
        "baseline": "none",
        "intermediates": [*LIFT, "best-dev"],
        "targets": TARGETS,
        "task_languages": task_languages,
    }
    return P.REPORT.format(model=MODEL, preset=PRESET), settings, "languages.tsv"


def write_summary(path: str, best: float, steps: int) -> None:
    """A training summary with a dev curve rising to ``best`` and a falling loss, as the trainer writes them."""
    history = [{"step": s, "dev": round(best - 10.0 / s * 4, 4)} for s in range(4, steps + 1, 4)]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(
        json.dumps(
            {
                "steps": steps,
                "total_steps": steps,
                "best_dev": max(h["dev"] for h in history),
                "stopped_early": False,
                "history": history,
                "loss": {
                    "every": 1,
                    "step": list(range(1, steps + 1)),
                    "loss": [round(2.0 / (1 + 0.2 * s), 4) for s in range(1, steps + 1)],
                },
                "dev_baseline": {"task": 33.3},
                "warnings": [],
            }
        )
    )

"""Jobs over finished cells (phase 5): the score tables, the results page, the leaderboard export, the research
questions."""

from __future__ import annotations

import json
from pathlib import Path

from stiltgrid.core import paths
from stiltgrid.formats import get_format
from stiltgrid.grid.lineage import settings_of as _params
from stiltgrid.jobs.common import load_split, log, sealed, setup
from stiltgrid.tasks import get_task


# -- phase 5 -------------------------------------------------------------------------------------------------------
@sealed
def aggregate(smk) -> None:
    from stiltgrid.results import aggregate as A

    setup(smk)
    p = _params(smk)
    records = list(p.metrics) + list(p.dev_metrics)
    results = A.tidy(records)
    dev = A.dev_scores(list(p.summaries), results, dict(p.task_languages))
    A.write_all(
        results,
        dict(smk.output),
        task_languages=dict(p.task_languages),
        baseline=p.baseline,
        intermediate_order=list(p.intermediates),
        target_order=list(p.targets),
        dev=dev,
    )
    warnings = A.gather_warnings(list(p.config_warnings), list(p.warning_summaries), records)
    A.write_warnings(warnings, smk.output.warnings)
    if warnings:
        log.warning("%d warning(s) in %s", len(warnings), smk.output.warnings)


@sealed
def results_page(smk) -> None:
    """The static results site (stiltgrid.results.page)."""
    from stiltgrid.results import page as R

    setup(smk)
    pages = R.write_site(smk.output[0], vars(_params(smk)), smk.input.languages)
    log.info("wrote %d pages into %s", len(pages), smk.output[0])


@sealed
def export_predictions(smk) -> None:
    """One row's test predictions in the layout XTREME's evaluate.py reads (stiltgrid.results.export)."""
    from stiltgrid.results import export as X

    setup(smk)
    p = _params(smk)
    manifest = X.write_submission(
        smk.output[0],
        p.row,
        p.seed,
        dict(p.targets),
        dict(p.cells),
        dict(p.data),
        dict(p.skipped),
        getattr(smk.input, "choices", None),
    )
    log.info(
        "exported %s (seed %d): %s; skipped %s",
        p.row,
        p.seed,
        {task: spec["intermediate"] for task, spec in manifest["tasks"].items()},
        manifest["skipped"],
    )


# -- the research questions ----------------------------------------------------------------------------------------
@sealed
def analyse(smk) -> None:
    """One research question: its table, figure and summary from the metrics of the cells it compares."""
    from stiltgrid.analysis import QUESTIONS
    from stiltgrid.results import aggregate as A

    setup(smk)
    p = _params(smk)
    question, section = p.question, dict(p.section)
    stats = {"n_boot": p.bootstrap, "alpha": p.alpha, "seed": p.seed}
    scores = A.tidy(list(p.metrics))
    languages = smk.input.languages
    module = QUESTIONS[question]
    if question == "families":
        result = module.analyse(
            scores, languages=languages, comparisons=section["comparisons"], targets=list(p.targets), **stats
        )
    elif question == "low_resource":
        result = module.analyse(
            scores,
            languages=languages,
            comparisons=section["comparisons"],
            strata=dict(section["strata"]),
            targets=list(p.targets),
            **stats,
        )
    elif question == "xtreme_mix":
        result = module.analyse(
            scores,
            comparisons=section["comparisons"],
            targets=list(p.targets),
            task_languages=dict(p.task_languages),
            **stats,
        )
    elif question == "alternatives":
        result = module.analyse(
            scores,
            reference=section["reference"],
            alternatives=list(section["alternatives"]),
            kinds=dict(p.kinds),
            targets=list(p.targets),
            task_languages=dict(p.task_languages),
            **stats,
        )
    elif question == "tuning":
        checkpoints = {inter: list(dirs) for inter, dirs in dict(p.checkpoints).items()}
        tunings = module.tunings_of(
            {inter: f"{dirs[0]}/{paths.CELL_TRAIN_SUMMARY}" for inter, dirs in checkpoints.items()}
        )
        result = module.analyse(
            scores,
            reference=section["reference"],
            alternatives=list(section["alternatives"]),
            sizes=module.sizes(checkpoints),
            tunings=tunings,
            kinds=dict(p.kinds),
            targets=list(p.targets),
            task_languages=dict(p.task_languages),
            **stats,
        )
    elif question == "selection":
        estimates = dict(p.estimates)
        table, seconds = module.read_estimates(
            dict(estimates["text"]),
            {t: dict(v) for t, v in estimates["logme"].items()},
            list(p.candidates),
            list(p.targets),
        )
        result = module.analyse(
            scores,
            estimates=table,
            candidates=list(p.candidates),
            targets=list(p.targets),
            seconds=seconds,
            grid_seconds=_recorded_seconds(list(smk.input.intermediates), list(smk.input.cells)),
            **stats,
        )
    elif question == "volume":
        result = module.analyse(
            scores,
            languages=languages,
            intermediates=[i for i in p.intermediates if i != "none"],
            targets=list(p.targets),
            volume_column=section.get("column", "pretrain_gib"),
            **stats,
        )
    else:
        perturbed = _perturbed_scores(scores, list(p.perturbed))
        difficulty = _difficulty(dict(p.difficulty_tasks), list(smk.input.intermediates), list(smk.input.task_data))
        result = module.analyse(perturbed, difficulty=difficulty, targets=list(p.targets), **stats)
    module.write(result, str(Path(smk.output.table).parent))
    log.info("analysis %s: %s", question, result.facts)


def _recorded_seconds(intermediate_dirs: list[str], cell_dirs: list[str]) -> dict[str, float]:
    """The training loops' seconds the grid's jobs recorded (train_summary.json): intermediates and trained cells."""

    def total(dirs):
        found = [Path(d) / paths.CELL_TRAIN_SUMMARY for d in dirs]
        return round(sum(json.loads(f.read_text())["seconds"] for f in found if f.exists()), 3)

    return {"intermediates": total(intermediate_dirs), "cells": total(cell_dirs)}


def _perturbed_scores(clean, perturbed_files: list[str]):
    """Clean and perturbed scores in one long table (clean rows: perturbation 'clean', strength 0)."""
    import pandas as pd

    rows = []
    for path in perturbed_files:
        record = json.loads(Path(path).read_text())
        for metric, value in record["metrics"].items():
            rows.append(
                {
                    "model": record["model"],
                    "intermediate": record["intermediate"],
                    "target": record["target"],
                    "language": record["language"],
                    "seed": record["seed"],
                    "perturbation": record["perturbation"],
                    "strength": float(record["strength"]),
                    "metric": metric,
                    "value": float(value),
                }
            )
    targets = {row["target"] for row in rows}
    clean = clean[clean["target"].isin(targets)].assign(perturbation="clean", strength=0.0)
    return pd.concat([clean, pd.DataFrame(rows)], ignore_index=True)


def _difficulty(tasks: dict[str, str], intermediate_dirs: list[str], data_dirs: list[str]) -> list[dict]:
    """Each intermediate's best English dev score (mean over seeds) and its task's chance level."""
    from stiltgrid.analysis.robustness import chance_level

    best: dict[str, list[float]] = {}
    for path in intermediate_dirs:
        inter = Path(path).parent.name
        best.setdefault(inter, []).append(json.loads((Path(path) / paths.CELL_TRAIN_SUMMARY).read_text())["best_dev"])
    data = {Path(d).name: d for d in data_dirs}
    rows = []
    for inter, name in tasks.items():
        task = get_task(name)
        n_choices = None
        if get_format(task.format).multi_sequence:
            dev = load_split(data[name], task, "dev")
            n_choices = round(sum(len(ex["choices"]) for ex in dev) / len(dev))
        rows.append(
            {
                "intermediate": inter,
                "format": task.format,
                "dev_score": sum(best[inter]) / len(best[inter]),
                "chance": chance_level(task.format, len(task.labels) if task.labels else None, n_choices),
            }
        )
    return rows

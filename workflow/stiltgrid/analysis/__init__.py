"""Research questions answered from score tables.

Each module exposes ``analyse(..., keyword arguments) -> Result`` (``Result.table`` is the DataFrame written to
``table.tsv``; ``Result.facts`` plain summary facts; ``Result.summary`` the markdown; ``Result.details`` per-unit
tables) and ``write(result, out_dir) -> {name: path}`` (``table.tsv``, ``figure.png``, ``summary.md``,
``facts.json`` and one ``<name>.tsv`` per detail table).

======================  ==============================================================================
``families``            mixing gain (mixed vs English-only intermediate) per language family
``low_resource``        augmentation gain per pre-training-volume stratum (low / mid / high / unknown)
``xtreme_mix``          mixed vs English-only by XTREME score over seeds, paired test over (task, language)
``robustness``          intermediate-task difficulty vs robustness to perturbations
``volume``              per-language gain over ``none`` vs pre-training volume
``alternatives``        English-only vs its alternatives (continued MLM, translated data) by XTREME score
``tuning``              full fine-tuning vs LoRA of an intermediate task: XTREME score and checkpoint size
``selection``           which intermediate to train for a target, estimated before training, scored on the grid
======================  ==============================================================================

Gains use each target's headline score (QA: mean of EM and F1), seed-averaged, zero-shot languages only (English
excluded), in points on the 0-100 scale. Statistics are in :mod:`stiltgrid.analysis.stats`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stiltgrid.analysis import alternatives, families, low_resource, robustness, selection, tuning, volume, xtreme_mix
from stiltgrid.analysis.common import Result, headline_scores

QUESTIONS = {
    "families": families,
    "low_resource": low_resource,
    "xtreme_mix": xtreme_mix,
    "robustness": robustness,
    "volume": volume,
    "alternatives": alternatives,
    "tuning": tuning,
    "selection": selection,
}

__all__ = ["QUESTIONS", "Result", "headline_scores", "read_scores", "read_perturbed", "read_difficulty"]


def _read(path, numeric: tuple[str, ...]) -> pd.DataFrame:
    # only empty fields are missing: language codes such as "na" must stay strings
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=[""])
    for col in numeric:
        if col in table.columns:
            table[col] = pd.to_numeric(table[col], errors="coerce")
    return table


def read_scores(path: str | Path) -> pd.DataFrame:
    """The tidy scores TSV written by ``stiltgrid.results.aggregate`` (model, intermediate, target, language, seed,
    metric, value); seed and value numeric, an empty seed (seed-independent retrieval rows) is NaN."""
    table = _read(path, ("seed", "value"))
    missing = [
        c for c in ("model", "intermediate", "target", "language", "seed", "metric", "value") if c not in table.columns
    ]
    if missing:
        raise ValueError(f"{path}: not a tidy scores table, lacks column(s) {', '.join(missing)}")
    return table


def read_perturbed(path: str | Path) -> pd.DataFrame:
    """A perturbed-scores TSV: the tidy columns plus ``perturbation`` and ``strength``."""
    table = _read(path, ("seed", "strength", "value"))
    if "perturbation" not in table.columns or "strength" not in table.columns:
        raise ValueError(f"{path}: a perturbed-scores table needs columns perturbation and strength")
    return table


def read_difficulty(path: str | Path) -> pd.DataFrame:
    """A difficulty TSV (intermediate, format, dev_score, chance) for :mod:`robustness`."""
    return _read(path, ("dev_score", "dev", "best_dev", "chance"))

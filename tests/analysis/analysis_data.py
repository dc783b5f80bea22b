"""Synthetic score tables with planted effects for the analysis tests.

A score is ``50 + target offset + language offset + effect(intermediate, language, target) + seed noise``; the
language and target offsets are shared by every intermediate, so they cancel in gains and only the planted effect
and the noise remain.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stiltgrid.core.languages import load_languages

TARGETS = ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc", "tatoeba")
QA = ("xquad", "mlqa", "tydiqa")
TAGGING = ("udpos", "panx")
RETRIEVAL = ("bucc", "tatoeba")

REAL = load_languages()

# a generated-world-like table: 8 languages, 4 families, tiny volumes
WORLD = pd.DataFrame(
    [
        ("en", "English", "westic", 0.18),
        ("wa", "Wessish", "westic", 0.15),
        ("wb", "Borlandic", "westic", 0.03),
        ("ea", "Vostrian", "eastic", 0.12),
        ("eb", "Dolnavian", "eastic", 0.02),
        ("sa", "Sunari", "southic", 0.10),
        ("sb", "Maleku", "southic", 0.04),
        ("ka", "Kartvan", "kartic", 0.06),
    ],
    columns=["iso", "name", "family", "pretrain_gib"],
)
WORLD["genus"] = WORLD["family"]
WORLD["script"] = "Latn"
WORLD["pretrain_tokens_m"] = WORLD["pretrain_gib"] * 100
WORLD.index = pd.Index(WORLD["iso"].tolist())


def _metrics(target: str, value: float) -> dict[str, float]:
    if target in QA:  # the mean of EM and F1 is the planted value
        return {"exact_match": value - 8.0, "f1": value + 8.0}
    if target in TAGGING or target == "bucc":
        return {"f1": value, "precision": value + 3.0, "recall": value - 3.0}
    return {"accuracy": value}


def tidy_scores(
    languages: pd.DataFrame,
    effects: dict,
    *,
    seeds=(1, 2, 3),
    noise: float = 1.0,
    seed: int = 0,
    targets=TARGETS,
    model: str = "m",
) -> pd.DataFrame:
    """``effects``: intermediate -> function(language row, target) -> planted shift in points."""
    rng = np.random.default_rng(seed)
    lang_offset = {iso: rng.normal(0, 5) for iso in languages.index}
    target_offset = {t: rng.normal(0, 5) for t in targets}
    rows = []
    for inter, effect in effects.items():
        for target in targets:
            for iso, lang in languages.iterrows():
                base = 50 + target_offset[target] + lang_offset[iso] + effect(lang, target)
                run_seeds = [math.nan] if target in RETRIEVAL else list(seeds)  # retrieval: seed-independent
                for s in run_seeds:
                    value = base + rng.normal(0, noise)
                    for metric, v in _metrics(target, value).items():
                        rows.append((model, inter, target, iso, s, "test", metric, v))
    return pd.DataFrame(
        rows, columns=["model", "intermediate", "target", "language", "seed", "split", "metric", "value"]
    )


def zero(lang, target) -> float:
    return 0.0


# intermediate -> (format, chance level, best English dev score)
DIFFICULTY = {
    "mnli": ("pair_classification", 100 / 3, 84.0),
    "anli": ("pair_classification", 100 / 3, 52.0),
    "qqp": ("pair_classification", 50.0, 90.0),
    "sst2": ("classification", 50.0, 94.0),
    "squad": ("span_qa", 0.0, 88.0),
    "hellaswag": ("multiple_choice", 25.0, 60.0),
    "cosmosqa": ("multiple_choice", 25.0, 70.0),
    "commonsenseqa": ("multiple_choice", 20.0, 55.0),
    "ccg": ("tagging", 0.0, 95.0),
}


def difficulty_records() -> list[dict]:
    return [
        {"intermediate": name, "format": fmt, "dev_score": dev, "chance": chance}
        for name, (fmt, chance, dev) in DIFFICULTY.items()
    ]


def difficulty_of(name: str) -> float:
    fmt, chance, dev = DIFFICULTY[name]
    return 1 - (dev - chance) / (100 - chance)


def perturbed_scores(
    languages: pd.DataFrame,
    robustness: dict,
    *,
    perturbations=("typo", "swap"),
    strengths=(0.1, 0.3),
    seeds=(1, 2),
    targets=("xnli", "udpos", "xquad", "tatoeba"),
    noise: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """``robustness``: intermediate -> planted perturbed/clean ratio (before the strength scaling)."""
    rng = np.random.default_rng(seed)
    rows = []
    for inter, ratio in robustness.items():
        for target in targets:
            for iso in languages.index:
                clean_base = 60 + rng.normal(0, 5)
                for s in [math.nan] if target in RETRIEVAL else list(seeds):
                    clean = clean_base + rng.normal(0, noise)
                    cells = [("clean", 0.0, clean)]
                    for p in perturbations:
                        for strength in strengths:
                            factor = 1 - (1 - ratio) * strength / max(strengths)
                            cells.append((p, strength, clean * factor + rng.normal(0, noise)))
                    for pert, strength, value in cells:
                        for metric, v in _metrics(target, value).items():
                            rows.append(("m", inter, target, iso, s, pert, strength, metric, v))
    return pd.DataFrame(
        rows,
        columns=["model", "intermediate", "target", "language", "seed", "perturbation", "strength", "metric", "value"],
    )

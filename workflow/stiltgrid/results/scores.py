"""XTREME and XTREME-R benchmark scores from a tidy results table.

Input: a pandas DataFrame in long form with columns ``model, intermediate, target, language, seed, metric, value``
(one row per model x intermediate task x target task x language x seed x metric; ``value`` in percent). ``target``
may use any spelling accepted by :func:`stiltgrid.data.xtreme.canonical_task`; rows of other targets are ignored.
``language`` is the evaluated language (for BUCC / Tatoeba the non-English side). Metric names are lower-cased and a
few aliases are accepted (``acc``, ``em``, ``exact``, ``map20``, ``map_at_20``); rows with a missing value count as
missing.

The rule (google-research/xtreme ``evaluate.py``; fact sheet 5.1), applied per (model, intermediate, seed):

1. for each metric of :func:`stiltgrid.data.xtreme.score_metrics` of a task, average it over the task's languages;
2. the task value is the mean of those averages (QA: (avg EM + avg F1) / 2; otherwise the single metric);
3. a category score is the mean of its tasks' values, only when all of them are present;
4. the overall score is the unweighted mean over *all* tasks of the benchmark, only when every task is present;
   otherwise it is NaN and the ``missing`` column says why.

A task is present only when every one of its languages has every score metric; which languages count is the
official list unless ``task_languages`` overrides it (a generated world has its own lists; ``None`` for a task means
"the languages present in the data"). Extra languages in the data (e.g. English for Tatoeba) are ignored.

Seeds. Rows whose ``seed`` is missing (NaN/None) are seed-independent (e.g. BUCC and Tatoeba, which have no
target-task fine-tuning) and are used in every seed of the same (model, intermediate). With
``average_seeds=True`` values are first averaged over the seeds available for each (model, intermediate, target,
language, metric) cell and then scored once per (model, intermediate); ``n_seeds`` gives the number of distinct
seeds seen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from stiltgrid.data import xtreme as xt
from stiltgrid.metrics.registry import KEY_ALIASES
from stiltgrid.tasks import get_task

COLUMNS = ("model", "intermediate", "target", "language", "seed", "metric", "value")
GROUP_KEYS = ("model", "intermediate")
OVERALL = "overall"
MISSING = "missing"

METRIC_ALIASES: Mapping[str, str] = KEY_ALIASES


def _prepare(results: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(results, pd.DataFrame):
        raise TypeError(f"scores: expected a pandas DataFrame, got {type(results).__name__}")
    missing = [c for c in COLUMNS if c not in results.columns]
    if missing:
        raise ValueError(f"scores: results table lacks column(s) {', '.join(missing)}; "
                         f"expected {', '.join(COLUMNS)}")
    df = results.loc[:, list(COLUMNS)].copy()
    values = pd.to_numeric(df["value"], errors="coerce")
    bad = values.isna() & df["value"].notna()
    if bad.any():
        row = df.index[bad.to_numpy()][0]
        raise ValueError(f"scores: non-numeric value {df.at[row, 'value']!r} in row {row}")
    df["value"] = values.astype(float)
    df = df[df["value"].notna()]
    df["task"] = df["target"].map(xt.known_task)
    df["metric"] = df["metric"].map(lambda m: METRIC_ALIASES.get(str(m).strip().lower(), str(m).strip().lower()))
    df["language"] = df["language"].map(lambda lang: str(lang).strip())
    return df[df["task"].notna()]


def _languages_table(benchmark: str, task_languages: Mapping[str, Sequence[str] | None] | None) -> dict:
    table: dict[str, tuple[str, ...] | None] = xt.benchmark_task_languages(benchmark)
    for name, langs in (task_languages or {}).items():
        task = xt.canonical_task(name)
        if task not in table:
            raise ValueError(f"task_languages: task {name!r} is not part of {benchmark}")
        if isinstance(langs, str):
            raise ValueError(f"task_languages[{name!r}] must be a list of language codes, not a string")
        table[task] = None if langs is None else tuple(langs)
    return table


def task_value(rows: pd.DataFrame, task: str, languages: Sequence[str] | None) -> tuple[float, str]:
    """(value, reason) for one task from the rows of one group; reason is '' when the task is complete."""
    if rows.empty:
        return math.nan, "no results"
    averages = []
    problems = []
    for metric in xt.score_metrics(task):
        m_rows = rows[rows["metric"] == metric]
        dup = m_rows["language"].duplicated(keep=False)
        if dup.any():
            langs = sorted(set(m_rows.loc[dup, "language"]))
            raise ValueError(f"scores: several '{metric}' values for task {task}, language(s) {', '.join(langs)} "
                             f"in one model/intermediate/seed group")
        by_lang = dict(zip(m_rows["language"], m_rows["value"]))
        wanted = tuple(sorted(by_lang)) if languages is None else tuple(languages)
        if not wanted:
            problems.append(f"no '{metric}' values")
            continue
        absent = [lang for lang in wanted if lang not in by_lang]
        if absent:
            problems.append(f"'{metric}' missing for {', '.join(absent)}")
            continue
        averages.append(float(np.mean([by_lang[lang] for lang in wanted])))
    if problems:
        return math.nan, "; ".join(problems)
    return float(np.mean(averages)), ""


def _seed_order(seed) -> tuple:
    if isinstance(seed, (int, float, np.integer, np.floating)) and not isinstance(seed, bool):
        return (0, float(seed), "")
    return (1, 0.0, str(seed))


def _score_group(rows: pd.DataFrame, benchmark: str, languages: dict) -> dict:
    out: dict[str, float | str] = {}
    reasons = []
    tasks = xt.benchmark_tasks(benchmark)
    for task in tasks:
        value, reason = task_value(rows[rows["task"] == task], task, languages[task])
        out[task] = value
        if reason:
            reasons.append(f"{task}: {reason}")
    for cat, cat_tasks in xt.benchmark_categories(benchmark).items():
        vals = [out[t] for t in cat_tasks]
        out[cat] = float(np.mean(vals)) if not any(math.isnan(v) for v in vals) else math.nan
    vals = [out[t] for t in tasks]
    out[OVERALL] = float(np.mean(vals)) if not reasons else math.nan
    out[MISSING] = "; ".join(reasons)
    return out


def benchmark_scores(results: pd.DataFrame, benchmark: str = xt.XTREME,
                     task_languages: Mapping[str, Sequence[str] | None] | None = None,
                     average_seeds: bool = False) -> pd.DataFrame:
    """Task, category and overall scores per (model, intermediate, seed), or per (model, intermediate) with
    ``average_seeds=True``.

    Columns: ``model, intermediate`` (+ ``seed``, or ``n_seeds`` when averaging), one column per task id of the
    benchmark, one per category (``classification, structured_prediction, qa, retrieval``), ``overall`` and
    ``missing`` (empty when every task is complete, else the reason the overall score is NaN).
    """
    benchmark = xt.benchmark_id(benchmark)
    languages = _languages_table(benchmark, task_languages)
    df = _prepare(results)
    tasks = xt.benchmark_tasks(benchmark)
    cats = list(xt.benchmark_categories(benchmark))
    records = []
    for key, rows in df.groupby(list(GROUP_KEYS), sort=True, dropna=False):
        base = dict(zip(GROUP_KEYS, key))
        if average_seeds:
            cells = rows.groupby(["task", "language", "metric"], sort=True)["value"].mean().reset_index()
            rec = {**base, "n_seeds": int(rows["seed"].nunique())}
            rec.update(_score_group(cells, benchmark, languages))
            records.append(rec)
            continue
        seeded = rows[rows["seed"].notna()]
        shared = rows[rows["seed"].isna()]  # seed-independent rows join every seed
        seeds = sorted(pd.unique(seeded["seed"]), key=_seed_order) or [None]
        for seed in seeds:
            part = seeded[seeded["seed"] == seed] if seed is not None else seeded.iloc[0:0]
            rec = {**base, "seed": seed}
            both = pd.concat([part, shared]) if len(shared) and len(part) else (part if len(part) else shared)
            rec.update(_score_group(both, benchmark, languages))
            records.append(rec)
    head = list(GROUP_KEYS) + (["n_seeds"] if average_seeds else ["seed"])
    columns = head + list(tasks) + cats + [OVERALL, MISSING]
    return pd.DataFrame.from_records(records, columns=columns)


def xtreme_scores(results: pd.DataFrame, task_languages: Mapping[str, Sequence[str] | None] | None = None,
                  average_seeds: bool = False) -> pd.DataFrame:
    """:func:`benchmark_scores` for XTREME (9 tasks)."""
    return benchmark_scores(results, xt.XTREME, task_languages, average_seeds)


def xtreme_r_scores(results: pd.DataFrame, task_languages: Mapping[str, Sequence[str] | None] | None = None,
                    average_seeds: bool = False) -> pd.DataFrame:
    """:func:`benchmark_scores` for XTREME-R (10 tasks; LAReQA counted in retrieval)."""
    return benchmark_scores(results, xt.XTREME_R, task_languages, average_seeds)


# -- headline scores of the tidy table --------------------------------------------------------------------------
SCORE_COLUMNS = COLUMNS


def headline_metrics(target: str) -> tuple[str, ...]:
    """The metrics a target's headline score averages (span QA: EM and F1), from the registry or XTREME's table."""
    try:
        task = get_task(target)
    except KeyError:
        if xt.known_task(target) is None:
            raise ValueError(f"target {target!r} is neither a registered task nor an XTREME task") from None
        return xt.score_metrics(target)
    return task.score_metrics


def select_model(scores: pd.DataFrame, model: str | None) -> pd.DataFrame:
    models = sorted(scores["model"].dropna().astype(str).unique())
    if model is None:
        if len(models) > 1:
            raise ValueError(f"the scores hold several models ({', '.join(models)}); pass model=...")
        return scores
    if model not in models:
        raise ValueError(f"model {model!r} not in the scores (models: {', '.join(models) or 'none'})")
    return scores[scores["model"].astype(str) == model]


def headline_scores(scores: pd.DataFrame, *, targets: Sequence[str] | None = None,
                    intermediates: Sequence[str] | None = None, model: str | None = None,
                    exclude_languages: Sequence[str] = ("en",), average_seeds: bool = True,
                    extra_keys: Sequence[str] = ()) -> pd.DataFrame:
    """One headline value per (intermediate, target, language[, seed][, extra keys]).

    ``scores``: the tidy table (columns model, intermediate, target, language, seed, metric, value, plus
    ``extra_keys``). A cell needs every headline metric of its target (QA: EM and F1) or it is dropped. With
    ``average_seeds`` each metric is first averaged over the seeds of the cell (NaN seeds, the seed-independent
    retrieval rows, included), else the seed is a key. Returns columns intermediate, target, language,
    [seed,] extra keys, value.
    """
    needed = list(SCORE_COLUMNS) + list(extra_keys)
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise ValueError(f"scores table lacks column(s) {', '.join(missing)}; expected {', '.join(needed)}")
    df = select_model(scores, model).loc[:, needed].copy()
    for col in ("intermediate", "target", "language"):
        df[col] = df[col].astype(str).str.strip()
    df["metric"] = df["metric"].map(lambda m: METRIC_ALIASES.get(str(m).strip().lower(), str(m).strip().lower()))
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df["seed"] = pd.to_numeric(df["seed"], errors="coerce")
    df = df[df["value"].notna()]
    if targets is not None:
        df = df[df["target"].isin(list(targets))]
    if intermediates is not None:
        df = df[df["intermediate"].isin(list(intermediates))]
    if exclude_languages:
        df = df[~df["language"].isin(list(exclude_languages))]
    wanted = {t: headline_metrics(t) for t in df["target"].unique()}
    df = df.loc[np.array([m in wanted[t] for t, m in zip(df["target"], df["metric"])], dtype=bool)]
    keys = ["intermediate", "target", "language"] + ([] if average_seeds else ["seed"]) + list(extra_keys)
    dup = df.duplicated(keys + ([] if not average_seeds else ["seed"]) + ["metric"], keep=False)
    if dup.any():
        row = df[dup].iloc[0]
        raise ValueError("scores: several values for one cell: " +
                         ", ".join(f"{c}={row[c]}" for c in dict.fromkeys(keys + ["seed", "metric"])))
    cells = df.groupby(keys + ["metric"], dropna=False, sort=True)["value"].mean().reset_index()
    grouped = cells.groupby(keys, dropna=False, sort=True)
    out = grouped["value"].mean().reset_index()
    count = grouped["metric"].nunique().to_numpy()
    need = np.array([len(wanted[t]) for t in out["target"]], dtype=int)
    return out[count == need].reset_index(drop=True)

"""Q8: which intermediate task to train for a target, estimated before paying for the grid, scored against the grid.

For each target, the candidates (the preset's intermediates other than the baseline ``none``; multitask and variants
in the list are candidates like any task) are ranked by each estimator:

* ``text_similarity`` (Vu et al. 2020, TextEmb): cosine between the candidate's and the target's task vectors, the
  mean of the base encoder's mean-pooled last layer over a seeded sample of English training texts (multitask: a
  sample of the union of its tasks' sets; a retrieval target: the English side of its dev sets);
* ``logme`` (You et al. 2021): LogME of the target's sampled English training features under the candidate's
  checkpoint (first seed); labelled targets only: a retrieval target has no labels, and the estimator does not
  apply to it (its rows say so);
* ``train_size`` (Poth et al. 2021's baseline): the candidate's number of English training examples;
* ``random``: the expected value of each metric under a uniformly random order (exact, not sampled).

Ties in the top-k metrics are broken by the preset's order of the intermediates (Spearman ranks tied scores
together: all training sets of the generated world have one size, so ``train_size`` only puts multitask, the
union, first). The truth is the grid's own measured gain: each
zero-shot language's seed-averaged headline score of the candidate minus the baseline's, averaged over languages
(as the analyses' gains are). Metrics per target: Spearman's rho between estimate and gain; NDCG@3 with relevance
gain minus the worst candidate's gain; Regret@k (k = 1, 3) = the best gain minus the best gain among the top k
predicted, in XTREME points. Intervals: percentile bootstrap over languages per target; overall (the mean over
targets) a two-stage bootstrap over targets, then languages. Costs: each estimator's jobs' own recorded seconds
(whole job, model loading included) against the grid's recorded training-loop seconds (every intermediate training
and trained cell; retrieval scoring and job start-up not counted, so the grid's figure is a lower bound).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st

QUESTION = "selection"
ESTIMATORS = ("text_similarity", "logme", "train_size", "random")
#: NDCG's cut-off and the regrets' k
NDCG_K, REGRET_KS = 3, (1, 3)
METRICS = ("spearman", "ndcg3", "regret1", "regret3")
LABELLED = "labelled"  # the overall row over the targets every estimator applies to


# -- estimates -----------------------------------------------------------------------------------------------------
def read_estimates(
    text_files: dict[str, str],
    logme_files: dict[str, dict[str, str]],
    candidates: Sequence[str],
    targets: Sequence[str],
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Scores per (estimator, target, intermediate) from the estimate jobs' files, and each estimator's recorded
    job-seconds (``train_size``: read by the text jobs, no job of its own)."""
    text = {name: json.loads(Path(path).read_text()) for name, path in text_files.items()}
    rows = []
    for target in targets:
        for inter in candidates:
            rows.append(("text_similarity", target, inter, _cosine(text[inter]["vector"], text[target]["vector"])))
            rows.append(("train_size", target, inter, float(text[inter]["n_train"])))
    seconds = {
        "text_similarity": sum(float(t["seconds"]) for t in text.values()),
        "train_size": 0.0,
        "random": 0.0,
        "logme": 0.0,
    }
    for target, by_inter in logme_files.items():
        for inter, path in by_inter.items():
            record = json.loads(Path(path).read_text())
            rows.append(("logme", target, inter, float(record["logme"])))
            seconds["logme"] += float(record["seconds"])
    return pd.DataFrame(rows, columns=["estimator", "target", "intermediate", "score"]), seconds


def _cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norm) if norm > 0 else math.nan


def ranking(scores: pd.DataFrame, estimator: str, target: str, candidates: Sequence[str]) -> list[str] | None:
    """Candidates best first by an estimator for a target (ties: the candidates' order), or None when the
    estimator has no score for the target."""
    block = scores[(scores["estimator"] == estimator) & (scores["target"] == target)]
    value = dict(zip(block["intermediate"], block["score"]))
    if not value or any(c not in value or not np.isfinite(value[c]) for c in candidates):
        return None
    return sorted(candidates, key=lambda c: (-value[c], list(candidates).index(c)))


# -- ranking metrics -----------------------------------------------------------------------------------------------
def _ndcg_weights(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, k + 2))


def ranking_metrics(predicted, gains) -> dict[str, np.ndarray]:
    """The metrics of one predicted score per candidate (higher: predicted better) against gains, one row per
    replicate: ``gains`` (B x I) or (I,). Ties in ``predicted`` keep the candidates' order."""
    g = np.atleast_2d(np.asarray(gains, dtype=float))
    pred = np.asarray(predicted, dtype=float)
    order = np.lexsort((np.arange(pred.size), -pred))  # best first; ties by position
    n = pred.size
    k = min(NDCG_K, n)
    rank_pred = sps.rankdata(pred)
    rank_true = sps.rankdata(g, axis=1)
    a = rank_pred - rank_pred.mean()
    b = rank_true - rank_true.mean(axis=1, keepdims=True)
    denom = np.sqrt((a * a).sum() * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        spearman = np.where(denom > 0, (b @ a) / denom, np.nan)
    rel = g - g.min(axis=1, keepdims=True)
    w = _ndcg_weights(k)
    dcg = rel[:, order[:k]] @ w
    ideal = -np.sort(-rel, axis=1)[:, :k] @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        ndcg = np.where(ideal > 0, dcg / ideal, 1.0)  # every candidate equal: any order is ideal
    best = g.max(axis=1)
    out = {"spearman": spearman, "ndcg3": ndcg}
    for kk in REGRET_KS:
        out[f"regret{kk}"] = best - g[:, order[: min(kk, n)]].max(axis=1)
    return out


def random_metrics(gains) -> dict[str, np.ndarray]:
    """The expected metrics of a uniformly random order: Spearman 0; NDCG@3 the mean relevance at every rank;
    Regret@k the best gain minus the expected best of a random k-subset (sum over the sorted gains of the chance
    that each is the subset's maximum)."""
    g = np.atleast_2d(np.asarray(gains, dtype=float))
    n = g.shape[1]
    k = min(NDCG_K, n)
    rel = g - g.min(axis=1, keepdims=True)
    w = _ndcg_weights(k)
    ideal = -np.sort(-rel, axis=1)[:, :k] @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        ndcg = np.where(ideal > 0, rel.mean(axis=1) * w.sum() / ideal, 1.0)
    ascending = np.sort(g, axis=1)
    out = {"spearman": np.zeros(g.shape[0]), "ndcg3": ndcg}
    for kk in REGRET_KS:
        m = min(kk, n)
        # P(the j-th smallest, 0-based, is the max of a random m-subset) = C(j, m-1) / C(n, m)
        chance = np.array([math.comb(j, m - 1) for j in range(n)], dtype=float) / math.comb(n, m)
        out[f"regret{kk}"] = g.max(axis=1) - ascending @ chance
    return out


def expected_regret_bruteforce(gains: Sequence[float], k: int) -> float:
    """Regret@k of a random order by enumerating the k-subsets (for checking :func:`random_metrics`)."""
    g = list(gains)
    subsets = list(combinations(g, min(k, len(g))))
    return max(g) - sum(max(s) for s in subsets) / len(subsets)


# -- the analysis --------------------------------------------------------------------------------------------------
def gain_matrix(
    head: pd.DataFrame, target: str, candidates: Sequence[str], baseline: str
) -> tuple[np.ndarray, list[str]]:
    """Languages x candidates: each zero-shot language's gain over the baseline (languages every candidate and the
    baseline were scored in)."""
    block = head[head["target"] == target].pivot_table(index="language", columns="intermediate", values="value")
    missing = [i for i in [baseline, *candidates] if i not in block.columns]
    if missing:
        raise ValueError(f"selection: target {target} has no zero-shot scores for {', '.join(missing)}")
    block = block[[baseline, *candidates]].dropna()
    if block.empty:
        raise ValueError(f"selection: target {target}: no language scored for every candidate and {baseline}")
    gains = block[list(candidates)].to_numpy(dtype=float) - block[[baseline]].to_numpy(dtype=float)
    return gains, list(block.index)


def analyse(
    scores: pd.DataFrame,
    *,
    estimates: pd.DataFrame,
    candidates: Sequence[str],
    targets: Sequence[str],
    seconds: dict[str, float] | None = None,
    grid_seconds: dict[str, float] | None = None,
    baseline: str = "none",
    model: str | None = None,
    exclude_languages: Sequence[str] = ("en",),
    n_boot: int = st.N_BOOT,
    alpha: float = st.ALPHA,
    seed: int = 0,
) -> C.Result:
    """Score each estimator's ranking of ``candidates`` per target against the grid's gains.

    scores: tidy table of the grid. estimates: (estimator, target, intermediate, score) rows (:func:`read_estimates`).
    seconds: each estimator's recorded job-seconds; grid_seconds: {"intermediates": s, "cells": s} recorded by the
    grid's training jobs.
    """
    candidates, targets = list(candidates), list(targets)
    if len(candidates) < 2:
        raise ValueError("selection: needs at least two intermediates besides the baseline to rank")
    head = C.headline_scores(
        scores, targets=targets, intermediates=[baseline, *candidates], model=model, exclude_languages=exclude_languages
    )
    rows, reps, per_target_gains = [], {}, []
    for target in targets:
        gains, langs = gain_matrix(head, target, candidates, baseline)
        mean_gain = gains.mean(axis=0)
        rng = st.substream(seed, QUESTION, target)
        draws = rng.integers(0, len(langs), size=(n_boot, len(langs)))
        boot = gains[draws].mean(axis=1)  # B x I
        best = candidates[int(np.argmax(mean_gain))]
        per_target_gains.append(pd.DataFrame({"target": target, "intermediate": candidates, "gain": mean_gain}))
        for estimator in ESTIMATORS:
            if estimator == "random":
                point, rep, top = random_metrics(mean_gain), random_metrics(boot), ""
            else:
                order = ranking(estimates, estimator, target, candidates)
                if order is None:
                    rows.append(
                        {
                            "estimator": estimator,
                            "target": target,
                            "applies": False,
                            "n_candidates": len(candidates),
                            "n_languages": len(langs),
                            "best": best,
                        }
                    )
                    continue
                # the scores themselves: Spearman ranks tied scores together; top-k breaks ties by candidate order
                block = estimates[(estimates["estimator"] == estimator) & (estimates["target"] == target)]
                pred = block.set_index("intermediate")["score"].reindex(candidates).to_numpy(dtype=float)
                point, rep, top = ranking_metrics(pred, mean_gain), ranking_metrics(pred, boot), order[0]
            reps[(estimator, target)] = rep
            row = {
                "estimator": estimator,
                "target": target,
                "applies": True,
                "n_candidates": len(candidates),
                "n_languages": len(langs),
                "best": best,
                "best_gain": float(mean_gain.max()),
                "top1": top,
                "top3": " ".join(order[:3]) if estimator != "random" else "",
            }
            for metric in METRICS:
                low, high = st.percentile_ci(rep[metric], alpha)
                row.update({metric: float(point[metric][0]), f"{metric}_ci_low": low, f"{metric}_ci_high": high})
            rows.append(row)
    labelled = [t for t in targets if all((e, t) in reps for e in ESTIMATORS)]
    for group, members in ((C.ALL, targets), (LABELLED, labelled)):
        for estimator in ESTIMATORS:
            used = [t for t in members if (estimator, t) in reps]
            if not used:
                continue
            row = {
                "estimator": estimator,
                "target": group,
                "applies": True,
                "n_candidates": len(candidates),
                "n_targets": len(used),
                "targets": " ".join(used),
            }
            rng = st.substream(seed, QUESTION, group, estimator)
            pick_t = rng.integers(0, len(used), size=(n_boot, len(used)))
            pick_b = rng.integers(0, n_boot, size=(n_boot, len(used)))
            for metric in METRICS:
                point = float(np.nanmean([_row(rows, estimator, t)[metric] for t in used]))
                stack = np.stack([reps[(estimator, t)][metric] for t in used])  # T x B
                boot = np.nanmean(stack[pick_t, pick_b], axis=1)
                low, high = st.percentile_ci(boot, alpha)
                row.update({metric: point, f"{metric}_ci_low": low, f"{metric}_ci_high": high})
            rows.append(row)
    table = pd.DataFrame(rows)
    table["n_targets"] = table["n_targets"].astype("Int64")
    seconds = dict(seconds or {})
    grid_seconds = dict(grid_seconds or {})
    grid_total = sum(grid_seconds.values()) if grid_seconds else math.nan
    table["cost_s"] = [
        seconds.get(e, math.nan) if t in (C.ALL, LABELLED) else math.nan
        for e, t in zip(table["estimator"], table["target"])
    ]
    overall = {
        e: {m: _row(rows, e, C.ALL).get(m) for m in METRICS}
        | {
            f"{m}_ci": [_row(rows, e, C.ALL).get(f"{m}_ci_low"), _row(rows, e, C.ALL).get(f"{m}_ci_high")]
            for m in METRICS
        }
        | {
            "n_targets": _row(rows, e, C.ALL).get("n_targets"),
            "labelled": {m: _row(rows, e, LABELLED).get(m) for m in METRICS},
            "cost_s": seconds.get(e),
        }
        for e in ESTIMATORS
        if _row(rows, e, C.ALL)
    }
    facts = {
        "baseline": baseline,
        "candidates": candidates,
        "targets": targets,
        "labelled_targets": labelled,
        "not_applicable": {
            e: [t for t in targets if (e, t) not in reps]
            for e in ESTIMATORS
            if any((e, t) not in reps for t in targets)
        },
        "overall": overall,
        "seconds": seconds,
        "grid_seconds": grid_seconds,
        "grid_total_s": grid_total,
        "best": {t: _row(rows, "random", t)["best"] for t in targets},
        "top1": {e: {t: _row(rows, e, t).get("top1") for t in targets} for e in ESTIMATORS if e != "random"},
    }
    params = {"alpha": alpha, "n_boot": n_boot, "seed": seed, "ndcg_k": NDCG_K, "regret_k": list(REGRET_KS)}
    details = {"estimates": estimates, "gains": pd.concat(per_target_gains, ignore_index=True)}
    result = C.Result(QUESTION, table, facts, "", details, params)
    result.summary = _summary(result)
    return result


def _row(rows: list[dict], estimator: str, target: str) -> dict:
    for row in rows:
        if row["estimator"] == estimator and row["target"] == target:
            return row
    return {}


def _hours(seconds: float) -> str:
    return "n/a" if seconds is None or not math.isfinite(seconds) else f"{seconds:,.0f} s"


def _summary(result: C.Result) -> str:
    f, p, table = result.facts, result.params, result.table
    lines = [
        "# Choosing the intermediate task before training it",
        "",
        f"{len(f['candidates'])} candidate intermediates ({', '.join(f['candidates'])}) ranked per target by "
        f"each estimator, scored against the grid's gain over `{f['baseline']}` (seed-averaged headline score, "
        f"zero-shot languages, averaged over languages, XTREME points). 95% intervals: bootstrap over languages "
        f"per target, over targets then languages overall ({p['n_boot']} replicates). Regret@k: the best gain "
        f"minus the best gain among the top k predicted (0 = the best intermediate is among them).",
        "",
        "| estimator | targets | Regret@1 | Regret@3 | Spearman | NDCG@3 | job-seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for estimator in ESTIMATORS:
        row = _row(table.to_dict("records"), estimator, C.ALL)
        if not row:
            continue
        cells = [
            f"{row[m]:.2f} {C.ci(row[f'{m}_ci_low'], row[f'{m}_ci_high'], signed=False)}"
            for m in ("regret1", "regret3")
        ]
        cells += [
            f"{row[m]:+.2f} {C.ci(row[f'{m}_ci_low'], row[f'{m}_ci_high'])}"
            if m == "spearman"
            else f"{row[m]:.2f} {C.ci(row[f'{m}_ci_low'], row[f'{m}_ci_high'], signed=False)}"
            for m in ("spearman", "ndcg3")
        ]
        cost = "expected value, no job" if estimator == "random" else _hours(f["seconds"].get(estimator))
        lines.append(f"| {estimator} | {int(row['n_targets'])} | " + " | ".join(cells) + f" | {cost} |")
    grid = f["grid_seconds"]
    lines += [
        "",
        f"The grid itself recorded {_hours(f['grid_total_s'])} of training loops "
        f"({_hours(grid.get('intermediates'))} intermediate training, {_hours(grid.get('cells'))} target "
        f"cells; retrieval scoring and job start-up not counted). LogME also needs every intermediate "
        f"trained: its estimate saves target cells only; text similarity and training-set size need no "
        f"training at all.",
    ]
    for estimator, missing in f["not_applicable"].items():
        why = " (retrieval: no labels, the target is scored on the encoder)" if estimator == "logme" else ""
        lines.append(
            f"- `{estimator}` has no estimate for {', '.join(missing)}{why}; its overall row averages the "
            f"other targets, and the `{LABELLED}` rows of table.tsv compare every estimator on the targets "
            f"every one of them scores."
        )
    lines += [
        "",
        "Per target (Regret@3 in points; the predicted and the measured best):",
        "",
        "| target | best (gain) | " + " | ".join(e for e in ESTIMATORS if e != "random") + " |",
        "|---|---|" + "---|" * (len(ESTIMATORS) - 1),
    ]
    records = table.to_dict("records")
    for target in f["targets"]:
        ref = _row(records, "random", target)
        cells = []
        for estimator in ESTIMATORS[:-1]:
            row = _row(records, estimator, target)
            cells.append("n/a" if not row.get("applies") else f"{row['regret3']:.2f} ({row['top1']})")
        lines.append(f"| {target} | {ref['best']} ({ref['best_gain']:+.2f}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Rows per target and overall with every interval in table.tsv; the estimates in estimates.tsv, the "
        "measured gains in gains.tsv.",
    ]
    return "\n".join(lines) + "\n"


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    table = result.table
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    overall = table[table["target"] == C.ALL].set_index("estimator")
    names = [e for e in ESTIMATORS if e in overall.index]
    for ax, metric, label in ((axes[0], "regret3", "Regret@3 (XTREME points, lower is better)"),):
        values = overall.loc[names, metric].to_numpy(dtype=float)
        low = values - overall.loc[names, f"{metric}_ci_low"].to_numpy(dtype=float)
        high = overall.loc[names, f"{metric}_ci_high"].to_numpy(dtype=float) - values
        ax.bar(range(len(names)), values, yerr=[low, high], color="tab:blue", capsize=4)
        ax.set_xticks(range(len(names)), names, fontsize=8)
        ax.set_ylabel(label, fontsize=8)
        ax.set_title("mean over targets, 95% CI", fontsize=9)
    per = table[(~table["target"].isin([C.ALL, LABELLED])) & table["applies"].astype(bool)]
    targets = list(dict.fromkeys(per["target"]))
    width = 0.8 / max(1, len(names))
    for n, estimator in enumerate(names):
        block = per[per["estimator"] == estimator].set_index("target").reindex(targets)
        axes[1].bar(
            np.arange(len(targets)) + n * width, block["spearman"].to_numpy(dtype=float), width, label=estimator
        )
    axes[1].axhline(0, color="k", lw=0.6)
    axes[1].set_xticks(np.arange(len(targets)) + width * (len(names) - 1) / 2, targets, fontsize=7, rotation=30)
    axes[1].set_ylabel("Spearman rho, estimate vs gain", fontsize=8)
    axes[1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """Write table.tsv, figure.png, summary.md, facts.json, estimates.tsv and gains.tsv into ``out_dir``."""
    return C.write_result(result, out_dir, figure)

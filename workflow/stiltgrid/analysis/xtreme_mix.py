"""Q3: does a mixed-language intermediate beat its English-only version on the XTREME score?

Per comparison (mixed, english) of intermediate names:

* XTREME score per seed by the official rule (:func:`stiltgrid.results.scores.xtreme_scores`: per-task value =
  language average of the task's score metrics, QA = mean of EM and F1; seed-independent retrieval rows join every
  seed), averaged over the XTREME tasks present for both intermediates. With all nine tasks present this is the
  official overall score; otherwise the summary says "XTREME score over the N present tasks". A task's languages
  are those scored for both intermediates (so both average the same languages), restricted to the lists of
  ``task_languages`` where given (listed languages without scores are named in the summary); English counts where
  it is scored, as in the official rule. Mean and standard deviation (ddof=1) over seeds.
* A paired test over (task, language) pairs of seed-averaged per-language headline scores, zero-shot languages
  only: Wilcoxon signed-rank (scipy) and a sign-flip permutation test; the mean difference has a two-stage
  bootstrap interval (languages, then their tasks). Significant = both p-values and the bootstrap p below alpha.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st
from stiltgrid.data import xtreme as xt
from stiltgrid.results import scores as S

QUESTION = "xtreme_mix"
ROLES = ("mixed", "english")  # the table's names of a comparison's two intermediates
N_TASKS = len(xt.benchmark_tasks(xt.XTREME))


def _canonical(target: str) -> str | None:
    task = xt.known_task(target)
    return task if task in xt.benchmark_tasks(xt.XTREME) else None


def analyse(
    scores: pd.DataFrame,
    *,
    comparisons,
    targets: Sequence[str] | None = None,
    model: str | None = None,
    task_languages: Mapping[str, Sequence[str] | None] | None = None,
    exclude_languages: Sequence[str] = ("en",),
    n_boot: int = st.N_BOOT,
    n_perm: int = st.N_PERM,
    alpha: float = st.ALPHA,
    seed: int = 0,
) -> C.Result:
    """Mixed vs English-only intermediates by XTREME score and a paired test.

    scores: tidy table. comparisons: [(mixed, english), ...]. targets: default all XTREME targets in the scores.
    task_languages: {target: [languages] or None}; default: the languages present for every target.
    """
    comps = C.pairs(comparisons)
    scored, xtreme_targets, ignored = xtreme_scored(scores, targets, model, QUESTION)
    names = sorted({name for pair in comps for name in pair})
    head = C.headline_scores(scored, intermediates=names, exclude_languages=exclude_languages)
    C.require_intermediates(head, names, QUESTION)
    rows, per_seed_out, pairs_out, facts = [], [], [], {"comparisons": [], "ignored_targets": ignored}
    for mixed, english in comps:
        row, per_seed, gains = compare(
            scored,
            head,
            xtreme_targets,
            mixed,
            english,
            roles=ROLES,
            task_languages=task_languages,
            n_boot=n_boot,
            n_perm=n_perm,
            alpha=alpha,
            seed=seed,
            question=QUESTION,
        )
        per_seed_out.append(per_seed)
        pairs_out.append(gains)
        rows.append(row)
        facts["comparisons"].append(plain(row))
    table = pd.DataFrame(rows)
    details = {"per_seed": pd.concat(per_seed_out, ignore_index=True), "pairs": pd.concat(pairs_out, ignore_index=True)}
    params = {"alpha": alpha, "n_boot": n_boot, "n_perm": n_perm, "seed": seed}
    result = C.Result(QUESTION, table, facts, "", details, params)
    result.summary = _summary(result)
    return result


def plain(row: dict) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}


def xtreme_scored(
    scores: pd.DataFrame, targets: Sequence[str] | None, model: str | None, question: str
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The rows of XTREME targets (among ``targets`` when given), those targets, and the targets left out."""
    scored = C.select_model(scores, model)
    if targets is not None:
        scored = scored[scored["target"].isin(list(targets))]
    xtreme_targets = sorted({t for t in scored["target"].astype(str).unique() if _canonical(t)})
    ignored = sorted(set(scored["target"].astype(str).unique()) - set(xtreme_targets))
    if not xtreme_targets:
        raise ValueError(f"{question}: no XTREME target in the scores")
    return scored[scored["target"].isin(xtreme_targets)], xtreme_targets, ignored


def compare(
    scored: pd.DataFrame,
    head: pd.DataFrame,
    xtreme_targets: Sequence[str],
    variant: str,
    reference: str,
    *,
    roles: tuple[str, str],
    task_languages,
    n_boot: int,
    n_perm: int,
    alpha: float,
    seed: int,
    question: str,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """One comparison: its table row (columns named by ``roles``, the variant's role first), the per-seed XTREME
    scores of both and the paired (task, language) differences."""
    role, other = roles
    comp = C.label(variant, reference)
    sub = scored[scored["intermediate"].isin([variant, reference])]
    languages, missing = _languages(sub, variant, reference, task_languages)
    per_seed = S.xtreme_scores(sub, task_languages=languages, average_seeds=False)
    tasks = [
        t
        for t in xt.benchmark_tasks(xt.XTREME)
        if all(per_seed.loc[per_seed["intermediate"] == i, t].notna().any() for i in (variant, reference))
    ]
    if not tasks:
        raise ValueError(f"{question}: no XTREME task is complete for both {variant} and {reference}")
    per_seed["xtreme"] = per_seed[tasks].mean(axis=1, skipna=False)
    per_seed.insert(0, "comparison", comp)
    per_seed["role"] = np.where(per_seed["intermediate"] == variant, role, other)
    per_seed = per_seed[["comparison", "intermediate", "role", "seed", "xtreme"] + tasks]
    summary = {
        r: per_seed.loc[per_seed["intermediate"] == name, "xtreme"].dropna()
        for r, name in ((role, variant), (other, reference))
    }

    task_targets = [t for t in xtreme_targets if _canonical(t) in tasks]
    gains = C.paired_gains(head[head["target"].isin(task_targets)], variant, reference)
    if gains.empty:
        raise ValueError(f"{question}: no zero-shot (task, language) pair scored for both {variant} and {reference}")
    gains.insert(0, "comparison", comp)
    test = st.paired_test(gains["gain"], n_perm=n_perm, seed=seed, label=comp)
    effect = st.mean_effect(
        gains["gain"], gains["language"], n_boot=n_boot, n_perm=n_perm, alpha=alpha, seed=seed, label=comp
    )
    p_value = max(test.wilcoxon_p, test.permutation_p, effect.p_bootstrap)
    row = {
        "comparison": comp,
        role: variant,
        other: reference,
        "n_tasks": len(tasks),
        "tasks": " ".join(tasks),
        "official": len(tasks) == N_TASKS,
    }
    for r in roles:
        values = summary[r]
        row.update(
            {
                f"xtreme_{r}_mean": float(values.mean()) if len(values) else math.nan,
                f"xtreme_{r}_std": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                f"n_seeds_{r}": int(len(values)),
            }
        )
    row.update(
        {
            "xtreme_difference": row[f"xtreme_{role}_mean"] - row[f"xtreme_{other}_mean"],
            "n_pairs": test.n,
            "n_languages": int(gains["language"].nunique()),
            "mean_pair_difference": test.mean_difference,
            "ci_low": effect.ci_low,
            "ci_high": effect.ci_high,
            "wilcoxon_statistic": test.wilcoxon_statistic,
            "wilcoxon_p": test.wilcoxon_p,
            "permutation_p": test.permutation_p,
            "bootstrap_p": effect.p_bootstrap,
            "p_value": p_value,
            "significant": bool(p_value < alpha),
            "share_positive": float((gains["gain"] > 0).mean()),
            "languages": " ".join(sorted(gains["language"].unique())),
            "unscored_languages": "; ".join(f"{t}: {' '.join(v)}" for t, v in sorted(missing.items())),
        }
    )
    return row, per_seed, gains


def _languages(sub: pd.DataFrame, mixed: str, english: str, given) -> tuple[dict, dict]:
    """Per target the languages to average: those scored for both intermediates (so both average the same
    languages), restricted to ``given[target]`` where a list is given; and per target the given languages that
    have no score for one of the two."""
    given = {t: langs for t, langs in dict(given or {}).items() if _canonical(t) and langs is not None}
    out, missing = {}, {}
    for target, rows in sub.groupby(sub["target"].astype(str)):
        seen = [set(rows.loc[rows["intermediate"] == name, "language"].astype(str)) for name in (mixed, english)]
        both = seen[0] & seen[1]
        if target in given:
            wanted = [str(lang) for lang in given[target]]
            out[target] = [lang for lang in wanted if lang in both]
            if len(out[target]) < len(wanted):
                missing[target] = [lang for lang in wanted if lang not in both]
        else:
            out[target] = sorted(both)
    return out, missing


def score_name(n_tasks: int) -> str:
    return "XTREME score" if n_tasks == N_TASKS else f"XTREME score over the {n_tasks} present tasks"


def _summary(result: C.Result) -> str:
    lines = ["# Mixed vs English-only intermediate training (XTREME score)", "", method(result.params), ""]
    if result.facts["ignored_targets"]:
        lines += [f"Targets outside XTREME, not scored: {', '.join(result.facts['ignored_targets'])}.", ""]
    for r in result.facts["comparisons"]:
        lines += [f"## {r['comparison']}", "", *comparison_lines(r, ROLES), ""]
    lines.append("Per-seed scores are in per_seed.tsv; the paired differences in pairs.tsv.")
    return "\n".join(lines) + "\n"


def method(p: dict) -> str:
    """How the summary's scores and tests are computed (``p``: the result's params)."""
    return (
        "XTREME score: official rule (per-task language average of the score metrics, QA = mean of EM and F1, "
        "unweighted mean over tasks), one value per seed. Paired test: seed-averaged per-language headline "
        "scores of every zero-shot (task, language) pair, Wilcoxon signed-rank and sign-flip permutation "
        f"({p['n_perm']} draws or exact); interval: two-stage bootstrap over languages ({p['n_boot']} "
        f"replicates). Significant = every p < {p['alpha']}."
    )


def comparison_lines(r: dict, roles: tuple[str, str]) -> list[str]:
    """The summary's bullets for one comparison row (see :func:`compare`)."""
    role, other = roles
    name = score_name(r["n_tasks"])
    verdict = C.verdict(r["significant"], r["mean_pair_difference"], "improvement", "degradation")
    lines = [
        f"- {name} ({r['tasks']}): {r[role]} {C.num(r[f'xtreme_{role}_mean'], signed=False)} "
        f"(sd {C.num(r[f'xtreme_{role}_std'], signed=False)}, {r[f'n_seeds_{role}']} seeds) vs "
        f"{r[other]} {C.num(r[f'xtreme_{other}_mean'], signed=False)} "
        f"(sd {C.num(r[f'xtreme_{other}_std'], signed=False)}, {r[f'n_seeds_{other}']} seeds): "
        f"difference {C.num(r['xtreme_difference'])} points.",
        f"- Paired over {r['n_pairs']} (task, language) pairs in {r['n_languages']} languages: mean "
        f"difference {C.num(r['mean_pair_difference'])} points, 95% CI {C.ci(r['ci_low'], r['ci_high'])}, "
        f"Wilcoxon p {C.pval(r['wilcoxon_p'])}, sign-flip p {C.pval(r['permutation_p'])}, "
        f"{100 * r['share_positive']:.0f}% of pairs favour {r[role]}: {verdict}.",
    ]
    if r["unscored_languages"]:
        lines.append(
            f"- Listed languages without scores for both, left out of the task averages: {r['unscored_languages']}."
        )
    return lines


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    per_seed = result.details["per_seed"]
    comps = list(result.table["comparison"])
    fig, axes = plt.subplots(1, len(comps), figsize=(max(4.8, 2.8 * len(comps) + 0.8), 3.8), squeeze=False)
    for ax, (_, row) in zip(axes[0], result.table.iterrows()):
        sub = per_seed[per_seed["comparison"] == row["comparison"]]
        for x, (name, role) in enumerate(((row["english"], "english"), (row["mixed"], "mixed"))):
            values = sub.loc[sub["intermediate"] == name, "xtreme"].dropna().to_numpy()
            mean, sd = row[f"xtreme_{role}_mean"], row[f"xtreme_{role}_std"]
            color = "tab:gray" if role == "english" else "tab:blue"
            ax.errorbar(x, mean, yerr=0 if math.isnan(sd) else sd, fmt="o", color=color, ms=8, capsize=6)
            jitter = np.linspace(-0.1, 0.1, values.size) if values.size > 1 else np.zeros(values.size)
            ax.scatter(x + 0.2 + jitter, values, color=color, s=14, alpha=0.7, zorder=3)
        ax.set_xticks([0, 1], [row["english"], row["mixed"]])
        ax.set_xlim(-0.6, 1.8)
        ax.set_ylabel(score_name(int(row["n_tasks"])))
        star = " *" if row["significant"] else ""
        ax.set_title(
            f"{row['comparison']}{star}\nmean paired difference {row['mean_pair_difference']:+.2f}", fontsize=8
        )
    fig.suptitle("XTREME score: mean ± sd over seeds (dots: seeds)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """Write table.tsv, figure.png, summary.md, facts.json, per_seed.tsv and pairs.tsv into ``out_dir``."""
    return C.write_result(result, out_dir, figure)

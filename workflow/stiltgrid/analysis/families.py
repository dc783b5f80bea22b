"""Q1: does mixing non-English data into intermediate training help every language family alike?

For each comparison (variant, reference) -- e.g. ``("mnli-mix50", "mnli")``, a mixed intermediate against its
English-only base -- the gain of each zero-shot (target, language) pair is the variant's headline score minus the
reference's (seed-averaged, English excluded). Gains are then summarised per language family, per target and over
all targets ("all"), with a pooled row (family "all") over every language.

Statistics (see :mod:`stiltgrid.analysis.stats`): interval = two-stage bootstrap (languages, then a language's
targets); significance = bootstrap and sign-flip permutation p-values both below alpha, Holm-adjusted over the
families of one (comparison, target) block, and at least ``min_languages`` languages in the family. Per block the
table also gives the worst family (lowest mean gain) and the spread (max - min family mean) with a stratified
bootstrap interval (languages resampled within each family).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st

QUESTION = "families"


def analyse(
    scores: pd.DataFrame,
    *,
    languages,
    comparisons,
    targets: Sequence[str] | None = None,
    model: str | None = None,
    exclude_languages: Sequence[str] = ("en",),
    n_boot: int = st.N_BOOT,
    n_perm: int = st.N_PERM,
    alpha: float = st.ALPHA,
    seed: int = 0,
    min_languages: int = 2,
) -> C.Result:
    """Mixing gain per language family.

    scores: tidy table (model, intermediate, target, language, seed, metric, value).
    languages: language table (DataFrame or path to languages.tsv); its ``family`` column groups languages.
    comparisons: [(variant, reference), ...] intermediate names.
    targets: targets to use (default: all in the scores). Returns a :class:`~stiltgrid.analysis.common.Result`.
    """
    comps = C.pairs(comparisons)
    families = C.language_table(languages)["family"].astype(str)
    compared = C.grouped_gains(
        scores,
        comparisons=comps,
        groups=families,
        group_column="family",
        question=QUESTION,
        targets=targets,
        model=model,
        exclude_languages=exclude_languages,
    )
    rows = []
    for variant, reference, gains in compared:
        for target, block in C.target_blocks(gains):
            rows += _block(
                block,
                C.label(variant, reference),
                variant,
                reference,
                target,
                n_boot,
                n_perm,
                alpha,
                seed,
                min_languages,
            )
    table = pd.DataFrame(rows)
    details = {"gains": pd.concat([gains for _, _, gains in compared], ignore_index=True)}
    facts = {"comparisons": [_facts(table, C.label(variant, reference), alpha) for variant, reference in comps]}
    params = {"alpha": alpha, "n_boot": n_boot, "n_perm": n_perm, "seed": seed, "min_languages": min_languages}
    result = C.Result(QUESTION, table, facts, "", details, params)
    result.summary = _summary(result)
    return result


def _block(block, comp, variant, reference, target, n_boot, n_perm, alpha, seed, min_languages) -> list[dict]:
    base = {"comparison": comp, "variant": variant, "reference": reference, "target": target}
    pooled = st.mean_effect(
        block["gain"].to_numpy(),
        block["language"].to_numpy(),
        n_boot=n_boot,
        n_perm=n_perm,
        alpha=alpha,
        seed=seed,
        label=f"{comp}|{target}|all",
    )
    out = [
        {
            **base,
            "family": C.ALL,
            **_cells(pooled, block),
            "p_holm": pooled.p_value,
            "significant": pooled.significant(alpha),
        }
    ]
    groups = {f: sub for f, sub in block.groupby("family", sort=True)}
    families = list(groups)
    effects = {
        f: st.mean_effect(
            sub["gain"].to_numpy(),
            sub["language"].to_numpy(),
            n_boot=n_boot,
            n_perm=n_perm,
            alpha=alpha,
            seed=seed,
            label=f"{comp}|{target}|{f}",
        )
        for f, sub in groups.items()
    }
    adjusted = st.holm([effects[f].p_value for f in families])
    means = {f: effects[f].estimate for f in families}
    worst = min(families, key=lambda f: (means[f], f))
    spread = max(means.values()) - min(means.values())
    # stratified bootstrap of the spread: each family's replicates come from its own languages
    reps = np.vstack([effects[f].replicates for f in families])
    spread_low, spread_high = (
        st.percentile_ci(reps.max(axis=0) - reps.min(axis=0), alpha) if len(families) > 1 else (math.nan, math.nan)
    )
    for f, p_adj in zip(families, adjusted):
        sub = groups[f]
        n_lang = sub["language"].nunique()
        out.append(
            {
                **base,
                "family": f,
                **_cells(effects[f], sub),
                "p_holm": p_adj,
                "significant": bool(p_adj < alpha and n_lang >= min_languages),
            }
        )
    for row in out:
        row.update(
            {
                "worst_family": worst,
                "spread": spread,
                "spread_ci_low": spread_low,
                "spread_ci_high": spread_high,
                "n_families": len(families),
            }
        )
    return out


def _cells(effect: st.Effect, rows: pd.DataFrame) -> dict:
    return {
        "mean_gain": effect.estimate,
        "ci_low": effect.ci_low,
        "ci_high": effect.ci_high,
        "p_bootstrap": effect.p_bootstrap,
        "p_permutation": effect.p_permutation,
        "p_value": effect.p_value,
        "n_languages": int(rows["language"].nunique()),
        "n_pairs": int(len(rows)),
        "languages": " ".join(sorted(rows["language"].unique())),
    }


def _facts(table: pd.DataFrame, comp: str, alpha: float) -> dict:
    block = table[(table["comparison"] == comp) & (table["target"] == C.ALL)]
    pooled = block[block["family"] == C.ALL].iloc[0]
    fams = block[block["family"] != C.ALL]
    worst = fams[fams["family"] == pooled["worst_family"]].iloc[0]
    sig = fams[fams["significant"]]
    return {
        "comparison": comp,
        "variant": pooled["variant"],
        "reference": pooled["reference"],
        "mean_gain": float(pooled["mean_gain"]),
        "ci": [float(pooled["ci_low"]), float(pooled["ci_high"])],
        "p_value": float(pooled["p_value"]),
        "significant": bool(pooled["significant"]),
        "n_languages": int(pooled["n_languages"]),
        "n_pairs": int(pooled["n_pairs"]),
        "n_families": int(pooled["n_families"]),
        "worst_family": {
            "family": worst["family"],
            "mean_gain": float(worst["mean_gain"]),
            "ci": [float(worst["ci_low"]), float(worst["ci_high"])],
            "p_holm": float(worst["p_holm"]),
            "significant": bool(worst["significant"]),
            "n_languages": int(worst["n_languages"]),
        },
        "spread": float(pooled["spread"]),
        "spread_ci": [float(pooled["spread_ci_low"]), float(pooled["spread_ci_high"])],
        "significant_families": {r["family"]: float(r["mean_gain"]) for _, r in sig.iterrows()},
        "small_families": sorted(fams.loc[fams["n_languages"] < 3, "family"]),
    }


def _summary(result: C.Result) -> str:
    p = result.params
    lines = [
        "# Mixing gain across language families",
        "",
        "Gain = headline score of the mixed variant minus its reference (seed-averaged, zero-shot languages "
        "only, 0-100 points). Interval: two-stage bootstrap over languages, then their targets "
        f"({p['n_boot']} replicates, {100 * (1 - p['alpha']):.0f}%). Significant = bootstrap and sign-flip "
        f"permutation p both < {p['alpha']} (families: Holm-adjusted, at least {p['min_languages']} "
        "languages).",
        "",
    ]
    for f in result.facts["comparisons"]:
        w = f["worst_family"]
        lines += [
            f"## {f['comparison']}",
            "",
            f"- Over all targets the effect rests on {f['n_languages']} languages in {f['n_families']} "
            f"families ({f['n_pairs']} (target, language) pairs): mean gain {C.num(f['mean_gain'])} points, "
            f"95% CI {C.ci(*f['ci'])}, p {C.pval(f['p_value'])}: "
            f"{C.verdict(f['significant'], f['mean_gain'])}.",
            f"- Worst family: {w['family']} ({w['n_languages']} languages), mean gain "
            f"{C.num(w['mean_gain'])}, 95% CI {C.ci(*w['ci'])}, Holm p {C.pval(w['p_holm'])}: "
            f"{C.verdict(w['significant'], w['mean_gain'])}.",
            f"- Spread between family means (max - min): {C.num(f['spread'], signed=False)} points, "
            f"95% CI {C.ci(*f['spread_ci'], signed=False)}.",
        ]
        if f["significant_families"]:
            lines.append(
                "- Families with a significant change: "
                + ", ".join(f"{fam} ({C.num(g)})" for fam, g in f["significant_families"].items())
                + "."
            )
        else:
            lines.append("- No family shows a significant effect.")
        if f["small_families"]:
            lines.append(f"- Fewer than 3 languages (interval indicative only): {', '.join(f['small_families'])}.")
        lines.append("")
    lines.append("Per-target rows are in table.tsv; per-pair gains in gains.tsv.")
    return "\n".join(lines) + "\n"


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    from matplotlib.ticker import MaxNLocator

    data = result.table[result.table["target"] == C.ALL]
    comps = list(dict.fromkeys(data["comparison"]))
    fams = sorted(set(data["family"]) - {C.ALL}) + [C.ALL]
    fig, axes = plt.subplots(
        1, len(comps), figsize=(4.2 * len(comps), 1.2 + 0.38 * len(fams)), sharey=True, squeeze=False
    )
    for ax, comp in zip(axes[0], comps):
        sub = data[data["comparison"] == comp].set_index("family").reindex(fams)
        y = np.arange(len(fams))
        mean = sub["mean_gain"].to_numpy(dtype=float)
        low = np.nan_to_num(mean - sub["ci_low"].to_numpy(dtype=float))
        high = np.nan_to_num(sub["ci_high"].to_numpy(dtype=float) - mean)
        colors = [
            "tab:red" if s and m < 0 else "tab:blue" if s else "0.5"
            for s, m in zip(sub["significant"].fillna(False), mean)
        ]
        ax.errorbar(mean, y, xerr=[low, high], fmt="none", ecolor="0.4", capsize=3)
        ax.scatter(mean, y, c=colors, zorder=3)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(
            y,
            [
                f"{f} (n={int(n) if not math.isnan(n) else 0})"
                for f, n in zip(fams, sub["n_languages"].to_numpy(dtype=float))
            ],
        )
        ax.set_title(comp, fontsize=9)
        ax.set_xlabel("mean gain (points), 95% CI")
        ax.xaxis.set_major_locator(MaxNLocator(5))
    axes[0][0].invert_yaxis()  # shared axis: families top-down in alphabetical order, the pooled row last
    fig.suptitle(
        "Mixing gain per language family (all targets)\n"
        "blue / red: significant gain / loss (Holm, both tests); grey: not significant",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """Write table.tsv, figure.png, summary.md, facts.json and gains.tsv into ``out_dir``; returns the paths."""
    return C.write_result(result, out_dir, figure)

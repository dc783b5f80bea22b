"""Q5: does the gain from an intermediate task depend on the language's pre-training data volume?

For each intermediate (other than the baseline, ``none`` by default) and target, each zero-shot language's gain is
its seed-averaged headline score minus the baseline's; target "all" takes each language's mean gain over its
targets. The gain is correlated with the language's volume (a column of the language table, ``pretrain_gib`` by
default): Spearman (rank-based, so the log does not matter) and Pearson on log10 volume, each with a bootstrap
interval over languages and a permutation p-value (exact when n! <= n_perm). Languages without a volume (or with
volume 0) are dropped and counted. Significance: Spearman permutation p, Holm-adjusted over all (intermediate,
target) cells of the analysis, below alpha. The figure shows the gains against log10 volume per target with
the least-squares line of gain on log10 volume per intermediate; ``slope`` is in points per tenfold volume.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st

QUESTION = "volume"


def analyse(
    scores: pd.DataFrame,
    *,
    languages,
    intermediates: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    baseline: str = "none",
    volume_column: str = "pretrain_gib",
    model: str | None = None,
    exclude_languages: Sequence[str] = ("en",),
    n_boot: int = st.N_BOOT,
    n_perm: int = st.N_PERM,
    alpha: float = st.ALPHA,
    seed: int = 0,
) -> C.Result:
    """Correlation of per-language gains over ``baseline`` with pre-training volume.

    scores: tidy table. languages: language table (DataFrame or path). intermediates: default every intermediate
    in the scores except the baseline. volume_column: numeric column of the language table.
    """
    langs = C.language_table(languages)
    if volume_column not in langs.columns:
        raise KeyError(f"volume: language table has no column '{volume_column}'")
    head = C.headline_scores(scores, targets=targets, model=model, exclude_languages=exclude_languages)
    C.require_intermediates(head, [baseline], "volume (baseline)")
    names = [i for i in (intermediates or sorted(set(head["intermediate"]))) if i != baseline]
    C.require_intermediates(head, names, "volume")
    absent = sorted(set(head["language"]) - set(langs.index))
    if absent:
        raise KeyError(f"volume: language table lacks {', '.join(absent)}")
    volume = pd.to_numeric(langs[volume_column], errors="coerce")
    rows, points = [], []
    for inter in names:
        gains = C.paired_gains(head, inter, baseline)
        if gains.empty:
            raise ValueError(f"volume: no (target, language) pair scored for both {inter} and {baseline}")
        pooled = gains.groupby("language", as_index=False)["gain"].mean().assign(target=C.ALL)
        for target, block in [(C.ALL, pooled)] + list(gains.groupby("target")):
            vol = volume.reindex(block["language"]).to_numpy(dtype=float)
            ok = np.isfinite(vol) & (vol > 0)
            dropped = sorted(block.loc[~ok, "language"])
            x, y = np.log10(vol[ok]), block["gain"].to_numpy(dtype=float)[ok]
            label = f"{inter}|{target}"
            rho = st.correlation(
                x, y, method="spearman", n_boot=n_boot, n_perm=n_perm, alpha=alpha, seed=seed, label=label
            )
            r = st.correlation(
                x, y, method="pearson", n_boot=n_boot, n_perm=n_perm, alpha=alpha, seed=seed, label=label
            )
            slope, intercept = st.least_squares(x, y)
            rows.append(
                {
                    "intermediate": inter,
                    "baseline": baseline,
                    "target": target,
                    "n_languages": int(ok.sum()),
                    "n_dropped": len(dropped),
                    "dropped": " ".join(dropped),
                    "mean_gain": float(np.mean(y)) if y.size else math.nan,
                    "spearman": rho.r,
                    "spearman_ci_low": rho.ci_low,
                    "spearman_ci_high": rho.ci_high,
                    "spearman_p": rho.p_value,
                    "pearson_log": r.r,
                    "pearson_ci_low": r.ci_low,
                    "pearson_ci_high": r.ci_high,
                    "pearson_p": r.p_value,
                    "slope_per_decade": slope,
                    "intercept": intercept,
                }
            )
            points.append(
                pd.DataFrame(
                    {
                        "intermediate": inter,
                        "target": target,
                        "language": block["language"].to_numpy()[ok],
                        "volume": vol[ok],
                        "log10_volume": x,
                        "gain": y,
                    }
                )
            )
    table = pd.DataFrame(rows)
    table["p_holm"] = st.holm(table["spearman_p"])
    table["significant"] = table["p_holm"] < alpha
    details = {"points": pd.concat(points, ignore_index=True)}
    all_rows = table[table["target"] == C.ALL]
    dropped_all = sorted({lang for d in table["dropped"] for lang in d.split()})
    facts = {
        "baseline": baseline,
        "volume_column": volume_column,
        "n_cells": int(len(table)),
        "n_significant": int(table["significant"].sum()),
        "n_languages": int(details["points"]["language"].nunique()),
        "dropped_languages": dropped_all,
        "significant_cells": [
            {
                "intermediate": r["intermediate"],
                "target": r["target"],
                "spearman": float(r["spearman"]),
                "p_holm": float(r["p_holm"]),
            }
            for _, r in table[table["significant"]].iterrows()
        ],
        "pooled": [
            {
                "intermediate": r["intermediate"],
                "spearman": float(r["spearman"]),
                "ci": [float(r["spearman_ci_low"]), float(r["spearman_ci_high"])],
                "pearson_log": float(r["pearson_log"]),
                "p_holm": float(r["p_holm"]),
                "significant": bool(r["significant"]),
                "n_languages": int(r["n_languages"]),
                "slope_per_decade": float(r["slope_per_decade"]),
            }
            for _, r in all_rows.iterrows()
        ],
    }
    params = {"alpha": alpha, "n_boot": n_boot, "n_perm": n_perm, "seed": seed}
    result = C.Result(QUESTION, table, facts, "", details, params)
    result.summary = _summary(result)
    return result


def _summary(result: C.Result) -> str:
    f, p = result.facts, result.params
    lines = [
        "# Gain vs pre-training data volume",
        "",
        f"Gain over `{f['baseline']}` (seed-averaged headline score, zero-shot languages, points) against "
        f"`{f['volume_column']}`: Spearman rho and Pearson r on log10 volume, bootstrap intervals over "
        f"languages ({p['n_boot']} replicates), permutation p-values; significance = Spearman p Holm-adjusted "
        f"over the {f['n_cells']} (intermediate, target) cells < {p['alpha']}.",
        "",
        f"- Rests on {f['n_languages']} languages with a volume; dropped for lack of one: "
        f"{len(f['dropped_languages'])} ({', '.join(f['dropped_languages']) or 'none'}).",
        f"- {f['n_significant']} of {f['n_cells']} cells significant"
        + (
            ": "
            + ", ".join(
                f"{c['intermediate']}/{c['target']} (rho {C.num(c['spearman'])})" for c in f["significant_cells"]
            )
            + "."
            if f["significant_cells"]
            else "; no significant effect of volume on the gain."
        ),
        "",
        "Pooled over targets (each language's mean gain):",
        "",
    ]
    for c in f["pooled"]:
        what = C.verdict(
            c["significant"],
            c["spearman"],
            "positive correlation (high-volume languages gain more)",
            "negative correlation (low-volume languages gain more)",
        )
        lines.append(
            f"- {c['intermediate']} ({c['n_languages']} languages): Spearman rho = {C.num(c['spearman'])}, "
            f"95% CI {C.ci(*c['ci'])}, Holm p {C.pval(c['p_holm'])}, Pearson (log) = "
            f"{C.num(c['pearson_log'])}, slope {C.num(c['slope_per_decade'])} points per tenfold volume: "
            f"{what}."
        )
    lines += ["", "Per-target cells are in table.tsv; the plotted points in points.tsv."]
    return "\n".join(lines) + "\n"


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    points = result.details["points"]
    targets = [t for t in sorted(points["target"].unique()) if t != C.ALL] + [C.ALL]
    cols = min(3, len(targets))
    nrows = math.ceil(len(targets) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 3.0 * nrows), squeeze=False)
    colors = plt.get_cmap("tab10")
    inters = list(dict.fromkeys(result.table["intermediate"]))
    for ax, target in zip(axes.flat, targets):
        for k, inter in enumerate(inters):
            sub = points[(points["target"] == target) & (points["intermediate"] == inter)]
            if sub.empty:
                continue
            color = colors(k % 10)
            ax.scatter(sub["log10_volume"], sub["gain"], s=12, color=color, label=inter)
            row = result.table[(result.table["intermediate"] == inter) & (result.table["target"] == target)].iloc[0]
            if not math.isnan(row["slope_per_decade"]):
                xs = np.linspace(sub["log10_volume"].min(), sub["log10_volume"].max(), 20)
                ax.plot(xs, row["intercept"] + row["slope_per_decade"] * xs, color=color, lw=1)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title(target if target != C.ALL else "all targets (mean per language)", fontsize=8)
        ax.set_xlabel(f"log10 {result.facts['volume_column']}")
        ax.set_ylabel(f"gain over {result.facts['baseline']}")
    for ax in list(axes.flat)[len(targets) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """Write table.tsv, figure.png, summary.md, facts.json and points.tsv into ``out_dir``; returns the paths."""
    return C.write_result(result, out_dir, figure)

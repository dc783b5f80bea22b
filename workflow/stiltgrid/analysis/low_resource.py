"""Q2: do low-resource languages gain more from synthetic augmentation of intermediate training?

Languages are put in strata by pre-training volume (a column of the language table and two thresholds):
``low`` (volume < low_below), ``mid`` (low_below <= volume < high_from), ``high`` (volume >= high_from), and
``unknown`` for languages without a volume (not in the pre-training corpus): those are kept apart rather than
counted as low, since their volume is not known to be small. For each comparison (variant, reference) -- an
augmented intermediate against its base, or against ``none`` -- the gain of each zero-shot (target, language) pair
is summarised per stratum, per target and over all targets ("all"), and the contrast ``low - high`` tells whether
the low stratum gains more.

Statistics as in :mod:`stiltgrid.analysis.stats`: two-stage bootstrap interval (languages, then their targets);
significance = bootstrap and sign-flip p both below alpha (strata: Holm-adjusted over the strata of a block). The
contrast uses the difference of the two strata's bootstrap replicates and a two-sample permutation test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st
from stiltgrid.core.languages import volume_strata

QUESTION = "low_resource"
STRATA = ("low", "mid", "high")
UNKNOWN = "unknown"
CONTRAST = "low - high"
DEFAULT_STRATA = {"column": "pretrain_gib", "low_below": 5.0, "high_from": 50.0}


def strata_of(languages, strata: dict | None = None) -> pd.Series:
    """Stratum per language (index iso): low / mid / high / unknown."""
    spec = {**DEFAULT_STRATA, **(strata or {})}
    low, high = float(spec["low_below"]), float(spec["high_from"])
    if not low < high:
        raise ValueError(f"low_resource: low_below ({low}) must be below high_from ({high})")
    table = C.language_table(languages)
    return volume_strata(table, [low, high], column=spec["column"], labels=list(STRATA), absent_label=UNKNOWN).astype(
        str
    )


def analyse(
    scores: pd.DataFrame,
    *,
    languages,
    comparisons,
    strata: dict | None = None,
    targets: Sequence[str] | None = None,
    model: str | None = None,
    exclude_languages: Sequence[str] = ("en",),
    n_boot: int = st.N_BOOT,
    n_perm: int = st.N_PERM,
    alpha: float = st.ALPHA,
    seed: int = 0,
) -> C.Result:
    """Augmentation gain per pre-training-volume stratum.

    scores: tidy table. languages: language table (DataFrame or path). comparisons: [(variant, reference), ...].
    strata: {"column": "pretrain_gib", "low_below": 5, "high_from": 50} (the defaults).
    """
    spec = {**DEFAULT_STRATA, **(strata or {})}
    comps = C.pairs(comparisons)
    compared = C.grouped_gains(
        scores,
        comparisons=comps,
        groups=strata_of(languages, spec),
        group_column="stratum",
        question=QUESTION,
        targets=targets,
        model=model,
        exclude_languages=exclude_languages,
    )
    rows = []
    for variant, reference, gains in compared:
        for target, block in C.target_blocks(gains):
            rows += _block(block, C.label(variant, reference), variant, reference, target, n_boot, n_perm, alpha, seed)
    table = pd.DataFrame(rows)
    gains = pd.concat([gains for _, _, gains in compared], ignore_index=True)
    used = sorted(gains["language"].unique())
    facts = {
        "strata": {
            "column": spec["column"],
            "low_below": float(spec["low_below"]),
            "high_from": float(spec["high_from"]),
        },
        "languages_per_stratum": {
            s: sorted(set(gains.loc[gains["stratum"] == s, "language"])) for s in STRATA + (UNKNOWN,)
        },
        "n_languages": len(used),
        "comparisons": [_facts(table, C.label(*p)) for p in comps],
    }
    params = {"alpha": alpha, "n_boot": n_boot, "n_perm": n_perm, "seed": seed}
    result = C.Result(QUESTION, table, facts, "", {"gains": gains}, params)
    result.summary = _summary(result)
    return result


def _row(base, name, effect: st.Effect, rows: pd.DataFrame | None) -> dict:
    return {
        **base,
        "stratum": name,
        "mean_gain": effect.estimate,
        "ci_low": effect.ci_low,
        "ci_high": effect.ci_high,
        "p_bootstrap": effect.p_bootstrap,
        "p_permutation": effect.p_permutation,
        "p_value": effect.p_value,
        "n_languages": int(rows["language"].nunique()) if rows is not None else effect.n_clusters,
        "n_pairs": int(len(rows)) if rows is not None else effect.n_units,
        "languages": " ".join(sorted(rows["language"].unique())) if rows is not None else "",
    }


def _block(block, comp, variant, reference, target, n_boot, n_perm, alpha, seed) -> list[dict]:
    base = {"comparison": comp, "variant": variant, "reference": reference, "target": target}
    out, effects = [], {}
    groups = {name: sub for name, sub in block.groupby("stratum")}
    for name in STRATA + (UNKNOWN,):
        sub = groups.get(name, block.iloc[0:0])
        effects[name] = st.mean_effect(
            sub["gain"].to_numpy(),
            sub["language"].to_numpy(),
            n_boot=n_boot,
            n_perm=n_perm,
            alpha=alpha,
            seed=seed,
            label=f"{comp}|{target}|{name}",
        )
        out.append(_row(base, name, effects[name], sub))
    adjusted = st.holm([r["p_value"] for r in out])
    for row, p_adj in zip(out, adjusted):
        row["p_holm"] = p_adj
        row["significant"] = bool(p_adj < alpha)
    low, high = groups.get("low", block.iloc[0:0]), groups.get("high", block.iloc[0:0])
    diff = st.difference_effect(
        effects["low"],
        low["gain"],
        effects["high"],
        high["gain"],
        n_perm=n_perm,
        alpha=alpha,
        seed=seed,
        label=f"{comp}|{target}|contrast",
    )
    row = _row(base, CONTRAST, diff, None)
    row.update(
        {
            "n_languages": int(low["language"].nunique() + high["language"].nunique()),
            "n_pairs": int(len(low) + len(high)),
            "languages": "",
            "p_holm": diff.p_value,
            "significant": diff.significant(alpha),
        }
    )
    out.append(row)
    return out


def _facts(table: pd.DataFrame, comp: str) -> dict:
    block = table[(table["comparison"] == comp) & (table["target"] == C.ALL)].set_index("stratum")

    def entry(name):
        r = block.loc[name]
        return {
            "mean_gain": float(r["mean_gain"]),
            "ci": [float(r["ci_low"]), float(r["ci_high"])],
            "p_value": float(r["p_holm"]),
            "significant": bool(r["significant"]),
            "n_languages": int(r["n_languages"]),
            "n_pairs": int(r["n_pairs"]),
        }

    return {
        "comparison": comp,
        "variant": block["variant"].iloc[0],
        "reference": block["reference"].iloc[0],
        "strata": {s: entry(s) for s in STRATA + (UNKNOWN,)},
        "contrast": entry(CONTRAST),
    }


def _summary(result: C.Result) -> str:
    f, p = result.facts, result.params
    spec = f["strata"]
    lines = [
        "# Augmentation gain by pre-training volume",
        "",
        f"Strata by `{spec['column']}`: low < {spec['low_below']:g}, mid [{spec['low_below']:g}, "
        f"{spec['high_from']:g}), high >= {spec['high_from']:g}. Gains are seed-averaged headline-score "
        "differences (variant - reference, 0-100 points) over zero-shot languages; intervals: two-stage "
        f"bootstrap over languages then targets ({p['n_boot']} replicates); significant = bootstrap and "
        f"permutation p both < {p['alpha']} (strata Holm-adjusted). The analysis rests on "
        f"{f['n_languages']} languages: "
        + "; ".join(f"{s} {len(v)} ({' '.join(v) or '-'})" for s, v in f["languages_per_stratum"].items())
        + ".",
        "",
    ]
    unknown = f["languages_per_stratum"][UNKNOWN]
    if unknown:
        lines += [
            f"{len(unknown)} language(s) without a pre-training volume ({', '.join(unknown)}) form the "
            "separate 'unknown' stratum; they are not counted as low.",
            "",
        ]
    else:
        lines += [
            "Every language has a pre-training volume (a missing one would form a separate 'unknown' "
            "stratum, not counted as low).",
            "",
        ]
    for c in f["comparisons"]:
        lines += [f"## {c['comparison']}", ""]
        for s in STRATA + (UNKNOWN,):
            e = c["strata"][s]
            if e["n_languages"] == 0:
                lines.append(f"- {s}: no languages.")
                continue
            lines.append(
                f"- {s} ({e['n_languages']} languages, {e['n_pairs']} pairs): mean gain "
                f"{C.num(e['mean_gain'])}, 95% CI {C.ci(*e['ci'])}, Holm p {C.pval(e['p_value'])}: "
                f"{C.verdict(e['significant'], e['mean_gain'])}."
            )
        e = c["contrast"]
        if e["significant"]:
            what = "low-resource languages gain more" if e["mean_gain"] > 0 else "high-resource languages gain more"
        else:
            what = "no significant effect (no difference between low and high)"
        lines += [
            f"- Contrast low - high ({e['n_languages']} languages): {C.num(e['mean_gain'])} points, 95% CI "
            f"{C.ci(*e['ci'])}, p {C.pval(e['p_value'])}: {what}.",
            "",
        ]
    lines.append("Per-target rows are in table.tsv; per-pair gains in gains.tsv.")
    return "\n".join(lines) + "\n"


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    data = result.table[(result.table["target"] == C.ALL) & (result.table["stratum"] != CONTRAST)]
    comps = list(dict.fromkeys(data["comparison"]))
    strata = [s for s in STRATA + (UNKNOWN,) if (data.loc[data["stratum"] == s, "n_languages"] > 0).any()]
    fig, ax = plt.subplots(figsize=(1.5 + 1.4 * len(strata) * max(1, len(comps)) ** 0.5, 3.6))
    width = 0.8 / max(1, len(comps))
    x = np.arange(len(strata))
    for i, comp in enumerate(comps):
        sub = data[data["comparison"] == comp].set_index("stratum").reindex(strata)
        mean = sub["mean_gain"].to_numpy(dtype=float)
        err = [
            np.nan_to_num(mean - sub["ci_low"].to_numpy(dtype=float)),
            np.nan_to_num(sub["ci_high"].to_numpy(dtype=float) - mean),
        ]
        ax.bar(x + (i - (len(comps) - 1) / 2) * width, np.nan_to_num(mean), width, yerr=err, capsize=3, label=comp)
    counts = data.groupby("stratum")["n_languages"].max()
    ax.set_xticks(x, [f"{s}\n(n={int(counts.get(s, 0))})" for s in strata])
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("mean gain (points), 95% CI")
    ax.set_title("Gain per pre-training-volume stratum (all targets)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """Write table.tsv, figure.png, summary.md, facts.json and gains.tsv into ``out_dir``; returns the paths."""
    return C.write_result(result, out_dir, figure)

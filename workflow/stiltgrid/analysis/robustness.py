"""Q4: are models after harder intermediate tasks more (or less) robust to adversarial perturbations?

Difficulty of an intermediate task, from its own English training run::

    difficulty = 1 - (dev - chance) / (100 - chance)

where ``dev`` is the best English dev headline score (0-100) of the intermediate run and ``chance`` the chance
level of its format (classification: 100 / number of labels; multiple choice: 100 / number of choices; tagging and
span QA: 0). It is the share of the above-chance headroom the intermediate model fails to close: 0 = solved,
1 = at chance (above 1 = below chance).

Robustness: for every (intermediate, target, language, seed, perturbation, strength) the perturbed headline score
divided by the clean one (perturbation ``clean``, strength 0) of the same (intermediate, target, language, seed);
zero-shot languages only; cells whose clean score is below ``min_clean`` points are dropped (a ratio to a near-zero
score is meaningless). Ratios are averaged per (intermediate, perturbation) over targets, languages, seeds and
strengths; the overall robustness of an intermediate is the mean over perturbations.

Correlation of difficulty with robustness across intermediates: Spearman (primary; Pearson reported), bootstrap
interval over intermediates, permutation p-value; overall and per perturbation. ``none`` (no intermediate task)
and ``multitask`` have no single difficulty and are left out of the correlation; ``none`` is the reference line of
the figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st
from stiltgrid.formats import FORMATS, get_format

QUESTION = "robustness"
CLEAN = "clean"
PERTURBED_COLUMNS = C.SCORE_COLUMNS[:5] + ("perturbation", "strength") + C.SCORE_COLUMNS[5:]
DIFFICULTY_ALIASES = {"task_format": "format", "dev": "dev_score", "best_dev": "dev_score", "chance_level": "chance"}
#: formats with open-ended outputs (tags, spans), whose chance level is 0 when a difficulty table leaves it out
ZERO_CHANCE_FORMATS = tuple(name for name, fmt in FORMATS.items() if fmt.zero_chance)


def chance_level(task_format: str, n_labels: int | None = None, n_choices: int | None = None) -> float:
    """Chance level (0-100) of an intermediate task: 100/labels, 100/choices, or 0 for tagging and span QA."""
    return get_format(task_format).chance(n_labels, n_choices)


def difficulty_table(difficulty) -> pd.DataFrame:
    """Validate a difficulty table (DataFrame or list of dicts) and add the ``difficulty`` column.

    Columns: intermediate, format, dev_score (0-100), chance (0-100; may be left out for tagging / span QA).
    Aliases accepted: task_format, dev / best_dev, chance_level.
    """
    table = pd.DataFrame(difficulty)
    for alias, name in DIFFICULTY_ALIASES.items():
        if alias in table.columns:  # records may mix spellings: the canonical column wins where both are given
            table[name] = table[name].fillna(table[alias]) if name in table.columns else table[alias]
            table = table.drop(columns=alias)
    for col in ("intermediate", "dev_score"):
        if col not in table.columns:
            raise ValueError(f"difficulty table lacks column '{col}' (needs intermediate, format, dev_score, chance)")
    if "format" not in table.columns:
        table["format"] = ""
    if "chance" not in table.columns:
        table["chance"] = math.nan
    table["chance"] = pd.to_numeric(table["chance"], errors="coerce")
    zero = table["chance"].isna() & table["format"].isin(ZERO_CHANCE_FORMATS)
    table.loc[zero, "chance"] = 0.0
    if table["chance"].isna().any():
        bad = ", ".join(table.loc[table["chance"].isna(), "intermediate"].astype(str))
        raise ValueError(f"difficulty table: no chance level for {bad}")
    table["dev_score"] = pd.to_numeric(table["dev_score"], errors="raise").astype(float)
    if ((table["chance"] < 0) | (table["chance"] >= 100)).any() or (
        (table["dev_score"] < 0) | (table["dev_score"] > 100)
    ).any():
        raise ValueError("difficulty table: dev_score must lie in [0, 100] and chance in [0, 100)")
    if table["intermediate"].duplicated().any():
        raise ValueError("difficulty table: an intermediate is listed twice")
    table["difficulty"] = 1.0 - (table["dev_score"] - table["chance"]) / (100.0 - table["chance"])
    return table[["intermediate", "format", "dev_score", "chance", "difficulty"]].reset_index(drop=True)


def ratios(
    perturbed: pd.DataFrame,
    *,
    targets: Sequence[str] | None = None,
    model: str | None = None,
    exclude_languages: Sequence[str] = ("en",),
    min_clean: float = 1.0,
) -> tuple[pd.DataFrame, int]:
    """Perturbed / clean headline ratios per (intermediate, target, language, seed, perturbation, strength), and
    the number of cells dropped for a clean score below ``min_clean``."""
    head = C.headline_scores(
        perturbed,
        targets=targets,
        model=model,
        exclude_languages=exclude_languages,
        average_seeds=False,
        extra_keys=("perturbation", "strength"),
    )
    head["perturbation"] = head["perturbation"].astype(str)
    keys = ["intermediate", "target", "language", "seed"]
    clean = head[head["perturbation"] == CLEAN][keys + ["value"]].rename(columns={"value": "clean"})
    if clean.empty:
        raise ValueError("robustness: no clean rows (perturbation 'clean', strength 0)")
    if clean.duplicated(keys).any():
        raise ValueError("robustness: several clean scores for one (intermediate, target, language, seed)")
    pert = head[head["perturbation"] != CLEAN].rename(columns={"value": "perturbed"})
    if pert.empty:
        raise ValueError("robustness: no perturbed rows")
    merged = pert.merge(clean, on=keys, how="inner")  # NaN seeds (retrieval) match each other
    low = merged["clean"] < min_clean
    merged = merged[~low].copy()
    merged["ratio"] = merged["perturbed"] / merged["clean"]
    return merged.reset_index(drop=True), int(low.sum())


def analyse(
    perturbed: pd.DataFrame,
    *,
    difficulty,
    targets: Sequence[str] | None = None,
    model: str | None = None,
    baseline: str = "none",
    exclude: Sequence[str] = ("none", "multitask"),
    exclude_languages: Sequence[str] = ("en",),
    min_clean: float = 1.0,
    n_boot: int = st.N_BOOT,
    n_perm: int = st.N_PERM,
    alpha: float = st.ALPHA,
    seed: int = 0,
) -> C.Result:
    """Difficulty of each intermediate task against the robustness of its models.

    perturbed: long table (model, intermediate, target, language, seed, perturbation, strength, metric, value);
    clean rows have perturbation "clean" and strength 0. difficulty: table or list of dicts with intermediate,
    format, dev_score, chance. ``exclude``: intermediates kept out of the correlation (no single difficulty).
    """
    diff = difficulty_table(difficulty)
    cells, dropped = ratios(
        perturbed, targets=targets, model=model, exclude_languages=exclude_languages, min_clean=min_clean
    )
    perts = sorted(cells["perturbation"].unique())
    by_pert = cells.groupby(["intermediate", "perturbation"])["ratio"].mean().unstack("perturbation")
    by_pert = by_pert.reindex(columns=perts)
    table = pd.DataFrame({"intermediate": by_pert.index})
    table = table.merge(diff, on="intermediate", how="left")
    table["robustness"] = by_pert.mean(axis=1).to_numpy()
    for p in perts:
        table[f"robustness_{p}"] = by_pert[p].to_numpy()
    table["n_ratios"] = cells.groupby("intermediate")["ratio"].size().reindex(table["intermediate"]).to_numpy()
    excluded = set(exclude)
    table["role"] = [
        ("reference" if i == baseline else "excluded")
        if i in excluded
        else ("correlated" if not math.isnan(d) else "no difficulty")
        for i, d in zip(table["intermediate"], table["difficulty"])
    ]
    used = table[table["role"] == "correlated"]

    corr_rows = []
    for scope, column in [("overall", "robustness")] + [(p, f"robustness_{p}") for p in perts]:
        for method in ("spearman", "pearson"):
            r = st.correlation(
                used["difficulty"],
                used[column],
                method=method,
                n_boot=n_boot,
                n_perm=n_perm,
                alpha=alpha,
                seed=seed,
                label=scope,
            )
            corr_rows.append(
                {
                    "perturbation": scope,
                    "method": method,
                    "r": r.r,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "p_value": r.p_value,
                    "exact": r.exact,
                    "n_intermediates": r.n,
                    "significant": r.significant(alpha),
                }
            )
    corr = pd.DataFrame(corr_rows)
    spearman = corr[corr["method"] == "spearman"]
    per_pert = spearman[spearman["perturbation"] != "overall"]
    corr.loc[per_pert.index, "p_holm"] = st.holm(per_pert["p_value"])
    corr.loc[spearman.index[spearman["perturbation"] == "overall"], "p_holm"] = spearman.loc[
        spearman["perturbation"] == "overall", "p_value"
    ].to_numpy()

    overall = spearman[spearman["perturbation"] == "overall"].iloc[0]
    ref = table.loc[table["intermediate"] == baseline, "robustness"]
    facts = {
        "n_intermediates": int(overall["n_intermediates"]),
        "intermediates": sorted(used["intermediate"]),
        "spearman": float(overall["r"]),
        "ci": [float(overall["ci_low"]), float(overall["ci_high"])],
        "p_value": float(overall["p_value"]),
        "significant": bool(overall["significant"]),
        "baseline": baseline,
        "baseline_robustness": float(ref.iloc[0]) if len(ref) else None,
        "perturbations": perts,
        "n_languages": int(cells["language"].nunique()),
        "languages": sorted(cells["language"].unique()),
        "n_targets": int(cells["target"].nunique()),
        "dropped_low_clean": dropped,
        "per_perturbation": {
            r["perturbation"]: {
                "spearman": float(r["r"]),
                "p_holm": float(r["p_holm"]),
                "ci": [float(r["ci_low"]), float(r["ci_high"])],
                "significant": bool(r["p_holm"] < alpha),
            }
            for _, r in per_pert.assign(p_holm=corr.loc[per_pert.index, "p_holm"]).iterrows()
        },
        "excluded": sorted(set(table["intermediate"]) - set(used["intermediate"])),
    }
    params = {"alpha": alpha, "n_boot": n_boot, "n_perm": n_perm, "seed": seed, "min_clean": min_clean}
    result = C.Result(QUESTION, table, facts, "", {"correlations": corr}, params)
    result.summary = _summary(result)
    return result


def _summary(result: C.Result) -> str:
    f, p = result.facts, result.params
    rho = f["spearman"]
    if f["significant"]:
        verdict = (
            "significant: harder intermediate tasks give less robust models"
            if rho < 0
            else "significant: harder intermediate tasks give more robust models"
        )
    else:
        verdict = "no significant effect"
    lines = [
        "# Intermediate-task difficulty vs robustness to perturbations",
        "",
        "Difficulty = 1 - (dev - chance) / (100 - chance): the share of the above-chance headroom that the "
        "intermediate model leaves open on its English dev set (dev: best English dev headline score; chance: "
        "100/labels for classification, 100/choices for multiple choice, 0 for tagging and QA). Robustness = "
        "perturbed / clean headline score per (target, language, seed, perturbation, strength), averaged per "
        "intermediate (overall: mean over perturbations). Spearman correlation across intermediates, "
        f"bootstrap interval over intermediates ({p['n_boot']} replicates), permutation p-value.",
        "",
        f"- Rests on {f['n_intermediates']} intermediates ({', '.join(f['intermediates'])}) evaluated on "
        f"{f['n_targets']} targets in {f['n_languages']} languages; excluded from the correlation: "
        f"{', '.join(f['excluded']) or 'none'}.",
        f"- Overall: Spearman rho = {C.num(rho)}, 95% CI {C.ci(*f['ci'])}, p {C.pval(f['p_value'])}: {verdict}.",
    ]
    for name, e in f["per_perturbation"].items():
        lines.append(
            f"- {name}: rho = {C.num(e['spearman'])}, 95% CI {C.ci(*e['ci'])}, Holm p "
            f"{C.pval(e['p_holm'])}: {C.verdict(e['significant'], e['spearman'], 'positive', 'negative')}."
        )
    if f["baseline_robustness"] is not None:
        lines.append(
            f"- Reference `{f['baseline']}` (no intermediate task): robustness "
            f"{C.num(f['baseline_robustness'], 3, signed=False)}."
        )
    if f["dropped_low_clean"]:
        lines.append(f"- {f['dropped_low_clean']} perturbed cells dropped: clean score below {p['min_clean']} points.")
    lines += ["", "Per-intermediate values are in table.tsv; all correlations in correlations.tsv."]
    return "\n".join(lines) + "\n"


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    table = result.table
    corr = result.details["correlations"]
    used = table[table["role"] == "correlated"]
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    markers = "^vsDP*X"
    # one labelled point per intermediate (overall), small markers per perturbation
    for k, pert in enumerate(result.facts["perturbations"] if len(result.facts["perturbations"]) > 1 else []):
        ax.scatter(
            used["difficulty"],
            used[f"robustness_{pert}"],
            marker=markers[k % len(markers)],
            s=16,
            facecolors="none",
            edgecolors="0.5",
            label=pert,
        )
    ax.scatter(used["difficulty"], used["robustness"], color="tab:blue", zorder=3, label="overall")
    for _, row in used.iterrows():
        ax.annotate(
            row["intermediate"],
            (row["difficulty"], row["robustness"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    for _, row in table[table["role"].isin(["reference", "excluded"])].iterrows():
        if not math.isnan(row["robustness"]):
            ax.axhline(
                row["robustness"],
                color="0.4",
                ls="--" if row["role"] == "reference" else ":",
                lw=0.9,
                label=f"{row['intermediate']} (no difficulty)",
            )
    rho = corr[(corr["perturbation"] == "overall") & (corr["method"] == "spearman")].iloc[0]
    ax.set_title(
        f"Spearman {rho['r']:+.2f} (p {C.pval(rho['p_value'])}, n={rho['n_intermediates']} intermediates)", fontsize=8
    )
    ax.set_xlabel("difficulty = 1 - (dev - chance) / (100 - chance)")
    ax.set_ylabel("robustness (perturbed / clean)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """Write table.tsv, figure.png, summary.md, facts.json and correlations.tsv into ``out_dir``; returns the paths."""
    return C.write_result(result, out_dir, figure)

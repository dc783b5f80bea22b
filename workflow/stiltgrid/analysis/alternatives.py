"""Q6: English-only intermediate training vs its alternatives (Phang et al. 2020): continuing multilingual MLM
during intermediate training, and machine-translated intermediate data.

The reference (e.g. ``mnli``) and each alternative (e.g. an MLM variant and a translated one) are scored as in
:mod:`stiltgrid.analysis.xtreme_mix`: the XTREME score per seed (mean and sd over seeds) and a paired test over
zero-shot (task, language) pairs with a two-stage bootstrap interval. Every alternative is compared with the
reference, and the alternatives with each other; Holm-adjusted p-values over all these comparisons are given beside
the unadjusted ones. The table has one row per intermediate: its XTREME score, its rank, and its comparison with the
reference.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st
from stiltgrid.analysis import xtreme_mix as X

QUESTION = "alternatives"
ROLES = ("alternative", "reference")
TABLE_MD = "table.md"


def analyse(
    scores: pd.DataFrame,
    *,
    reference: str,
    alternatives: Sequence[str],
    kinds: Mapping[str, str] | None = None,
    targets: Sequence[str] | None = None,
    model: str | None = None,
    task_languages: Mapping[str, Sequence[str] | None] | None = None,
    exclude_languages: Sequence[str] = ("en",),
    n_boot: int = st.N_BOOT,
    n_perm: int = st.N_PERM,
    alpha: float = st.ALPHA,
    seed: int = 0,
) -> C.Result:
    """The reference and its alternatives by XTREME score, each alternative tested against the reference and the
    others. kinds: {intermediate: what it changes ('english', 'mlm', 'translate', ...)}, for the table."""
    alternatives = list(alternatives)
    names = [reference, *alternatives]
    if len(set(names)) != len(names):
        raise ValueError(f"{QUESTION}: the reference and the alternatives must differ ({', '.join(names)})")
    scored, xtreme_targets, ignored = X.xtreme_scored(scores, targets, model, QUESTION)
    head = C.headline_scores(scored, intermediates=names, exclude_languages=exclude_languages)
    C.require_intermediates(head, names, QUESTION)
    comps = [(alt, reference) for alt in alternatives] + list(itertools.combinations(alternatives, 2))
    rows, per_seed, pairs = [], [], []
    for variant, other in comps:
        row, seeds, gains = X.compare(
            scored,
            head,
            xtreme_targets,
            variant,
            other,
            roles=ROLES,
            task_languages=task_languages,
            n_boot=n_boot,
            n_perm=n_perm,
            alpha=alpha,
            seed=seed,
            question=QUESTION,
        )
        rows.append(row)
        per_seed.append(seeds)
        pairs.append(gains)
    comparisons = pd.DataFrame(rows)
    comparisons["p_holm"] = st.holm(comparisons["p_value"].to_numpy())
    table = _table(comparisons, reference, alternatives, dict(kinds or {}))
    facts = {
        "reference": reference,
        "alternatives": alternatives,
        "ignored_targets": ignored,
        "ranking": list(table.sort_values("rank")["intermediate"]),
        "intermediates": [X.plain(r) for r in table.to_dict("records")],
        "comparisons": [X.plain(r) for r in comparisons.to_dict("records")],
    }
    details = {
        "comparisons": comparisons,
        "per_seed": pd.concat(per_seed, ignore_index=True),
        "pairs": pd.concat(pairs, ignore_index=True),
    }
    params = {"alpha": alpha, "n_boot": n_boot, "n_perm": n_perm, "seed": seed}
    result = C.Result(QUESTION, table, facts, "", details, params)
    result.summary = _summary(result)
    return result


def _table(comparisons: pd.DataFrame, reference: str, alternatives: list[str], kinds: dict) -> pd.DataFrame:
    """One row per intermediate: XTREME score over seeds (the reference's from its first comparison), rank, and the
    comparison with the reference."""
    vs_reference = comparisons[comparisons["reference"] == reference].set_index("alternative")
    first = vs_reference.iloc[0]
    rows = [
        {
            "intermediate": reference,
            "kind": kinds.get(reference, ""),
            "role": "reference",
            "n_tasks": int(first["n_tasks"]),
            "xtreme_mean": first["xtreme_reference_mean"],
            "xtreme_std": first["xtreme_reference_std"],
            "n_seeds": int(first["n_seeds_reference"]),
        }
    ]
    for alt in alternatives:
        r = vs_reference.loc[alt]
        rows.append(
            {
                "intermediate": alt,
                "kind": kinds.get(alt, ""),
                "role": "alternative",
                "n_tasks": int(r["n_tasks"]),
                "xtreme_mean": r["xtreme_alternative_mean"],
                "xtreme_std": r["xtreme_alternative_std"],
                "n_seeds": int(r["n_seeds_alternative"]),
                "difference": r["xtreme_difference"],
                "mean_pair_difference": r["mean_pair_difference"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "p_value": r["p_value"],
                "p_holm": r["p_holm"],
                "significant": bool(r["significant"]),
            }
        )
    table = pd.DataFrame(rows)
    table.insert(
        table.columns.get_loc("n_seeds") + 1,
        "rank",
        table["xtreme_mean"].rank(ascending=False, method="min").astype(int),
    )
    return table


def _summary(result: C.Result) -> str:
    f = result.facts
    by_name = {r["intermediate"]: r for r in f["intermediates"]}
    ranking = " > ".join(f"{name} {C.num(by_name[name]['xtreme_mean'], signed=False)}" for name in f["ranking"])
    lines = [
        "# English-only intermediate training vs its alternatives (XTREME score)",
        "",
        X.method(result.params) + " Holm-adjusted p-values (p_holm) over every comparison below.",
        "",
        f"Ranking by mean {X.score_name(int(by_name[f['reference']]['n_tasks']))}: {ranking}.",
        "",
        markdown(result),
        "",
    ]
    if f["ignored_targets"]:
        lines += [f"Targets outside XTREME, not scored: {', '.join(f['ignored_targets'])}.", ""]
    for r in f["comparisons"]:
        lines += [
            f"## {r['comparison']}",
            "",
            *X.comparison_lines(r, ROLES),
            f"- Holm-adjusted over the {len(f['comparisons'])} comparisons: p {C.pval(r['p_holm'])}.",
            "",
        ]
    lines.append(
        "Every comparison is in comparisons.tsv; per-seed scores in per_seed.tsv; the paired differences in pairs.tsv."
    )
    return "\n".join(lines) + "\n"


def markdown(result: C.Result) -> str:
    columns = [
        "intermediate",
        "kind",
        "xtreme_mean",
        "xtreme_std",
        "n_seeds",
        "rank",
        "difference",
        "ci_low",
        "ci_high",
        "p_value",
        "p_holm",
        "significant",
    ]
    table = result.table.reindex(columns=columns)
    table["significant"] = table["significant"].map({True: "yes", False: "no"}).fillna("")
    return C.markdown_table(table)


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    per_seed, table = result.details["per_seed"], result.table
    reference = result.facts["reference"]
    fig, ax = plt.subplots(figsize=(max(4.8, 1.6 * len(table) + 1.5), 3.8))
    first = C.label(result.facts["alternatives"][0], reference)
    for x, row in enumerate(table.itertuples(index=False)):
        # the seeds of an intermediate as scored in its comparison with the reference (the table's scores)
        comp = C.label(row.intermediate, reference) if row.role == "alternative" else first
        values = (
            per_seed.loc[(per_seed["comparison"] == comp) & (per_seed["intermediate"] == row.intermediate), "xtreme"]
            .dropna()
            .to_numpy()
        )
        color = "tab:gray" if row.role == "reference" else f"C{x}"
        ax.errorbar(
            x,
            row.xtreme_mean,
            yerr=0 if math.isnan(row.xtreme_std) else row.xtreme_std,
            fmt="o",
            color=color,
            ms=8,
            capsize=6,
        )
        jitter = np.linspace(-0.1, 0.1, values.size) if values.size > 1 else np.zeros(values.size)
        ax.scatter(x + 0.2 + jitter, values, color=color, s=14, alpha=0.7, zorder=3)
        if row.role == "alternative":
            star = " *" if row.significant else ""
            top = row.xtreme_mean + (0 if math.isnan(row.xtreme_std) else row.xtreme_std)
            ax.annotate(
                f"{row.difference:+.2f}{star}",
                (x, top),
                textcoords="offset points",
                xytext=(0, 9),
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(
        range(len(table)), [f"{n}\n({k})" if k else n for n, k in zip(table["intermediate"], table["kind"])], fontsize=8
    )
    ax.set_xlim(-0.6, len(table) - 0.2)
    ax.set_ylabel(X.score_name(int(table["n_tasks"].iloc[0])))
    ax.set_title(
        f"{reference} vs its alternatives: mean ± sd over seeds (dots: seeds; labels: difference, * significant)",
        fontsize=8,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """Write table.tsv, table.md, figure.png, summary.md, facts.json, comparisons.tsv, per_seed.tsv and pairs.tsv
    into ``out_dir``."""
    paths = C.write_result(result, out_dir, figure)
    paths["table_md"] = str(Path(out_dir) / TABLE_MD)
    Path(paths["table_md"]).write_text(markdown(result) + "\n", encoding="utf-8")
    return paths

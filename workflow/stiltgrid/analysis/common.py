"""What the analyses share: headline scores from the tidy table, paired gains, the result object, file output.

Headline score of a target (:func:`headline_metrics`): the mean of the task's score metrics (span QA: exact match
and F1, the XTREME rule), else its ``headline_metric``; targets outside the registry fall back to the XTREME score
metrics of :func:`stiltgrid.data.xtreme.score_metrics`. Scores stay on the 0-100 scale of the tidy table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stiltgrid.core.languages import load_languages
from stiltgrid.results.scores import SCORE_COLUMNS, headline_metrics, headline_scores, select_model  # noqa: F401 (shared by the analyses)

ALL = "all"


@dataclass
class Result:
    """What ``analyse`` returns: the table written to ``table.tsv``, plain summary facts, the markdown summary,
    and the per-unit tables behind the figure (written as ``<name>.tsv``)."""

    question: str
    table: pd.DataFrame
    facts: dict
    summary: str
    details: dict[str, pd.DataFrame] = field(default_factory=dict)
    params: dict = field(default_factory=dict)


# --- inputs ----------------------------------------------------------------------------------------------------


def language_table(languages) -> pd.DataFrame:
    """A language table indexed by iso: a DataFrame (as from ``load_languages``, or with an ``iso`` column) or a
    path to a ``languages.tsv``."""
    if isinstance(languages, (str, Path)):
        return load_languages(languages)
    if not isinstance(languages, pd.DataFrame):
        raise TypeError(f"languages: expected a DataFrame or a path, got {type(languages).__name__}")
    table = languages.copy()
    if "iso" in table.columns:
        table.index = pd.Index(table["iso"].astype(str).tolist())
    return table


def pairs(comparisons, what: str = "comparisons") -> list[tuple[str, str]]:
    """Normalise comparisons given as [variant, reference] pairs or {variant: ..., reference: ...} dicts."""
    if isinstance(comparisons, (str, bytes)) or not isinstance(comparisons, Iterable):
        raise TypeError(f"{what}: expected a list of (variant, reference) pairs")
    out = []
    for item in comparisons:
        if isinstance(item, dict):
            item = (item.get("variant"), item.get("reference"))
        if isinstance(item, (str, bytes)) or len(item) != 2 or not all(isinstance(x, str) for x in item):
            raise ValueError(f"{what}: {item!r} is not a (variant, reference) pair of intermediate names")
        if item[0] == item[1]:
            raise ValueError(f"{what}: {item[0]!r} is compared with itself")
        out.append((item[0], item[1]))
    if not out:
        raise ValueError(f"{what}: empty")
    return out


def label(variant: str, reference: str) -> str:
    return f"{variant} vs {reference}"


def paired_gains(
    headline: pd.DataFrame, variant: str, reference: str, keys: Sequence[str] = ("target", "language")
) -> pd.DataFrame:
    """Rows where both intermediates have a value: keys, ``variant``, ``reference``, ``gain`` (variant - ref)."""
    keys = list(keys)
    a = headline[headline["intermediate"] == variant][keys + ["value"]].rename(columns={"value": "variant"})
    b = headline[headline["intermediate"] == reference][keys + ["value"]].rename(columns={"value": "reference"})
    merged = a.merge(b, on=keys, how="inner")
    merged["gain"] = merged["variant"] - merged["reference"]
    return merged.sort_values(keys).reset_index(drop=True)


def grouped_gains(
    scores: pd.DataFrame,
    *,
    comparisons,
    groups: pd.Series,
    group_column: str,
    question: str,
    targets=None,
    model=None,
    exclude_languages=("en",),
) -> list[tuple[str, str, pd.DataFrame]]:
    """Per ``[variant, reference]`` comparison, its paired (target, language) gains with each language's group
    (``groups``: a Series indexed by iso, e.g. family or stratum) in ``group_column`` and the comparison label first.
    Every intermediate must be scored, every language grouped, every comparison have a pair."""
    comps = pairs(comparisons)
    names = sorted({name for pair in comps for name in pair})
    head = headline_scores(
        scores, targets=targets, intermediates=names, model=model, exclude_languages=exclude_languages
    )
    require_intermediates(head, names, question)
    absent = sorted(set(head["language"]) - set(groups.index))
    if absent:
        raise KeyError(f"{question}: language table lacks {', '.join(absent)}")
    out = []
    for variant, reference in comps:
        gains = paired_gains(head, variant, reference)
        if gains.empty:
            raise ValueError(f"{question}: no (target, language) pair scored for both {variant} and {reference}")
        gains[group_column] = groups.loc[gains["language"]].to_numpy()
        gains.insert(0, "comparison", label(variant, reference))
        out.append((variant, reference, gains))
    return out


def target_blocks(gains: pd.DataFrame):
    """(target, rows) for all targets pooled (:data:`ALL`) and then each target."""
    for target in [ALL] + sorted(gains["target"].unique()):
        yield target, gains if target == ALL else gains[gains["target"] == target]


def require_intermediates(headline: pd.DataFrame, names: Iterable[str], what: str) -> None:
    present = set(headline["intermediate"])
    absent = sorted(set(names) - present)
    if absent:
        raise ValueError(
            f"{what}: no zero-shot scores for intermediate(s) {', '.join(absent)} "
            f"(present: {', '.join(sorted(present)) or 'none'})"
        )


# --- text ------------------------------------------------------------------------------------------------------


def num(x: float, digits: int = 2, signed: bool = True) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def ci(low: float, high: float, digits: int = 2, signed: bool = True) -> str:
    if any(v is None or math.isnan(v) for v in (low, high)):
        return "[no interval]"
    return f"[{num(low, digits, signed)}, {num(high, digits, signed)}]"


def pval(p: float) -> str:
    """The relation and value of a p-value, to follow "p": "= 0.0312", "< 0.001", "= n/a"."""
    if p is None or math.isnan(p):
        return "= n/a"
    return f"= {p:.3g}" if p >= 0.001 else "< 0.001"


def verdict(significant: bool, estimate: float, positive: str = "gain", negative: str = "loss") -> str:
    if not significant:
        return "no significant effect"
    return f"significant {positive if estimate > 0 else negative}"


def markdown_table(df: pd.DataFrame, digits: int = 2) -> str:
    def cell(v):
        if isinstance(v, (float, np.floating)):
            return "" if math.isnan(v) else f"{v:.{digits}f}"
        return str(v)

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


# --- output ----------------------------------------------------------------------------------------------------


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, pd.Series)):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def write_result(result: Result, out_dir, figure: Callable[[Result, str], None]) -> dict[str, str]:
    """Write ``table.tsv``, ``figure.png``, ``summary.md``, ``facts.json`` (the summary facts and parameters) and
    one ``<name>.tsv`` per detail table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "table": str(out / "table.tsv"),
        "figure": str(out / "figure.png"),
        "summary": str(out / "summary.md"),
        "facts": str(out / "facts.json"),
    }
    facts = {"question": result.question, "params": result.params, "facts": result.facts}
    Path(paths["facts"]).write_text(
        json.dumps(facts, indent=1, default=_plain, allow_nan=True) + "\n", encoding="utf-8"
    )
    result.table.to_csv(paths["table"], sep="\t", index=False, float_format="%.6g")
    for name, frame in result.details.items():
        paths[name] = str(out / f"{name}.tsv")
        frame.to_csv(paths[name], sep="\t", index=False, float_format="%.6g")
    Path(paths["summary"]).write_text(
        result.summary if result.summary.endswith("\n") else result.summary + "\n", encoding="utf-8"
    )
    plt = pyplot()
    try:
        figure(result, paths["figure"])
    finally:
        plt.close("all")
    return paths

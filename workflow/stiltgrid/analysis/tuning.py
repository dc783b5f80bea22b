"""Q7: full fine-tuning vs LoRA of the same intermediate task (stiltgrid.engine.lora): what the score loses or gains,
and what the checkpoints weigh.

The scores are compared as in :mod:`stiltgrid.analysis.alternatives` (XTREME score per seed, paired test over
zero-shot (task, language) pairs, two-stage bootstrap interval, Holm over every comparison), with the fully trained
intermediate as the reference; listing ``none`` among the alternatives adds each one's gain over no intermediate
training. The sizes are measured from the intermediate checkpoints the cells started from: bytes of their weight
files (tokenizer files aside: every checkpoint carries the same ones) and the encoder weights they hold (full: every
weight of the encoder; LoRA: the adapters), mean over seeds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stiltgrid.analysis import alternatives as A
from stiltgrid.analysis import common as C
from stiltgrid.analysis import stats as st
from stiltgrid.analysis import xtreme_mix as X

QUESTION = "tuning"
TABLE_MD = A.TABLE_MD
WEIGHTS = ("model.safetensors", "adapter_model.safetensors")


def measure(directory: str | Path) -> dict:
    """Bytes of an intermediate checkpoint (its files but the tokenizer's and the training summary) and the encoder
    weights it holds (the tensors of its safetensors file)."""
    directory = Path(directory)
    from stiltgrid.engine.lora import TOKENIZER_FILES

    skip = set(TOKENIZER_FILES) | {"train_summary.json"}
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file() and p.name not in skip)
    weights = next((directory / name for name in WEIGHTS if (directory / name).exists()), None)
    if weights is None:
        raise ValueError(f"{directory}: no {' or '.join(WEIGHTS)}: not an intermediate checkpoint")
    with open(weights, "rb") as handle:  # safetensors: 8-byte little-endian header length, then a JSON header
        header = json.loads(handle.read(int.from_bytes(handle.read(8), "little")))
    params = sum(math.prod(v["shape"]) for k, v in header.items() if k != "__metadata__")
    return {"checkpoint_bytes": size, "encoder_weights": params}


def sizes(checkpoints: Mapping[str, Sequence[str]]) -> dict[str, dict]:
    """Mean size over seeds of each intermediate's checkpoints (``none``, with none, weighs nothing)."""
    out = {}
    for inter, dirs in checkpoints.items():
        measured = [measure(d) for d in dirs]
        out[inter] = {
            k: float(np.mean([m[k] for m in measured])) if measured else 0.0
            for k in ("checkpoint_bytes", "encoder_weights")
        }
    return out


def analyse(
    scores: pd.DataFrame,
    *,
    reference: str,
    alternatives: Sequence[str],
    sizes: Mapping[str, dict],
    tunings: Mapping[str, str],
    kinds: Mapping[str, str] | None = None,
    targets: Sequence[str] | None = None,
    model: str | None = None,
    task_languages: Mapping[str, Sequence[str] | None] | None = None,
    n_boot: int = st.N_BOOT,
    n_perm: int = st.N_PERM,
    alpha: float = st.ALPHA,
    seed: int = 0,
) -> C.Result:
    """The fully trained ``reference`` and its ``alternatives`` (LoRA variants, ``none``) by XTREME score, with the
    sizes of their checkpoints. sizes: {intermediate: {checkpoint_bytes, encoder_weights}} (:func:`sizes`);
    tunings: {intermediate: how it was trained, e.g. 'full' or 'LoRA r8 ...'}."""
    base = A.analyse(
        scores,
        reference=reference,
        alternatives=alternatives,
        kinds=kinds,
        targets=targets,
        model=model,
        task_languages=task_languages,
        n_boot=n_boot,
        n_perm=n_perm,
        alpha=alpha,
        seed=seed,
    )
    table = base.table.copy()
    full = sizes[reference]["checkpoint_bytes"]
    table.insert(1, "tuning", [tunings.get(i, "") for i in table["intermediate"]])
    table["checkpoint_mb"] = [sizes.get(i, {}).get("checkpoint_bytes", 0.0) / 1e6 for i in table["intermediate"]]
    table["encoder_weights"] = [sizes.get(i, {}).get("encoder_weights", 0.0) for i in table["intermediate"]]
    checkpoint = [sizes.get(i, {}).get("checkpoint_bytes", 0.0) for i in table["intermediate"]]
    table["smaller_than_full"] = [full / b if b else math.nan for b in checkpoint]
    facts = {
        **base.facts,
        "intermediates": [X.plain(r) for r in table.to_dict("records")],
        "sizes": {i: dict(v) for i, v in sizes.items()},
    }
    result = C.Result(QUESTION, table, facts, "", base.details, base.params)
    result.summary = _summary(result)
    return result


def markdown(result: C.Result) -> str:
    columns = [
        "intermediate",
        "tuning",
        "xtreme_mean",
        "xtreme_std",
        "n_seeds",
        "difference",
        "ci_low",
        "ci_high",
        "p_holm",
        "checkpoint_mb",
        "smaller_than_full",
        "encoder_weights",
    ]
    table = result.table.reindex(columns=columns).copy()
    table["checkpoint_mb"] = table["checkpoint_mb"].map(lambda v: f"{v:.3f}")
    table["smaller_than_full"] = table["smaller_than_full"].map(lambda v: "" if math.isnan(v) else f"{v:.1f}x")
    table["encoder_weights"] = table["encoder_weights"].map(lambda v: f"{v:,.0f}")
    return C.markdown_table(table)


def _summary(result: C.Result) -> str:
    f = result.facts
    by_name = {r["intermediate"]: r for r in f["intermediates"]}
    ref = by_name[f["reference"]]
    lines = [
        "# Full fine-tuning vs LoRA of the intermediate task (XTREME score and checkpoint size)",
        "",
        X.method(result.params) + " Holm-adjusted p-values (p_holm) over every comparison. Checkpoint sizes: "
        "weight files of the intermediate checkpoints (tokenizer aside), mean over seeds; encoder_weights: "
        "encoder weights a checkpoint holds (full: all of them; LoRA: the adapters).",
        "",
        markdown(result),
        "",
    ]
    for name, row in by_name.items():
        if name == f["reference"] or not row.get("checkpoint_mb"):
            continue
        lines.append(
            f"- {name} ({row['tuning']}): {C.num(row['difference'])} points against {f['reference']} "
            f"(95% CI {C.num(row['ci_low'])} to {C.num(row['ci_high'])}), with a checkpoint "
            f"{row['smaller_than_full']:.1f}x smaller ({row['checkpoint_mb']:.3f} MB against "
            f"{ref['checkpoint_mb']:.3f} MB)."
        )
    lines += [
        "",
        "Every comparison is in comparisons.tsv; per-seed scores in per_seed.tsv; the paired differences in pairs.tsv.",
    ]
    return "\n".join(lines) + "\n"


def figure(result: C.Result, path: str) -> None:
    plt = C.pyplot()
    table, per_seed, reference = result.table, result.details["per_seed"], result.facts["reference"]
    first = C.label(result.facts["alternatives"][0], reference)
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(7.5, 2.6 * len(table) + 2), 3.8))
    labels = [f"{n}\n({t})" if t else n for n, t in zip(table["intermediate"], table["tuning"])]
    for x, row in enumerate(table.itertuples(index=False)):
        comp = C.label(row.intermediate, reference) if row.role == "alternative" else first
        values = (
            per_seed.loc[(per_seed["comparison"] == comp) & (per_seed["intermediate"] == row.intermediate), "xtreme"]
            .dropna()
            .to_numpy()
        )
        color = "tab:gray" if row.role == "reference" else f"C{x}"
        left.errorbar(
            x,
            row.xtreme_mean,
            yerr=0 if math.isnan(row.xtreme_std) else row.xtreme_std,
            fmt="o",
            color=color,
            ms=8,
            capsize=6,
        )
        left.scatter(
            x + 0.2 + (np.linspace(-0.1, 0.1, values.size) if values.size > 1 else 0),
            values,
            color=color,
            s=14,
            alpha=0.7,
            zorder=3,
        )
        if row.role == "alternative":
            left.annotate(
                f"{row.difference:+.2f}{' *' if row.significant else ''}",
                (x, row.xtreme_mean + (0 if math.isnan(row.xtreme_std) else row.xtreme_std)),
                textcoords="offset points",
                xytext=(0, 9),
                ha="center",
                fontsize=8,
            )
        if row.checkpoint_mb:
            right.bar(x, row.checkpoint_mb, color=color)
            right.annotate(
                f"{row.checkpoint_mb:.3g} MB",
                (x, row.checkpoint_mb),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                fontsize=8,
            )
    for ax in (left, right):
        ax.set_xticks(range(len(table)), labels, fontsize=7)
    left.set_ylabel(X.score_name(int(table["n_tasks"].iloc[0])))
    left.set_title(
        "XTREME score: mean ± sd over seeds (dots: seeds;\nlabels: difference vs full, * significant)", fontsize=8
    )
    right.set_yscale("log")
    right.set_ylabel("intermediate checkpoint (MB, log scale)")
    right.set_title("checkpoint size (weights, tokenizer aside)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write(result: C.Result, out_dir) -> dict[str, str]:
    """table.tsv, table.md, figure.png, summary.md, facts.json, comparisons.tsv, per_seed.tsv, pairs.tsv."""
    paths = C.write_result(result, out_dir, figure)
    paths["table_md"] = str(Path(out_dir) / TABLE_MD)
    Path(paths["table_md"]).write_text(markdown(result) + "\n", encoding="utf-8")
    return paths


def tunings_of(summaries: Mapping[str, str]) -> dict[str, str]:
    """How each intermediate was trained, from one of its training summaries (``none``: no training)."""
    from stiltgrid.engine.lora import describe

    out = {}
    for inter, path in summaries.items():
        tuning = json.loads(Path(path).read_text()).get("tuning")
        out[inter] = describe({k: tuning[k] for k in ("rank", "alpha", "modules")} if tuning else None)
    return out

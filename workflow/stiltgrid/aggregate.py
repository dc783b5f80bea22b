"""Phase 5: the tidy long table and everything derived from it.

``tidy`` reads the per-(cell, language) metrics JSON files into one row per (model, intermediate, target, language,
seed, split, metric, value); ``split`` is ``test``, or ``dev`` for the English score of a declared target that has no
English test file (stiltgrid.config.Grid.dev_languages), which no language mean includes. ``write_all`` derives
the paper-style table (rows intermediate tasks, columns targets, Δ vs the baseline), the XTREME score with category
scores (official rule, stiltgrid.metrics.scores; the XTREME-R score instead when the targets are XTREME-R's) and a
heatmap of gains. ``gather_warnings`` collects what the guards (stiltgrid.guards) recorded in the cells and training
summaries, ``write_warnings`` puts it in ``warnings.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from stiltgrid import xtreme as xt
from stiltgrid.guards import TRUNCATION_WARN
from stiltgrid.metrics import scores as S

COLUMNS = [*S.COLUMNS[:-2], "split", *S.COLUMNS[-2:]]


def tidy(metric_files: list[str]) -> pd.DataFrame:
    rows = []
    for path in metric_files:
        record = json.loads(Path(path).read_text())
        for metric, value in record["metrics"].items():
            if metric in ("threshold",):  # a tuned parameter, not a score
                continue
            rows.append({"model": record["model"], "intermediate": record["intermediate"], "target": record["target"],
                         "language": record["language"], "seed": record["seed"],
                         "split": record.get("split", "test"), "metric": metric, "value": float(value)})
    return pd.DataFrame(rows, columns=COLUMNS)


def gather_warnings(config_warnings: list[str], summaries: list[str], metric_files: list[str]) -> list[str]:
    """Every warning of the grid, one line each with where it was recorded: the configuration's, each training
    summary's (intermediate and target training), each metrics record's (a language's test or dev scores)."""
    lines = [f"configuration: {warning}" for warning in config_warnings]
    for path in summaries:
        where = str(Path(path).parent)
        lines += [f"`{where}` training: {w}" for w in json.loads(Path(path).read_text()).get("warnings", [])]
    for path in metric_files:
        record = json.loads(Path(path).read_text())
        where = f"`{Path(path).parent}` {record['language']} ({record.get('split', 'test')})"
        lines += [f"{where}: {w}" for w in record.get("warnings", [])]
    return lines


def write_warnings(lines: list[str], path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    head = "# Warnings\n\n"
    if not lines:
        Path(path).write_text(head + "None: every training run beat its majority-class baseline on dev, no "
                              "predictions collapsed to one class, and no input set lost more than "
                              f"{TRUNCATION_WARN:.0%} of its examples to max_length.\n")
        return
    Path(path).write_text(head + f"{len(lines)} warning(s); what they mean: README, bring your own encoder.\n\n"
                          + "".join(f"- {line}\n" for line in lines))


def benchmark_for(targets) -> str:
    """XTREME-R when the grid's benchmark targets are XTREME-R tasks (at least one of XCOPA, Mewsli-X, LAReQA and
    neither PAWS-X nor BUCC), else XTREME."""
    tasks = {t for t in map(_canonical, targets) if t}
    r_only = set(xt.benchmark_tasks(xt.XTREME_R)) - set(xt.benchmark_tasks(xt.XTREME))
    x_only = set(xt.benchmark_tasks(xt.XTREME)) - set(xt.benchmark_tasks(xt.XTREME_R))
    return xt.XTREME_R if tasks & r_only and not tasks & x_only else xt.XTREME


def benchmark_table(results: pd.DataFrame, task_languages: dict[str, list[str]],
                    benchmark: str | None = None) -> pd.DataFrame:
    """Task, category and overall scores of the benchmark (default: :func:`benchmark_for` the targets) per (model,
    intermediate), averaged over seeds; the first column names the benchmark."""
    benchmark = xt.benchmark_id(benchmark) if benchmark else benchmark_for(task_languages)
    members = set(xt.benchmark_tasks(benchmark))
    langs = {t: langs for t, langs in task_languages.items() if _canonical(t) in members}
    table = S.benchmark_scores(results, benchmark, task_languages=langs, average_seeds=True)
    table.insert(0, "benchmark", benchmark)
    return table


def _canonical(target: str) -> str | None:
    try:
        return xt.canonical_task(target)
    except ValueError:
        return None


def _is_xtreme(target: str) -> bool:
    """A task of XTREME or XTREME-R (scored by the official per-task rule)."""
    task = _canonical(target)
    return task is not None and any(task in xt.benchmark_tasks(b) for b in xt.BENCHMARKS)


def task_values(results: pd.DataFrame, task_languages: dict[str, list[str]]) -> pd.DataFrame:
    """One value per (intermediate, target): the official per-task value, averaged over seeds."""
    records = []
    for (inter, target), rows in results.groupby(["intermediate", "target"], sort=False):
        langs = task_languages.get(target)
        rows = rows[rows["language"].isin(langs)] if langs else rows
        per_seed = []
        for _, seed_rows in rows.groupby("seed"):
            if _is_xtreme(target):
                value, _ = S.task_value(S._prepare(seed_rows), xt.canonical_task(target), langs)
            else:  # a task outside XTREME: its headline metric averaged over languages
                from stiltgrid.tasks import get_task

                headline = seed_rows[seed_rows["metric"] == get_task(target).headline_metric]
                value = float(headline["value"].mean()) if len(headline) else np.nan
            per_seed.append(value)
        records.append({"intermediate": inter, "target": target, "value": float(np.mean(per_seed)),
                        "std": float(np.std(per_seed)), "n_seeds": len(per_seed)})
    return pd.DataFrame(records)


def category_table(values: pd.DataFrame, inter_order: list[str]) -> pd.DataFrame:
    """Per intermediate: the mean task value of each category over every target of the grid (built-in and declared
    tasks alike, by their registry category), with the tasks each mean rests on."""
    from stiltgrid.tasks import get_task

    values = values.assign(category=[get_task(t).category or "other" for t in values["target"]])
    records = []
    for inter in [i for i in inter_order if i in set(values["intermediate"])]:
        rows = values[values["intermediate"] == inter]
        record = {"intermediate": inter}
        for category, group in rows.groupby("category", sort=True):
            record[category] = float(group["value"].mean())
            record[f"{category}_tasks"] = ",".join(sorted(group["target"]))
        records.append(record)
    return pd.DataFrame(records)


def paper_table(values: pd.DataFrame, baseline: str, inter_order: list[str], target_order: list[str]):
    wide = values.pivot(index="intermediate", columns="target", values="value")
    wide = wide.reindex(index=[i for i in inter_order if i in wide.index],
                        columns=[t for t in target_order if t in wide.columns])
    wide["avg"] = wide.mean(axis=1)
    delta = wide - wide.loc[baseline] if baseline in wide.index else wide * np.nan
    return wide, delta


def _markdown(wide: pd.DataFrame, delta: pd.DataFrame, baseline: str) -> str:
    header = "| intermediate | " + " | ".join(wide.columns) + " |"
    lines = [header, "|" + "---|" * (len(wide.columns) + 1)]
    for inter in wide.index:
        cells = []
        for col in wide.columns:
            value, gain = wide.at[inter, col], delta.at[inter, col]
            cells.append(f"{value:.1f}" if inter == baseline or np.isnan(gain) else f"{value:.1f} ({gain:+.1f})")
        lines.append(f"| {inter} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nValues: per-task score averaged over languages and seeds (QA: mean of EM and F1); "\
                              f"in brackets the change against `{baseline}`.\n"


def heatmap(delta: pd.DataFrame, baseline: str, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gains = delta.drop(index=baseline, errors="ignore")
    fig, ax = plt.subplots(figsize=(2.5 + 0.8 * gains.shape[1], 1.6 + 0.4 * max(1, gains.shape[0])))
    bound = float(np.nanmax(np.abs(gains.to_numpy()))) if gains.size else 1.0
    image = ax.imshow(gains.to_numpy(dtype=float), cmap="RdBu", vmin=-bound or -1, vmax=bound or 1, aspect="auto")
    ax.set_xticks(range(gains.shape[1]), gains.columns, rotation=45, ha="right")
    ax.set_yticks(range(gains.shape[0]), gains.index)
    for (i, j), value in np.ndenumerate(gains.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label=f"Δ vs {baseline} (points)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_all(results: pd.DataFrame, outputs: dict[str, str], task_languages: dict[str, list[str]], baseline: str,
              intermediate_order: list[str], target_order: list[str]) -> None:
    for path in outputs.values():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    if "split" not in results:
        results = results.assign(split="test")
    results[COLUMNS].sort_values(COLUMNS[:-1]).to_csv(outputs["scores"], sep="\t", index=False)
    values = task_values(results, task_languages)
    wide, delta = paper_table(values, baseline, intermediate_order, target_order)
    wide.join(delta.add_suffix("_delta")).round(2).to_csv(outputs["paper_table"], sep="\t")
    Path(outputs["paper_markdown"]).write_text(_markdown(wide, delta, baseline))
    if "categories" in outputs:
        category_table(values, intermediate_order).round(2).to_csv(outputs["categories"], sep="\t", index=False)
    bench = benchmark_table(results, task_languages)
    bench.round(2).to_csv(outputs["xtreme"], sep="\t", index=False)
    model = results["model"].iloc[0] if len(results) else ""
    heatmap(delta, baseline, outputs["heatmap"], f"{model}: gain over {baseline} per target (avg = mean of targets)")

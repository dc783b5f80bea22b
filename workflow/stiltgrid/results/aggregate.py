"""Phase 5: the tidy long table and everything derived from it.

``tidy`` reads the per-(cell, language) metrics JSON files into one row per (model, intermediate, target, language,
seed, split, metric, value); ``split`` is ``test``, or ``dev`` for the English score of a declared target that has no
English test file (stiltgrid.grid.config.Grid.dev_languages), which no language mean includes. ``write_all`` derives
the paper-style table (rows intermediate tasks, columns targets, Δ vs the baseline), the XTREME score with category
scores (official rule, stiltgrid.results.scores; the XTREME-R score instead when the targets are XTREME-R's) and a
heatmap of gains. ``gather_warnings`` collects what the guards (stiltgrid.engine.guards) recorded in the cells and training
summaries, ``write_warnings`` puts it in ``warnings.md``.

The paper's headline row, ``best-dev`` (Phang et al. 2020: "best intermediate task per target"), is chosen on English
dev scores only (:func:`best_per_target`), never on test: per target, the intermediate (any row but the baseline)
with the best dev score averaged over seeds -- for a trained target the best early-stopping dev score of its cell
(``train_summary.json``), for BUCC-style retrieval the dev F1 at the threshold tuned on dev. A target without a dev set
(Tatoeba, LAReQA, Mewsli-X) takes the intermediate with the best mean dev score over the grid's other targets of its
category (Tatoeba: BUCC), else over every target that has one. Ties go to the earlier row of the grid.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from stiltgrid.core import paths as P
from stiltgrid.data import xtreme as xt
from stiltgrid.grid.config import BEST
from stiltgrid.engine.guards import TRUNCATION_WARN
from stiltgrid.results import scores as S

COLUMNS = [*S.COLUMNS[:-2], "split", *S.COLUMNS[-2:]]
DEV_METRIC = "dev_f1"  # BUCC-style cells: F1 on dev at the threshold tuned there


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
    tasks = {t for t in map(xt.known_task, targets) if t}
    r_only = set(xt.benchmark_tasks(xt.XTREME_R)) - set(xt.benchmark_tasks(xt.XTREME))
    x_only = set(xt.benchmark_tasks(xt.XTREME)) - set(xt.benchmark_tasks(xt.XTREME_R))
    return xt.XTREME_R if tasks & r_only and not tasks & x_only else xt.XTREME


def benchmark_table(results: pd.DataFrame, task_languages: dict[str, list[str]],
                    benchmark: str | None = None) -> pd.DataFrame:
    """Task, category and overall scores of the benchmark (default: :func:`benchmark_for` the targets) per (model,
    intermediate), averaged over seeds; the first column names the benchmark."""
    benchmark = xt.benchmark_id(benchmark) if benchmark else benchmark_for(task_languages)
    members = set(xt.benchmark_tasks(benchmark))
    langs = {t: langs for t, langs in task_languages.items() if xt.known_task(t) in members}
    table = S.benchmark_scores(results, benchmark, task_languages=langs, average_seeds=True)
    table.insert(0, "benchmark", benchmark)
    return table


def _is_xtreme(target: str) -> bool:
    """A task of XTREME or XTREME-R (scored by the official per-task rule)."""
    task = xt.known_task(target)
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


def dev_scores(summaries: list[str], results: pd.DataFrame, task_languages: dict[str, list[str]]) -> pd.DataFrame:
    """English dev score per (intermediate, target, seed): ``best_dev`` of trained cells' training summaries, and for
    BUCC-style cells the mean over the target's languages of the dev F1 at the dev-tuned threshold."""
    records = []
    for path in summaries:
        cell = P.cell_of(path)
        records.append({"intermediate": cell["intermediate"], "target": cell["target"], "seed": int(cell["seed"]),
                        "dev": float(json.loads(Path(path).read_text())["best_dev"])})
    mined = results[results["metric"] == DEV_METRIC]
    for (inter, target, seed), rows in mined.groupby(["intermediate", "target", "seed"], sort=False, dropna=False):
        langs = task_languages.get(target)
        rows = rows[rows["language"].isin(langs)] if langs else rows
        records.append({"intermediate": inter, "target": target, "seed": seed, "dev": float(rows["value"].mean())})
    return pd.DataFrame(records, columns=["intermediate", "target", "seed", "dev"])


def best_per_target(dev: pd.DataFrame, values: pd.DataFrame, baseline: str, inter_order: list[str],
                    target_order: list[str]) -> pd.DataFrame:
    """Per target, the intermediate chosen on dev (module docstring), the dev score it was chosen on, and its test
    value against the baseline's. ``chosen_on`` names the dev scores used: ``dev`` (the target's own) or ``dev of
    <targets>`` (a target without a dev set); an empty ``intermediate`` when no dev score exists at all."""
    from stiltgrid.tasks import get_task

    test = values.set_index(["intermediate", "target"])["value"]
    mean_dev = dev.groupby(["target", "intermediate"])["dev"].mean()
    with_dev = [t for t in target_order if t in set(dev["target"])]
    records = []
    for target in target_order:
        candidates = [i for i in inter_order if i != baseline and (i, target) in test.index]
        if not candidates:
            continue
        if target in with_dev:
            basis = [target]
        else:
            category = get_task(target).category
            basis = [t for t in with_dev if get_task(t).category == category and category] or with_dev
        scored = {i: float(np.mean([mean_dev[(t, i)] for t in basis])) for i in candidates
                  if basis and all((t, i) in mean_dev.index for t in basis)}
        best = max(scored, key=lambda i: (scored[i], -candidates.index(i))) if scored else None
        base = float(test[(baseline, target)]) if (baseline, target) in test.index else np.nan
        value = float(test[(best, target)]) if best else np.nan
        chosen_on = "" if not basis else "dev" if basis == [target] else "dev of " + ",".join(basis)
        records.append({"target": target, "intermediate": best or "", "chosen_on": chosen_on,
                        "dev": scored.get(best, np.nan), "value": value, baseline: base, "delta": value - base})
    return pd.DataFrame(records, columns=["target", "intermediate", "chosen_on", "dev", "value", baseline, "delta"])


def with_best_row(results: pd.DataFrame, choices: pd.DataFrame) -> pd.DataFrame:
    """``results`` plus the ``best-dev`` row: each target's rows of its chosen intermediate, relabelled."""
    chosen = set(zip(choices["intermediate"], choices["target"]))
    picked = results[[(i, t) in chosen for i, t in zip(results["intermediate"], results["target"])]]
    return pd.concat([results, picked.assign(intermediate=BEST)], ignore_index=True)


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


def _markdown(wide: pd.DataFrame, delta: pd.DataFrame, baseline: str, choices: pd.DataFrame | None = None,
              bench: pd.DataFrame | None = None) -> str:
    chosen = dict(zip(choices["target"], choices["intermediate"])) if choices is not None else {}
    header = "| intermediate | " + " | ".join(wide.columns) + " |"
    lines = [header, "|" + "---|" * (len(wide.columns) + 1)]
    for inter in wide.index:
        cells = []
        for col in wide.columns:
            value, gain = wide.at[inter, col], delta.at[inter, col]
            cell = f"{value:.1f}" if inter == baseline or np.isnan(gain) else f"{value:.1f} ({gain:+.1f})"
            cells.append(f"{cell} {chosen[col]}" if inter == BEST and chosen.get(col) else cell)
        lines.append(f"| {inter} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + f"\n\nValues: per-task score averaged over languages and seeds (QA: mean of EM and F1); "\
                            f"in brackets the change against `{baseline}`.\n"
    if choices is not None and BEST in wide.index:
        text += _best_note(choices, baseline, bench)
    return text


def _best_note(choices: pd.DataFrame, baseline: str, bench: pd.DataFrame | None) -> str:
    """How the ``best-dev`` row was chosen, and its benchmark score against the baseline."""
    fallbacks = [f"{t} on the {on.removeprefix('dev of ')} dev scores" for t, on in
                 zip(choices["target"], choices["chosen_on"]) if on.startswith("dev of ")]
    note = (f"\n`{BEST}`: per target, the intermediate named in its cell, chosen as the one (any row but "
            f"`{baseline}`) with the best English dev score averaged over seeds, never on test: trained targets by "
            "the best early-stopping dev score of the fine-tuned cell, BUCC by the dev F1 at the threshold tuned on "
            "dev. A target without a dev set takes the best mean dev score over the grid's targets of its category "
            "that have one (Tatoeba: BUCC), else over every target that has one"
            + (f"; here {', '.join(fallbacks)}" if fallbacks else "") + ".\n")
    if bench is not None and {BEST, baseline} <= set(bench["intermediate"]):
        name = "XTREME-R" if bench["benchmark"].iloc[0] == xt.XTREME_R else "XTREME"
        best, base = (bench.set_index("intermediate").loc[i] for i in (BEST, baseline))
        if np.isnan(best["overall"]) or np.isnan(base["overall"]):
            note += (f"\n{name} score of `{BEST}`: not defined on this grid ({best['missing'] or base['missing']}); "
                     "the `avg` column compares the grid's own targets.\n")
        else:
            note += (f"\n{name} score of `{BEST}`: {best['overall']:.1f} against {base['overall']:.1f} for "
                     f"`{baseline}` ({best['overall'] - base['overall']:+.1f}).\n")
    return note


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
              intermediate_order: list[str], target_order: list[str], dev: pd.DataFrame | None = None) -> None:
    """Every table and the heatmap; with ``dev`` (:func:`dev_scores`) also the ``best-dev`` row in the paper table,
    the category and XTREME tables, and the choices in ``outputs["best"]``."""
    for path in outputs.values():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    if "split" not in results:
        results = results.assign(split="test")
    results[COLUMNS].sort_values(COLUMNS[:-1]).to_csv(outputs["scores"], sep="\t", index=False)
    values = task_values(results, task_languages)
    choices = None
    if dev is not None:
        choices = best_per_target(dev, values, baseline, intermediate_order, target_order)
        choices.round(4).to_csv(outputs["best"], sep="\t", index=False)
        if (choices["intermediate"] != "").any():  # a grid of the baseline alone has nothing to choose
            results = with_best_row(results, choices)
            values = task_values(results, task_languages)
            intermediate_order = list(intermediate_order) + [BEST]
    wide, delta = paper_table(values, baseline, intermediate_order, target_order)
    wide.join(delta.add_suffix("_delta")).round(2).to_csv(outputs["paper_table"], sep="\t")
    if "categories" in outputs:
        category_table(values, intermediate_order).round(2).to_csv(outputs["categories"], sep="\t", index=False)
    bench = benchmark_table(results, task_languages)
    base = bench.loc[bench["intermediate"] == baseline, "overall"]
    bench.insert(list(bench.columns).index(S.OVERALL) + 1, f"overall_vs_{baseline}",
                 bench["overall"] - (float(base.iloc[0]) if len(base) else np.nan))
    bench.round(2).to_csv(outputs["xtreme"], sep="\t", index=False)
    Path(outputs["paper_markdown"]).write_text(_markdown(wide, delta, baseline, choices, bench))
    model = results["model"].iloc[0] if len(results) else ""
    heatmap(delta, baseline, outputs["heatmap"], f"{model}: gain over {baseline} per target (avg = mean of targets)")

"""Plan a grid under a GPU budget: ``stiltgrid plan --preset NAME [options]`` (or ``python -m stiltgrid.plan.planner``).

Prints the predicted device-hours of the preset's GPU jobs per phase, per cell and in total, with the throughput
entries used (stiltgrid.plan.cost). With ``--gpu-hours B`` it chooses the cells to run within B by an integer program
(PuLP's CBC), lexicographically: first every (intermediate, target) pair of the grid with at least one seed, then the
analyses the preset asks (each needs all its cells in every seed), then as many further seeds as fit, then the least
cost, then the first seeds. A cell trained after an intermediate task needs that task's intermediate job for its
seed, paid once and shared by every target. It says what the cells left out would cost, and ``--write plan.yaml``
writes the config overlay with which ``snakemake --configfile plan.yaml`` runs exactly the chosen cells and the jobs
they need. ``--actual`` compares predicted and measured (Snakemake benchmark) seconds per rule of the jobs that ran.
It also prints what the intermediate checkpoints weigh on disk and the intermediate phase's hours, and the same with
the other tuning (full fine-tuning for a LoRA grid, LoRA with its defaults for a full one; stiltgrid.engine.lora).

Run it in the workflow's directory, with the ``--config`` / ``--configfile`` you give ``snakemake``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from stiltgrid.core.paths import SELECTION_TEXT
from stiltgrid.engine import lora
from stiltgrid.grid.args import add_config_arguments, config_from_arguments
from stiltgrid.grid.config import ANALYSES, NONE, ConfigError, load_grid
from stiltgrid.grid.dag import Job, JobGraph
from stiltgrid.plan import cost

Cell = tuple[str, str, int]  # (intermediate, target, seed)
Trained = tuple[str, int]  # (intermediate, seed): one intermediate-training job


# -- the integer program -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Costs of the candidate jobs (any unit, the budget's)."""

    cells: dict[Cell, float]
    intermediates: dict[Trained, float]  # a cell whose intermediate is not here (the baseline) needs none
    pairs: tuple[tuple[str, str], ...]  # the (intermediate, target) pairs whose coverage counts first
    #: question -> (the cells it needs, its own cost when asked: the robustness perturbations)
    analyses: dict[str, tuple[tuple[Cell, ...], float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    cells: tuple[Cell, ...]
    intermediates: tuple[Trained, ...]
    questions: tuple[str, ...]
    cost: float
    covered: int  # pairs with at least one seed


def select(problem: Problem, budget: float) -> Selection:
    """The lexicographically best set of cells within ``budget`` (see the module docstring)."""
    import pulp

    model = pulp.LpProblem("plan", pulp.LpMaximize)
    x = {c: model.add_variable(f"cell_{n}", cat="Binary") for n, c in enumerate(problem.cells)}
    y = {k: model.add_variable(f"inter_{n}", cat="Binary") for n, k in enumerate(problem.intermediates)}
    z = {p: model.add_variable(f"pair_{n}", cat="Binary") for n, p in enumerate(problem.pairs)}
    a = {q: model.add_variable(f"question_{q}", cat="Binary") for q in problem.analyses}
    spent = (
        pulp.lpSum(cost_ * x[c] for c, cost_ in problem.cells.items())
        + pulp.lpSum(cost_ * y[k] for k, cost_ in problem.intermediates.items())
        + pulp.lpSum(extra * a[q] for q, (_, extra) in problem.analyses.items())
    )
    model += spent <= budget, "budget"
    for (inter, _target, seed), var in x.items():
        if (inter, seed) in y:
            model += var <= y[(inter, seed)]
    for pair, var in z.items():
        model += var <= pulp.lpSum(x[c] for c in x if c[:2] == pair)
    for question, (cells, _) in problem.analyses.items():
        for c in cells:
            model += a[question] <= x[c]
    pairs = set(problem.pairs)
    for c, var in x.items():
        if c[:2] not in pairs:  # a cell only an analysis compares is worth running for that analysis alone
            model += var <= pulp.lpSum(a[q] for q, (cells, _) in problem.analyses.items() if c in cells)
    levels = [pulp.lpSum(z.values()), pulp.lpSum(a.values()), pulp.lpSum(x[c] for c in x if c[:2] in pairs)]
    for n, level in enumerate(levels):
        model.setObjective(level)
        model.sense = pulp.LpMaximize
        _solve(model)
        model += level >= round(pulp.value(level) or 0), f"level_{n}"
    model.setObjective(spent)
    model.sense = pulp.LpMinimize
    _solve(model)
    # among plans of that least cost, the first seeds (so equal cells do not scatter over seeds)
    least = pulp.value(spent) or 0.0
    model += spent <= least + 1e-7 * max(1.0, abs(least)), "least_cost"
    rank = {seed: n for n, seed in enumerate(sorted({c[2] for c in x}))}
    model.setObjective(pulp.lpSum(rank[c[2]] * var for c, var in x.items()))
    _solve(model)
    cells = tuple(c for c, var in x.items() if var.varValue > 0.5)
    trained = tuple(dict.fromkeys((c[0], c[2]) for c in cells if (c[0], c[2]) in problem.intermediates))
    questions = tuple(q for q, var in a.items() if var.varValue > 0.5)
    total = (
        sum(problem.cells[c] for c in cells)
        + sum(problem.intermediates[k] for k in trained)
        + sum(problem.analyses[q][1] for q in questions)
    )
    return Selection(cells, trained, questions, total, len({c[:2] for c in cells} & pairs))


def _solve(model) -> None:
    import pulp

    status = model.solve(pulp.PULP_CBC_CMD(msg=False))
    if pulp.LpStatus[status] != "Optimal":
        raise RuntimeError(f"the integer program is {pulp.LpStatus[status]}")


# -- the grid's jobs and their costs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Priced:
    job: Job
    key: cost.Key
    seconds: float | None = None  # predicted, with the robustness perturbations
    base: float | None = None  # predicted, without them
    why: tuple[str, ...] = ()  # why the cost is unknown
    published: bool = False  # sized from the task's published sizes


def candidate_cells(graph: JobGraph) -> list[Cell]:
    """Every cell the grid runs: the tables' and the analyses', in each of its seeds."""
    grid = graph.grid
    pairs = dict.fromkeys(graph.grid_cells() + grid.analysis_cells())
    return [(inter, target, seed) for inter, target in pairs for seed in grid.cell_seeds(inter, target)]


def gpu_jobs(graph: JobGraph) -> tuple[dict[Cell, Job], dict[Trained, Job]]:
    model = graph.model_name
    cells = {c: graph.cell(model, *c) for c in candidate_cells(graph)}
    trained = {(i, s): graph.intermediate(model, i, s) for i, _, s in cells if i != NONE}
    return cells, trained


def price(job: Job, sizer: cost.Sizer, rates: dict, model: str, device: str) -> Priced:
    """A job's predicted seconds, or every reason it cannot be given (an unknown size, a missing entry)."""
    key = cost.job_key(job, model, device)
    rate, why = rates.get(key), []
    try:
        done = cost.work(job, sizer)
    except cost.Unknown as err:
        why.append(str(err))
    if rate is None:
        why.append(f"no throughput entry for {key}")
    if why:
        return Priced(job, key, why=tuple(why))
    try:
        return Priced(
            job,
            key,
            cost.seconds(done, rate, key),
            cost.seconds(done, rate, key, perturbed=False),
            published=done.published,
        )
    except cost.Unknown as err:
        return Priced(job, key, why=(str(err),))


def calibrate_on(config: dict, preset: str, root: str = ".") -> tuple[list[cost.Rate], str]:
    """Throughput entries fitted to the finished GPU jobs of ``preset`` in this directory, and a one-line account."""
    config = {**config, "preset": preset}
    graph = JobGraph(config, load_grid(config))
    sizer = cost.Sizer(graph)
    cells, trained = gpu_jobs(graph)
    measured, skipped = [], []
    for job in [*trained.values(), *cells.values()]:
        record = cost.read_record(job, root)
        if record is None:
            continue
        try:
            measured.append((record, cost.work(job, sizer)))
        except cost.Unknown as err:
            skipped.append(str(err))
    rates = cost.calibrate(measured, cost.model_key(graph.grid.model), f"calibrated on preset {preset}")
    note = f"preset {preset}: {len(measured)} finished jobs read" + (
        f", {len(skipped)} skipped ({skipped[0]})" if skipped else ""
    )
    return rates, note


# -- output --------------------------------------------------------------------------------------------------------
def _hours(value: float | None) -> str:
    return "?" if value is None else f"{value / 3600:,.2f}"


def _matrix(rows: list[str], cols: list[str], value, first: str, extra: tuple[str, dict] | None = None) -> list[str]:
    """A table with a row per intermediate and a column per target (and one ``extra`` column before them)."""
    header = [first] + ([extra[0]] if extra else []) + cols
    body = [[row] + ([extra[1].get(row, "-")] if extra else []) + [value(row, col) for col in cols] for row in rows]
    lines = [[str(v) for v in line] for line in [header] + body]
    widths = [max(len(line[n]) for line in lines) for n in range(len(header))]
    return [
        "  " + "  ".join(v.ljust(w) if n == 0 else v.rjust(w) for n, (v, w) in enumerate(zip(line, widths)))
        for line in lines
    ]


def _mean(values: list[float | None]) -> float | None:
    return None if not values or any(v is None for v in values) else sum(values) / len(values)


class Report:
    """The priced jobs of a grid, printed: costs per phase and per cell, and a selection."""

    def __init__(self, graph: JobGraph, cells: dict[Cell, Priced], trained: dict[Trained, Priced], device: str):
        self.graph, self.cells, self.trained, self.device = graph, cells, trained, device
        self.unit = "GPU-hours" if device.startswith("cuda") else "device-hours"

    def jobs(self) -> list[Priced]:
        return [*self.trained.values(), *self.cells.values()]

    def perturbed(self) -> float | None:
        """Seconds the robustness question adds to its targets' cells (perturbed copies of the test sets)."""
        if any(p.seconds is None for p in self.cells.values()):
            return None
        return sum(p.seconds - p.base for p in self.cells.values())

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The grid's (intermediate, target) pairs (analysis-only intermediates are not among them)."""
        grid, present = self.graph.grid, {c[:2] for c in self.cells}
        return tuple((i, t) for i in grid.intermediates for t in grid.targets if (i, t) in present)

    def rows(self) -> list[str]:
        return list(dict.fromkeys(c[0] for c in self.cells))

    def cols(self) -> list[str]:
        return list(dict.fromkeys(c[1] for c in self.cells))

    def costs(self, rates: dict) -> list[str]:
        grid, jobs = self.graph.grid, self.jobs()
        out = [
            f"preset {grid.preset}: model {grid.model_name}, data {grid.dataset_name}: {len(self.cells)} cells, "
            f"{len(self.trained)} intermediate-training jobs",
            f"device: {self.device} (precision as the jobs resolve it there)",
        ]
        published = sum(p.published for p in jobs)
        if published:
            out.append(
                f"task sizes: {published} of {len(jobs)} jobs sized from published sizes (the tasks' own: "
                f"data not fetched; every sequence counted at max_length)"
                + (", the rest measured" if published < len(jobs) else "")
            )
        else:
            out.append("task sizes: measured from the task files")
        used = sorted({p.key for p in jobs if p.key in rates}, key=str)
        out.append("throughput entries used:")
        out += [f"  {rates[key].describe()}" for key in used] or ["  (none)"]
        out += ["", f"predicted {self.unit} per phase:"]
        phases: dict[str, list[Priced]] = {}
        for p in jobs:
            phases.setdefault(cost.phase_of(p.job), []).append(p)
        table = [("phase", "jobs", self.unit)]
        for phase, members in phases.items():
            table.append((phase, str(len(members)), _hours(_sum(members))))
        table.append(("total", str(len(jobs)), _hours(_sum(jobs))))
        out += ["  " + f"{a:<13}{b:>6}{c:>14}" for a, b, c in table]
        if self.perturbed():
            out.append(f"  of which the robustness question's perturbed test sets: {_hours(self.perturbed())}")
        out += [
            "",
            f"predicted {self.unit} per cell (one seed), and of the intermediate-training job it needs (one "
            f"per seed, shared by every target):",
        ]
        per_cell = {}
        for (inter, target, _), p in self.cells.items():
            per_cell.setdefault((inter, target), []).append(p.seconds)
        train = {
            inter: _hours(_mean([p.seconds for (i, _), p in self.trained.items() if i == inter]))
            for inter in self.rows()
            if inter != NONE
        }
        out += _matrix(
            self.rows(),
            self.cols(),
            lambda r, c: _hours(_mean(per_cell[(r, c)])) if (r, c) in per_cell else "",
            "intermediate",
            ("(train)", train),
        )
        unknown: dict[str, int] = {}
        for p in jobs:
            for why in p.why:
                unknown[why] = unknown.get(why, 0) + 1
        if unknown:
            out += ["", f"cost unknown for {sum(bool(p.why) for p in jobs)} jobs:"]
            out += [f"  {why} ({n} job{'s' if n > 1 else ''})" for why, n in unknown.items()]
        return out

    def plan(self, selection: Selection, budget_s: float) -> list[str]:
        pairs = set(self.pairs())
        asked = [q for q in ANALYSES if q in self.graph.grid.analysis()]
        total = _sum(self.jobs())
        extra = sum(c[:2] in pairs for c in selection.cells) - selection.covered
        out = [
            "",
            f"plan under {budget_s / 3600:,.2f} {self.unit} (integer program, CBC):",
            f"  pairs covered (at least one seed): {selection.covered} of {len(pairs)}",
            f"  analyses complete: {', '.join(selection.questions) or 'none'}"
            + (
                f" (left out: {', '.join(q for q in asked if q not in selection.questions)})"
                if len(selection.questions) < len(asked)
                else ""
            ),
            f"  further seeds: {extra} cells",
            f"  chosen: {len(selection.cells)} cells + {len(selection.intermediates)} intermediate-training jobs "
            f"= {_hours(selection.cost)} {self.unit}",
            f"  left out: {len(self.cells) - len(selection.cells)} cells + "
            f"{len(self.trained) - len(selection.intermediates)} intermediate-training jobs would cost "
            f"{_hours(max(0.0, total - selection.cost))} {self.unit} more ({_hours(total)} for the whole grid"
            + (
                f", with {_hours(self.perturbed())} for the perturbed test sets of the robustness question)"
                if "robustness" in asked and "robustness" not in selection.questions
                else ")"
            ),
            "",
            "seeds chosen per cell:",
        ]
        seeds: dict[tuple[str, str], list[int]] = {}
        for inter, target, seed in selection.cells:
            seeds.setdefault((inter, target), []).append(seed)
        out += _matrix(
            self.rows(),
            self.cols(),
            lambda r, c: ",".join(map(str, sorted(seeds.get((r, c), [])))) or "-",
            "intermediate",
        )
        return out


# -- choosing intermediates before training them (--select) -------------------------------------------------------
SELECT_ESTIMATORS = ("text_similarity", "logme", "train_size")


def estimate_seconds(job: Job, sizer: cost.Sizer, rates: dict, model: str, device: str) -> float:
    """Predicted device-seconds of a selection estimate job (inference only): its sampled examples' tokens, at the
    inference rate of the throughput entry at its max_length. A retrieval target's text job is sized like its test
    set (its English dev sentences are not in the published sizes)."""
    from stiltgrid.tasks import get_task

    settings = job.settings
    key = cost.Key(model, device, cost.resolved_precision("auto", device), settings["max_length"])
    rate = rates.get(key)
    if rate is None or rate.inference is None:
        raise cost.Unknown(f"no throughput entry with infer_tokens_per_s for {key}")
    if job.rule == "selection_logme":
        parts = [(settings["target"], job.inputs["data"])]
    else:
        parts = list(zip(settings["tasks"], job.inputs["data"]))
    tokens = 0.0
    for task, data in parts:
        split = "train" if get_task(task).trainable else f"test.{settings['languages'][0]}"
        lengths = sizer.split(task, f"{data}/{split}.jsonl", settings["max_length"], settings["sample"])
        tokens += lengths.forward_tokens()
    return rate.overhead_s + tokens / rate.inference


def _recorded(job: Job, root: str) -> float | None:
    """The seconds a finished estimate job recorded in its output, or None."""
    import json

    path = Path(root, job.outputs[0])
    try:
        return float(json.loads(path.read_text())["seconds"])
    except (OSError, ValueError, KeyError):
        return None


def estimate_jobs(graph: JobGraph, estimator: str) -> list[Job]:
    """The jobs an estimator needs: the text vectors (text similarity; training-set sizes are read by the same jobs),
    or LogME's per (intermediate, labelled target) and, for the retrieval targets it cannot score, the text jobs."""
    model, grid = graph.model_name, graph.grid
    candidates = graph.selection_candidates()
    text = [graph.selection_text(model, name) for name in candidates + list(grid.targets)]
    if estimator != "logme":
        return text
    logme = [
        graph.selection_logme(model, inter, target, graph.selection_seed())
        for target in grid.trained_targets
        for inter in candidates
    ]
    return logme + (
        [graph.selection_text(model, name) for name in candidates + list(grid.retrieval_targets)]
        if grid.retrieval_targets
        else []
    )


def stale_estimates(graph: JobGraph, estimator: str, root: str = ".") -> int:
    """How many of the estimator's finished jobs are not current: their sealed lineage digest is not the one the grid
    gives them now (a setting, behaviour version or input changed since they ran), or they were never sealed."""
    from stiltgrid.grid.lineage import Lineage, read_manifest

    lineage = Lineage(graph)
    stale = 0
    for job in estimate_jobs(graph, estimator):
        manifest = read_manifest(str(Path(root, job.outputs[0])))
        stale += manifest is None or manifest["record"]["digest"] != lineage.digest(job)
    return stale


def existing_rankings(graph: JobGraph, estimator: str, root: str = ".") -> dict[str, list[str]] | None:
    """Each target's candidates best first, from the estimate files of a previous run; None when one is missing or
    stale (a ranking from estimates of another grid is no ranking of this one). LogME does not score retrieval
    targets: they are ranked by text similarity."""
    from stiltgrid.analysis import selection as S

    estimates = graph.selection_estimates()
    files = list(estimates["text"].values()) + (
        [p for by in estimates["logme"].values() for p in by.values()] if estimator == "logme" else []
    )
    if not all(Path(root, f).exists() for f in files) or stale_estimates(graph, estimator, root):
        return None
    text = {name: str(Path(root, f)) for name, f in estimates["text"].items()}
    logme = {t: {i: str(Path(root, f)) for i, f in by.items()} for t, by in estimates["logme"].items()}
    candidates, targets = graph.selection_candidates(), list(graph.grid.targets)
    table, _ = S.read_estimates(text, logme if estimator == "logme" else {}, candidates, targets)
    out = {}
    for target in targets:
        use = estimator if not (estimator == "logme" and target in graph.grid.retrieval_targets) else "text_similarity"
        out[target] = S.ranking(table, use, target, candidates)
    return out


@dataclass(frozen=True)
class SelectionCost:
    """What training only the top-K intermediates per target costs (seconds), exact or between two bounds."""

    estimators: float
    cells: tuple[float, float]  # (low, high); equal when the ranking is known
    intermediates: tuple[float, float]
    n_cells: int
    n_intermediates: tuple[int, int]
    full: float
    exact: bool

    @property
    def selected(self) -> tuple[float, float]:
        return (
            self.estimators + self.cells[0] + self.intermediates[0],
            self.estimators + self.cells[1] + self.intermediates[1],
        )

    @property
    def saving(self) -> tuple[float, float]:
        """(least, most) saved against the full grid."""
        return self.full - self.selected[1], self.full - self.selected[0]


def selection_cost(
    report: Report, k: int, estimator: str, estimators_s: float, rankings: dict[str, list[str]] | None
) -> SelectionCost:
    """The top ``k`` intermediates per target: its cells and the intermediate trainings they need, with the
    estimator's jobs. LogME reads every intermediate checkpoint, so its selection trains them all. Without a
    ranking the cells and trainings are bounded: from the k cheapest candidates of every target, all sharing the k
    cheapest trainings (low), to the k dearest of each target, their trainings spread over as many intermediates as
    k x targets can reach (high)."""
    grid = report.graph.grid
    candidates = report.graph.selection_candidates()
    targets = list(grid.targets)
    cell_s = {
        (i, t): sum(p.seconds for (ci, ct, _), p in report.cells.items() if (ci, ct) == (i, t))
        for i in candidates
        for t in targets
    }
    train_s = {i: sum(p.seconds for (ti, _), p in report.trained.items() if ti == i) for i in candidates}
    n_cells = sum(
        len(grid.cell_seeds(i, t)) for t in targets for i in (rankings[t][:k] if rankings else candidates[:k])
    )
    if rankings is not None:
        chosen = [(i, t) for t in targets for i in rankings[t][:k]]
        needed = set(candidates) if estimator == "logme" else {i for i, _ in chosen}
        cells = sum(cell_s[c] for c in chosen)
        inter = sum(train_s[i] for i in needed)
        return SelectionCost(
            estimators_s, (cells, cells), (inter, inter), n_cells, (len(needed), len(needed)), _sum(report.jobs()), True
        )
    low = sum(sum(sorted(cell_s[(i, t)] for i in candidates)[:k]) for t in targets)
    high = sum(sum(sorted((cell_s[(i, t)] for i in candidates), reverse=True)[:k]) for t in targets)
    reach = len(candidates) if estimator == "logme" else min(len(candidates), k * len(targets))
    least = len(candidates) if estimator == "logme" else min(k, len(candidates))
    ordered = sorted(train_s.values())
    return SelectionCost(
        estimators_s,
        (low, high),
        (sum(ordered[:least]), sum(ordered[::-1][:reach])),
        n_cells,
        (least, reach),
        _sum(report.jobs()),
        False,
    )


def selection_lines(
    report: Report, k: int, estimator: str, sizer: cost.Sizer, rates: dict, model: str, device: str, root: str = "."
) -> list[str]:
    graph, unit = report.graph, report.unit
    candidates, targets = graph.selection_candidates(), list(graph.grid.targets)
    jobs = estimate_jobs(graph, estimator)
    measured = [_recorded(job, root) for job in jobs]
    # a previous run's jobs recorded their own seconds; the others are predicted
    est = sum(
        m if m is not None else estimate_seconds(job, sizer, rates, model, device) for job, m in zip(jobs, measured)
    )
    how = (
        "as the jobs recorded them"
        if all(m is not None for m in measured)
        else f"inference on {graph.selection_settings()['sample']} sampled examples each, at max_length"
    )
    rankings = existing_rankings(graph, estimator, root)
    sel = selection_cost(report, k, estimator, est, rankings)
    seeds = len(graph.grid.seeds)

    def span(pair) -> str:
        same = _hours(pair[0]) == _hours(pair[1])
        return _hours(pair[0]) if same else f"between {_hours(pair[0])} and {_hours(pair[1])}"

    def share(pair) -> str:
        low, high = f"{pair[0] / sel.full:.0%}", f"{pair[1] / sel.full:.0%}"
        return low if low == high else f"{low} to {high}"

    out = [
        "",
        f"selection: the top {k} of {len(candidates)} intermediates per target by {estimator} "
        f"(docs/selection.md), against the whole grid:",
        f"  estimator jobs: {len(jobs)} ({', '.join(sorted({j.rule for j in jobs}))}) = {_hours(est)} {unit}, "
        f"{est:,.0f} s ({how})",
    ]
    if rankings is not None:
        where = Path(SELECTION_TEXT.format(model=graph.model_name, name="x")).parent.parent
        out.append(f"  ranking: from the estimates of a previous run ({where}/); the chosen intermediates per target:")
        out += [f"    {t}: {', '.join(rankings[t][:k])}" for t in targets]
    else:
        stale = stale_estimates(graph, estimator, root) if all(m is not None for m in measured) else 0
        why_none = (
            f"the estimates of a previous run are stale ({stale} of {len(jobs)} jobs; `stiltgrid why` says why, "
            "`snakemake` reruns them)"
            if stale
            else "no estimates yet (they are jobs of a run with `analysis: selection`)"
        )
        out.append(
            f"  ranking: {why_none}: the cells and trainings are priced between bounds (the k cheapest / dearest "
            "candidates of every target)"
        )
    inter_n = (
        f"{sel.n_intermediates[0]}"
        if sel.exact or sel.n_intermediates[0] == sel.n_intermediates[1]
        else f"{sel.n_intermediates[0]} to {sel.n_intermediates[1]}"
    )
    why = " (LogME reads every intermediate checkpoint)" if estimator == "logme" else ""
    out += [
        f"  cells: {k} per target x {len(targets)} targets x {seeds} seed(s) = {sel.n_cells} cells: "
        f"{span(sel.cells)} {unit} (the baseline `none` cells not included)",
        f"  intermediate trainings: {inter_n} intermediate(s) x {seeds} seed(s){why}: {span(sel.intermediates)} {unit}",
        f"  selected: {span(sel.selected)} {unit}, estimator jobs included",
        f"  whole grid: {_hours(sel.full)} {unit} ({len(report.cells)} cells, {len(report.trained)} "
        f"intermediate trainings)",
        f"  saving: {span(sel.saving)} {unit} ({share(sel.saving)} of the grid)"
        + ("" if sel.exact else "; bounds: the real saving needs the estimates"),
    ]
    return out


def _sum(priced: list[Priced]) -> float | None:
    return None if any(p.seconds is None for p in priced) else sum(p.seconds for p in priced)


def problem_of(report: Report) -> Problem:
    grid = report.graph.grid
    cells = {c: p.base for c, p in report.cells.items()}
    trained = {k: p.seconds for k, p in report.trained.items()}
    analyses = {
        q: (
            tuple((i, t, s) for i, t in grid.analysis_cells(q) for s in grid.seeds),
            report.perturbed() if q == "robustness" else 0.0,
        )
        for q in ANALYSES
        if q in grid.analysis()
    }
    return Problem(cells, trained, report.pairs(), analyses)


def overlay(grid, selection: Selection) -> dict:
    """The config overlay that runs exactly the selection: the preset's ``cells``, and its left-out questions null."""
    spec: dict = {"cells": [[inter, target, int(seed)] for inter, target, seed in selection.cells]}
    dropped = [q for q in ANALYSES if q in grid.analysis() and q not in selection.questions]
    if dropped:
        spec["analysis"] = {q: None for q in dropped}
    return {"preset": grid.preset, "presets": {grid.preset: spec}}


def write_overlay(path: str | Path, grid, selection: Selection, summary: str) -> None:
    text = yaml.safe_dump(overlay(grid, selection), default_flow_style=None, sort_keys=False, width=120)
    Path(path).write_text(
        f"# {summary}\n# snakemake --configfile {Path(path).name} runs exactly these cells and the "
        f"jobs they need.\n{text}"
    )


def actual(report: Report, root: str = ".") -> list[str]:
    """Predicted against measured seconds per rule, over the jobs with a benchmark."""
    rules: dict[str, list[tuple[float, float]]] = {}
    for p in report.jobs():
        record = cost.read_record(p.job, root)
        if record is not None and p.seconds is not None:
            rules.setdefault(p.job.rule, []).append((p.seconds, record.seconds))
    if not rules:
        return ["", "actual: no finished job of this grid has a benchmark yet (benchmarks/)"]
    out = [
        "",
        "predicted vs measured seconds per rule (jobs with a benchmark):",
        f"  {'rule':<22}{'jobs':>6}{'predicted s':>14}{'measured s':>14}{'error':>9}",
    ]
    errors = []
    for rule, pairs in rules.items():
        predicted, measured = sum(p for p, _ in pairs), sum(m for _, m in pairs)
        error = round((predicted - measured) / measured, 4) + 0.0  # + 0.0: no "-0.0%"
        errors.append(abs(error))
        out.append(f"  {rule:<22}{len(pairs):>6}{predicted:>14,.1f}{measured:>14,.1f}{error:>+9.1%}")
    out.append(f"  median |error| over {len(errors)} rules: {statistics.median(errors):.1%}")
    return out


def _other_tuning(job: Job) -> Job:
    """The intermediate job trained the other way: full for LoRA, LoRA with its defaults for full."""
    from dataclasses import replace

    settings = {k: v for k, v in job.settings.items() if k != "tuning"}
    if job.settings.get("tuning") is None:
        settings["tuning"] = lora.resolve([("", lora.LORA)])
    return replace(job, settings=settings)


def _checkpoint(job: Job, arch: dict) -> dict:
    from stiltgrid.tasks import get_task

    heads = [(get_task(t).format, len(get_task(t).labels or ())) for t in job.settings["tasks"]]
    return lora.sizes(arch, job.settings.get("tuning"), heads)


def tuning_lines(report: Report, sizer: cost.Sizer, rates: dict, model: str, device: str) -> list[str]:
    """Disk, training memory and hours of the intermediate phase as configured and with the other tuning."""
    graph, jobs = report.graph, list(report.trained.values())
    if not jobs:
        return []
    arch = lora.architecture(graph.grid.model, graph.model_dir())
    others = [price(_other_tuning(p.job), sizer, rates, model, device) for p in jobs]
    out = [
        "",
        "intermediate phase as configured and trained the other way (stiltgrid.engine.lora; fp32 weights; "
        "training state = weights, gradients and AdamW moments, activations aside):",
        f"  {'':<52}{'checkpoints':>12}{'on disk':>11}{'train state':>13}{report.unit:>14}",
    ]
    for label, priced in (("as configured", jobs), ("other", others)):
        tunings = {lora.describe(p.job.settings.get("tuning")) for p in priced}
        name = (label if label == "as configured" else "with") + ": " + "; ".join(sorted(tunings))
        if arch is None:
            disk = state = "?"
        else:
            sizes = [_checkpoint(p.job, arch) for p in priced]
            disk = lora.human_bytes(sum(s["checkpoint_bytes"] for s in sizes))
            # per job: 4 bytes per weight, 12 more (gradient, two moments) per trained one
            state = lora.human_bytes(max(4 * s["parameters"] + 12 * s["trainable_parameters"] for s in sizes))
        out.append(f"  {name[:52]:<52}{len(priced):>12}{disk:>11}{state:>13}{_hours(_sum(priced)):>14}")
    if arch is None:
        out.append(f"  (sizes unknown: no architecture for model {graph.grid.model_name} until it is fetched)")
    return out


# -- command line --------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="stiltgrid plan",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--throughput",
        action="append",
        default=[],
        metavar="FILE",
        help="a throughput table (docs/throughput.example.yaml); repeatable",
    )
    parser.add_argument(
        "--calibrate",
        action="append",
        default=[],
        metavar="PRESET",
        help="fit throughput entries to the finished jobs of PRESET here (benchmarks/, train "
        "summaries); they take precedence over --throughput; repeatable",
    )
    parser.add_argument(
        "--device",
        help="the device to plan for, as jobs record it, e.g. 'cuda (NVIDIA H100 80GB "
        "HBM3)' (default: the one device of the throughput entries)",
    )
    parser.add_argument("--gpu-hours", type=float, metavar="B", help="choose the cells to run within B hours")
    parser.add_argument("--write", metavar="FILE", help="with --gpu-hours: write the chosen cells as a config overlay")
    parser.add_argument("--actual", action="store_true", help="compare predicted and measured seconds per rule")
    parser.add_argument(
        "--select",
        type=int,
        metavar="K",
        help="price training only the top K intermediates per target by an estimator (docs/selection.md)",
    )
    parser.add_argument(
        "--estimator",
        choices=SELECT_ESTIMATORS,
        default="text_similarity",
        help="with --select: the estimator that ranks the intermediates (default: text_similarity)",
    )
    args = parser.parse_args(argv)
    if args.write and args.gpu_hours is None:
        parser.error("--write needs --gpu-hours")
    try:
        config = config_from_arguments(args)
        graph = JobGraph(config, load_grid(config))
        rates: dict[cost.Key, cost.Rate] = {}
        for path in args.throughput:
            rates.update((r.key, r) for r in cost.load_throughput(path, config["models"]))
        for preset in args.calibrate:
            fitted, note = calibrate_on(config, preset)
            print(f"calibration: {note}")
            rates.update((r.key, r) for r in fitted)
    except (ConfigError, ValueError, OSError) as err:
        print(f"stiltgrid plan: {err}", file=sys.stderr)
        return 1
    model = cost.model_key(graph.grid.model)
    devices = sorted({key.device for key in rates if key.model == model})
    device = args.device or (devices[0] if len(devices) == 1 else None)
    cell_jobs, trained_jobs = gpu_jobs(graph)
    if device is None:
        lengths = sorted(
            {cost.job_key(job, model, "?").max_length for job in [*cell_jobs.values(), *trained_jobs.values()]}
        )
        print(
            f"stiltgrid plan: {'several devices' if devices else 'no throughput entries'} for model {model}"
            f"{': ' + ', '.join(devices) + ' (pick one with --device)' if devices else ''}; the grid needs "
            f"entries at max_length {', '.join(map(str, lengths))} (--throughput FILE or --calibrate PRESET)",
            file=sys.stderr,
        )
        return 1
    sizer = cost.Sizer(graph)
    report = Report(
        graph,
        {c: price(j, sizer, rates, model, device) for c, j in cell_jobs.items()},
        {k: price(j, sizer, rates, model, device) for k, j in trained_jobs.items()},
        device,
    )
    print("\n".join(report.costs(rates)))
    print("\n".join(tuning_lines(report, sizer, rates, model, device)))
    if args.actual:
        print("\n".join(actual(report)))
    if args.select is not None:
        if args.select < 1:
            parser.error("--select K needs K >= 1")
        if len(graph.selection_candidates()) < 2 or any(p.seconds is None for p in report.jobs()):
            print(
                "\nstiltgrid plan: --select needs at least two intermediates besides none and every cost known (above)",
                file=sys.stderr,
            )
            return 1
        try:
            print("\n".join(selection_lines(report, args.select, args.estimator, sizer, rates, model, device)))
        except cost.Unknown as err:
            print(f"\nstiltgrid plan: --select: {err}", file=sys.stderr)
            return 1
    if args.gpu_hours is None:
        return 0
    if any(p.seconds is None for p in report.jobs()):
        print("\nstiltgrid plan: cannot plan while some costs are unknown (above)", file=sys.stderr)
        return 1
    selection = select(problem_of(report), args.gpu_hours * 3600)
    print("\n".join(report.plan(selection, args.gpu_hours * 3600)))
    if args.write:
        if not selection.cells:
            print(f"stiltgrid plan: no cell fits in {args.gpu_hours} hours; nothing written", file=sys.stderr)
            return 1
        summary = (
            f"stiltgrid plan: preset {graph.grid.preset} within {args.gpu_hours:g} {report.unit}: "
            f"{len(selection.cells)} of {len(report.cells)} cells, {_hours(selection.cost)} predicted "
            f"{report.unit}"
        )
        write_overlay(args.write, graph.grid, selection, summary)
        print(f"\nwrote {args.write}: snakemake --configfile {args.write} runs the chosen cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())

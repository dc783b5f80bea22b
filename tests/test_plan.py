"""Planning a grid under a GPU budget: the preset `cells` key, the cost model, calibration from finished jobs, the
integer program and the config overlay it writes (stiltgrid.plan.planner, stiltgrid.plan.cost)."""

import itertools
import json
import math
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import toy
import yaml
from repo import ROOT, ccgbank, copy_workflow, planned_jobs, run_snakemake

from stiltgrid.core.paths import CELL_TRAIN_SUMMARY
from stiltgrid.formats import write_jsonl
from stiltgrid.grid.args import load_config
from stiltgrid.grid.config import ConfigError, load_grid
from stiltgrid.grid.dag import JobGraph
from stiltgrid.plan import cost
from stiltgrid.plan import planner as plan
from stiltgrid.tasks import get_task


def run_plan(workdir: Path, *args, module: str = "stiltgrid.plan.planner", code: int = 0) -> str:
    """`python -m stiltgrid.plan.planner ARGS` in ``workdir`` with this checkout's package; its stdout and stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow")}
    proc = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)], cwd=workdir, env=env, capture_output=True, text=True
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def preset_config(preset: str = "ci", **changes) -> dict:
    config = load_config(str(ROOT), [], [f"preset={preset}"])
    config["presets"][preset].update(changes)
    return config


# -- the preset `cells` key and dropped questions -----------------------------------------------------------------
def test_cells_restrict_the_grid_to_the_listed_cells():
    config = preset_config(cells=[["mnli", "xnli", 1], ["none", "tatoeba", 1]])
    graph = JobGraph(config, load_grid(config))
    assert graph.grid_cells() == [("none", "tatoeba"), ("mnli", "xnli")]
    assert graph.aggregate.inputs["cells"] == [
        "results/tiny-ci/eval/none/tatoeba/seed1",
        "results/tiny-ci/eval/mnli/xnli/seed1",
    ]
    # tatoeba pairs its 4 non-English languages with English; xnli is scored in all 5
    assert len(graph.aggregate.settings["metrics"]) == 4 + 5


def test_without_cells_every_cell_runs():
    config = preset_config(seeds=[1, 2])
    grid = load_grid(config)
    assert grid.cells is None and grid.cell_seeds("squad", "udpos") == (1, 2)
    assert len(JobGraph(config, grid).aggregate.inputs["cells"]) == 3 * 4 * 2


@pytest.mark.parametrize(
    "cell, message",
    [
        (["qqp", "xnli", 1], "cells: [qqp, xnli, 1]: 'qqp' is not an intermediate of the grid"),
        (["mnli", "pawsx", 1], "cells: [mnli, pawsx, 1]: 'pawsx' is not a target of the grid"),
        (["mnli", "xnli", 2], "cells: [mnli, xnli, 2]: seed 2 is not one of the grid's seeds"),
        (["mnli", "xnli"], "presets.ci.cells.0: ['mnli', 'xnli'] is too short"),
    ],
)
def test_cells_outside_the_grid_are_config_errors(cell, message):
    with pytest.raises(ConfigError) as err:
        load_grid(preset_config(cells=[cell]))
    assert message in str(err.value)


def only_volume(volume):
    """ci's analyses: demo's (which it inherits) each dropped with null, and the volume question."""
    return {
        "families": None,
        "low_resource": None,
        "xtreme_mix": None,
        "robustness": None,
        "selection": None,
        "volume": volume,
    }


def test_a_question_needs_every_seed_of_its_cells_unless_it_is_dropped():
    cells = [[i, t, 1] for i in ("none", "mnli", "squad") for t in ("xnli", "udpos", "xquad", "tatoeba")]
    with pytest.raises(ConfigError) as err:
        load_grid(preset_config(seeds=[1, 2], cells=cells, analysis=only_volume({})))
    assert str(err.value) == (
        "preset 'ci': cells: the 'volume' analysis needs cell [none, xnli, 2] (list it, or drop "
        "the question with `analysis: {volume: null}`)"
    )
    config = preset_config(seeds=[1, 2], cells=cells, analysis=only_volume(None))
    grid = load_grid(config)
    assert "volume" not in grid.analysis() and grid.analysis_cells() == []
    assert grid.cell_seeds("mnli", "xnli") == (1,)
    assert len(JobGraph(config, grid).aggregate.inputs["cells"]) == 12


# -- sizes: measured, published, or unknown ------------------------------------------------------------------------
def test_a_random_batch_pads_to_its_longest_feature():
    lengths = cost.Lengths(examples=2, lengths=(10, 20))
    assert lengths.mean() == 15 and lengths.padded(1) == 15
    assert lengths.padded(2) == 17.5  # both draws 10 with probability 1/4
    assert cost.Lengths(3, (5, 5, 9)).padded(3) == pytest.approx(5 * (2 / 3) ** 3 + 9 * (1 - (2 / 3) ** 3))


def _pairs(n: int, seed: int) -> list[dict]:
    a, b = toy.sentiment(n, seed), toy.sentiment(n, seed + 100)
    return [
        {"id": f"p{seed}-{i}", "text_a": x["text"], "text_b": y["text"], "label": "entailment"}
        for i, (x, y) in enumerate(zip(a, b))
    ]


def test_fetched_data_is_measured_with_the_model_tokenizer(tmp_path, monkeypatch):
    from stiltgrid.engine.features import feature_length, featurize
    from stiltgrid.engine.mlm import train_tokenizer

    monkeypatch.chdir(tmp_path)
    config = preset_config()
    graph = JobGraph(config, load_grid(config))
    tokenizer = train_tokenizer([str(toy.corpus(tmp_path / "corpus.txt"))], 120, graph.model_dir())
    xnli, tatoeba = Path("resources/data/world-ci/tasks/xnli"), Path("resources/data/world-ci/tasks/tatoeba")
    train, dev = _pairs(50, 1), _pairs(150, 2)
    tests = {lang: _pairs(10 + n, 3 + n) for n, lang in enumerate(graph.grid.languages("xnli"))}
    write_jsonl(xnli / "train.jsonl", train)
    write_jsonl(xnli / "dev.jsonl", dev)
    for lang, rows in tests.items():
        write_jsonl(xnli / f"test.{lang}.jsonl", rows)
    sentences = {
        lang: [
            {"id": f"{lang}{i}", "side": side, "text": row["text"], "gold": None}
            for i, row in enumerate(toy.sentiment(8, n))
            for side in ("src", "tgt")
        ]
        for n, lang in enumerate(graph.grid.languages("tatoeba"))
    }
    for lang, rows in sentences.items():
        write_jsonl(tatoeba / f"test.{lang}.jsonl", rows)

    def lengths(rows):  # ci's target training: max_length 96
        return [feature_length(f) for f in featurize("pair_classification", rows, tokenizer, 96, [])]

    sizer = cost.Sizer(graph)
    done = cost.work(graph.cell("tiny-ci", "none", "xnli", 1), sizer)
    # ci trains targets 2 epochs in random batches of 32 (50 examples: 2 batches an epoch), evaluates the first
    # eval_subset = 100 dev examples, and scores every language's test set
    assert done.train_tokens == pytest.approx(50 * 2 * cost.Lengths(50, tuple(lengths(train))).padded(32))
    assert done.steps == 4 and done.evaluations() == 1
    assert done.eval_tokens == pytest.approx(sum(lengths(dev[:100])))
    assert done.test_tokens == pytest.approx(sum(sum(lengths(rows)) for rows in tests.values()))
    assert not done.published
    retrieval = cost.work(graph.cell("tiny-ci", "none", "tatoeba", 1), sizer)
    assert retrieval.test_tokens == sum(
        len(ids)
        for rows in sentences.values()
        for ids in tokenizer([r["text"] for r in rows], truncation=True, max_length=64)["input_ids"]
    )


def test_unfetched_hub_data_is_sized_from_the_published_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing fetched here
    config = preset_config("paper")
    graph = JobGraph(config, load_grid(config))
    sizer, model = cost.Sizer(graph), "xlm-roberta-large"
    # paper: intermediates 3 epochs, batch 4 x grad_accum 8, max_length 256, dev subset 500 every 1000 steps
    mnli = cost.work(graph.intermediate(model, "mnli", 1), sizer)
    assert mnli.train_tokens == 392_702 * 3 * 256
    assert mnli.steps == math.ceil(math.ceil(392_702 / 4) * 3 / 8)
    assert mnli.eval_tokens == 500 * 256 and mnli.evaluations() == math.ceil(mnli.steps / 1000)
    assert mnli.test_tokens == 0 and mnli.published
    hellaswag = cost.work(graph.intermediate(model, "hellaswag", 1), sizer)
    assert hellaswag.train_tokens == 39_905 * 4 * 3 * 256  # one sequence per answer
    xnli = cost.work(graph.cell(model, "mnli", "xnli", 1), sizer)
    assert xnli.train_tokens == 392_702 * 2 * 256
    assert xnli.test_tokens == 15 * 5_010 * 256
    assert xnli.perturb_tokens == 2 * xnli.test_tokens  # the robustness question's char_noise and word_shuffle
    tatoeba = cost.work(graph.cell(model, "none", "tatoeba", 1), sizer)
    assert tatoeba.test_tokens == len(graph.grid.languages("tatoeba")) * 2 * 1_000 * 512
    assert get_task("mnli").published.train == 392_702


def test_unfetched_world_data_is_unknown_not_guessed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = preset_config()
    graph = JobGraph(config, load_grid(config))
    with pytest.raises(cost.Unknown) as err:
        cost.work(graph.cell("tiny-ci", "none", "xnli", 1), cost.Sizer(graph))
    assert str(err.value) == (
        "size of xnli train: resources/data/world-ci/tasks/xnli/train.jsonl is not there yet "
        "(its data job writes it) (published sizes cover hub data only)"
    )


# -- calibration from finished jobs --------------------------------------------------------------------------------
BENCHMARK_HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def write_benchmark(root: Path, job, seconds: float) -> None:
    path = root / cost.benchmark_path(cost.job_log(job))
    path.parent.mkdir(parents=True, exist_ok=True)
    # two repeats around the planted value: the reader takes their mean
    rows = "".join(
        f"{s:.4f}\t0:00:01\t812.5\t2000.1\t700.0\t710.2\t0.01\t2.50\t95.1\t{s:.2f}\n"
        for s in (seconds - 0.5, seconds + 0.5)
    )
    path.write_text(BENCHMARK_HEADER + rows)


def write_finished(
    root: Path, job, done: cost.Work, device: str, train: float, infer: float, overhead: float, steps: int | None = None
) -> float:
    """A finished job's benchmark and records, with seconds as the planted rates make them; returns its seconds."""
    out = root / job.outputs[0]
    out.mkdir(parents=True, exist_ok=True)
    provenance = {"device": device, "precision": "bf16", "torch": "2.13.0", "transformers": "5.23.0"}
    if cost.phase_of(job) == "retrieval":
        seconds = overhead + done.test_tokens / infer
        lang = job.settings["languages"][0]
        (out / f"{lang}.metrics.json").write_text(json.dumps({"metrics": {"accuracy": 50.0}, "provenance": provenance}))
    else:
        steps = done.steps if steps is None else steps
        loop = done.train_tokens * steps / done.steps / train + done.evaluations(steps) * done.eval_tokens / infer
        seconds = loop + overhead + (done.test_tokens + done.perturb_tokens) / infer
        (out / CELL_TRAIN_SUMMARY).write_text(
            json.dumps(
                {
                    "steps": steps,
                    "total_steps": done.steps,
                    "best_dev": 50.0,
                    "stopped_early": steps < done.steps,
                    "seconds": loop,
                    "history": [],
                    "provenance": provenance,
                }
            )
        )
    write_benchmark(root, job, seconds)
    return seconds


def test_a_benchmark_lives_at_its_log_path_under_benchmarks():
    config = preset_config()
    graph = JobGraph(config, load_grid(config))
    log = cost.job_log(graph.cell("tiny-ci", "mnli", "xnli", 1))
    assert log == "logs/tiny-ci/target/mnli/xnli/seed1.log"
    assert cost.benchmark_path(log) == "benchmarks/tiny-ci/target/mnli/xnli/seed1.tsv"
    assert cost.job_log(graph.intermediate("tiny-ci", "squad", 1)) == "logs/tiny-ci/intermediate/squad/seed1.log"
    assert cost.job_log(graph.cell("tiny-ci", "none", "tatoeba", 1)) == "logs/tiny-ci/evaluate/none/tatoeba/seed1.log"


def test_calibration_recovers_planted_throughput_from_benchmarks_and_summaries(tmp_path):
    config = preset_config()
    graph = JobGraph(config, load_grid(config))
    device, m = "cuda (NVIDIA H100 80GB HBM3)", "tiny-ci"
    planted = [  # (job, its work); ci trains at max_length 96 and retrieves at 64
        (graph.intermediate(m, "mnli", 1), cost.Work(train_tokens=4e5, steps=100, eval_every=60, eval_tokens=2e3)),
        (graph.cell(m, "none", "xnli", 1), cost.Work(6e5, 200, 60, 3e3, test_tokens=5e4)),
        (graph.cell(m, "mnli", "udpos", 1), cost.Work(3e5, 150, 60, 1e3, test_tokens=8e4)),
        (graph.cell(m, "squad", "xquad", 1), cost.Work(9e5, 300, 60, 4e3, test_tokens=2e4)),
        (graph.cell(m, "none", "tatoeba", 1), cost.Work(test_tokens=1e5)),
        (graph.cell(m, "mnli", "tatoeba", 1), cost.Work(test_tokens=2.5e5)),
    ]
    measured = []
    for job, done in planted:
        if cost.phase_of(job) == "retrieval":
            seconds = write_finished(tmp_path, job, done, device, 0, 5_000.0, 2.5)
        else:  # udpos stopped early, after 120 of its 150 steps
            steps = 120 if job.rule == "train_udpos" else None
            seconds = write_finished(tmp_path, job, done, device, 2_000.0, 8_000.0, 4.0, steps)
        record = cost.read_record(job, tmp_path)
        assert record.seconds == pytest.approx(seconds) and record.device == device
        measured.append((record, done))
    assert cost.read_record(graph.cell(m, "squad", "udpos", 1), tmp_path) is None  # not run: no benchmark

    rates = {r.key.max_length: r for r in cost.calibrate(measured, cost.model_key(graph.grid.model), "ci")}
    assert rates[96].key == cost.Key(cost.model_key(graph.grid.model), device, "bf16", 96)
    assert rates[96].train == pytest.approx(2_000.0) and rates[96].inference == pytest.approx(8_000.0)
    assert rates[96].overhead_s == pytest.approx(4.0)
    assert rates[64].train is None and rates[64].inference == pytest.approx(5_000.0)
    assert rates[64].overhead_s == pytest.approx(2.5)
    assert rates[96].source == "ci: 4 finished jobs"


def test_calibrate_then_compare_predicted_and_measured_per_rule(tmp_path, monkeypatch):
    """End to end through the command: finished jobs of a small paper-like preset (sized from the published table),
    calibrated, predicted again, compared with their benchmarks."""
    work = copy_workflow(tmp_path / "wf")
    small = {
        "presets": {
            "paper-small": {
                "inherit": "paper",
                "intermediate": ["none", "mnli"],
                "targets": ["xnli", "tatoeba"],
                "languages": ["en", "de", "fr"],
                "seeds": [1],
                "analysis": None,
            }
        }
    }
    (work / "small.yaml").write_text(yaml.safe_dump(small))
    monkeypatch.chdir(work)
    config = load_config(".", ["small.yaml"], ["preset=paper-small"])
    graph = JobGraph(config, load_grid(config))
    sizer, device = cost.Sizer(graph), "cuda (NVIDIA A100-SXM4-80GB)"
    cells, trained = plan.gpu_jobs(graph)
    for job in [*trained.values(), *cells.values()]:
        rates = (0, 30_000.0, 9.0) if cost.phase_of(job) == "retrieval" else (12_000.0, 40_000.0, 20.0)
        write_finished(work, job, cost.work(job, sizer), device, *rates)
    out = run_plan(
        work, "--configfile", "small.yaml", "--preset", "paper-small", "--calibrate", "paper-small", "--actual"
    )
    assert "calibration: preset paper-small: 5 finished jobs read" in out
    assert (
        "(model FacebookAI/xlm-roberta-large, device cuda (NVIDIA A100-SXM4-80GB), precision bf16, max_length "
        "256): train 12,000 tok/s, inference 40,000 tok/s, overhead 20.0 s [calibrated on preset paper-small: 3 "
        "finished jobs]"
    ) in out
    actual = out[out.index("predicted vs measured") :].splitlines()
    assert [line.split()[0] for line in actual[2:5]] == ["train_intermediate", "train_xnli", "evaluate_tatoeba"]
    assert all(line.split()[-1] == "+0.0%" for line in actual[2:5])
    assert actual[5].strip() == "median |error| over 3 rules: 0.0%"


# -- the integer program -------------------------------------------------------------------------------------------
def greedy(problem: plan.Problem, budget: float) -> list:
    """The obvious heuristic: take the uncovered pair's cell of least marginal cost (its intermediate job included
    when not yet paid for) while one fits."""
    chosen, paid, spent = [], set(), 0.0
    while True:
        covered = {c[:2] for c in chosen}
        options = [
            (problem.cells[c] + (problem.intermediates.get((c[0], c[2]), 0.0) if (c[0], c[2]) not in paid else 0.0), c)
            for c in problem.cells
            if c[:2] not in covered
        ]
        options = [(extra, c) for extra, c in options if spent + extra <= budget]
        if not options:
            return chosen
        extra, c = min(options)
        chosen.append(c)
        spent += extra
        paid.add((c[0], c[2]))


def test_the_integer_program_beats_greedy_on_planted_costs():
    # Three targets after intermediate x (its job 6, each cell 1) or after none (each cell 3.5), budget 10. Greedy
    # takes the cheapest next cell, two baseline cells (7), and then nothing fits; paying x's job once covers three.
    cells = {("x", t, 1): 1.0 for t in ("t1", "t2", "t3")} | {("none", t, 1): 3.5 for t in ("t1", "t2", "t3")}
    problem = plan.Problem(cells, {("x", 1): 6.0}, tuple(c[:2] for c in cells))
    chosen = plan.select(problem, 10.0)
    assert set(chosen.cells) == {("x", "t1", 1), ("x", "t2", 1), ("x", "t3", 1)}
    assert chosen.intermediates == (("x", 1),) and chosen.cost == 9.0 and chosen.covered == 3
    assert sorted(greedy(problem, 10.0)) == [("none", "t1", 1), ("none", "t2", 1)]


def random_problem(rng: random.Random, inters, targets, seeds) -> plan.Problem:
    cells = {(i, t, s): round(rng.uniform(0.1, 2.0), 2) for i in inters for t in targets for s in seeds}
    trained = {(i, s): round(rng.uniform(0.5, 4.0), 2) for i in inters if i != "none" for s in seeds}
    return plan.Problem(cells, trained, tuple((i, t) for i in inters for t in targets))


def test_a_chosen_cell_always_has_its_intermediate_job_and_the_budget_holds():
    rng = random.Random(0)
    for _ in range(6):
        problem = random_problem(rng, ("none", "a", "b", "c"), ("t1", "t2", "t3"), (1, 2, 3))
        budget = rng.uniform(2.0, 40.0)
        chosen = plan.select(problem, budget)
        assert chosen.cells
        for inter, _, seed in chosen.cells:
            assert inter == "none" or (inter, seed) in chosen.intermediates
        assert set(chosen.intermediates) == {(i, s) for i, _, s in chosen.cells if i != "none"}
        paid = sum(problem.cells[c] for c in chosen.cells) + sum(problem.intermediates[k] for k in chosen.intermediates)
        assert chosen.cost == pytest.approx(paid) and chosen.cost <= budget + 1e-6


def test_coverage_then_seeds_then_least_cost_as_exhaustive_search_finds():
    rng = random.Random(1)
    for _ in range(5):
        problem = random_problem(rng, ("none", "a"), ("t1", "t2"), (1, 2))
        budget = rng.uniform(1.0, 10.0)
        best = None
        for n in range(len(problem.cells) + 1):
            for subset in itertools.combinations(problem.cells, n):
                spent = sum(problem.cells[c] for c in subset) + sum(
                    problem.intermediates[k] for k in {(i, s) for i, _, s in subset if i != "none"}
                )
                if spent <= budget:
                    score = (len({c[:2] for c in subset}), len(subset), -spent)
                    best = max(best or score, score)
        chosen = plan.select(problem, budget)
        assert (chosen.covered, len(chosen.cells)) == best[:2]
        assert chosen.cost == pytest.approx(-best[2])


def test_coverage_comes_before_analyses_and_analyses_before_further_seeds():
    cells = {("a", "t1", 1): 1.0, ("a", "t1", 2): 1.1, ("a", "t2", 1): 0.4, ("a", "t2", 2): 0.45, ("a", "t2", 3): 0.5}
    pairs = (("a", "t1"), ("a", "t2"))
    question = {"q": ((("a", "t1", 1), ("a", "t1", 2)), 0.0)}
    # 2.5: both pairs (1.4), then the question's second t1 seed (1.1) rather than two more t2 seeds (0.95)
    chosen = plan.select(plan.Problem(cells, {}, pairs, question), 2.5)
    assert set(chosen.cells) == {("a", "t1", 1), ("a", "t1", 2), ("a", "t2", 1)} and chosen.questions == ("q",)
    # the question costing 0.5 of its own no longer fits: the rest buys further seeds, as many as fit
    costly = {"q": (question["q"][0], 0.5)}
    chosen = plan.select(plan.Problem(cells, {}, pairs, costly), 2.5)
    assert set(chosen.cells) == {("a", "t1", 1), ("a", "t2", 1), ("a", "t2", 2), ("a", "t2", 3)}
    assert chosen.questions == () and chosen.cost == pytest.approx(2.35)
    # 1.3 cannot cover both pairs (1.4): one pair, then seeds (two t2 cells beat one t1 cell)
    chosen = plan.select(plan.Problem(cells, {}, pairs, question), 1.3)
    assert set(chosen.cells) == {("a", "t2", 1), ("a", "t2", 2)} and chosen.covered == 1
    # a cell only an analysis compares runs for that analysis, never on its own
    extra = {**cells, ("v", "t1", 1): 0.01}
    assert ("v", "t1", 1) not in plan.select(plan.Problem(extra, {}, pairs), 10.0).cells
    asked = {"q": ((("v", "t1", 1),), 0.0)}
    assert ("v", "t1", 1) in plan.select(plan.Problem(extra, {}, pairs, asked), 10.0).cells
    # equal cells: the first seed
    assert plan.select(plan.Problem({("a", "t1", 2): 1.0, ("a", "t1", 1): 1.0}, {}, pairs[:1]), 1.0).cells == (
        ("a", "t1", 1),
    )


# -- the command and the overlay it writes -------------------------------------------------------------------------
def dry_run_jobs(workdir: Path, *args) -> list[tuple[str, str | None, str | None]]:
    """(rule, first output, log) of every job `snakemake -n ARGS` plans."""
    jobs, block = [], None
    for line in run_snakemake(workdir, "-n", *args).stdout.splitlines() + ["rule end:"]:
        match = re.match(r"^(?:local)?rule (\S+):$", line)
        if match:
            if block:
                jobs.append((block["rule"], block.get("output"), block.get("log")))
            block = {"rule": match.group(1)}
        elif block is not None and re.match(r"^    (output|log): ", line):
            name, value = line.strip().split(": ", 1)
            block[name] = value.split(", ")[0]
    return jobs


@pytest.mark.slow
def test_the_written_overlay_plans_exactly_the_chosen_jobs(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    (work / "grid.yaml").write_text(yaml.safe_dump({"presets": {"ci": {"seeds": [1, 2], "analysis": only_volume({})}}}))
    config = load_config(str(work), [str(work / "grid.yaml")], ["preset=ci"])
    graph = JobGraph(config, load_grid(config))
    per_target = {"xnli": 3.0, "udpos": 2.0, "xquad": 4.0, "tatoeba": 0.5}
    cells = {c: per_target[c[1]] for c in plan.candidate_cells(graph)}
    trained = {(i, s): {"mnli": 5.0, "squad": 6.0}[i] for i, _, s in cells if i != "none"}
    volume = tuple((i, t, s) for i, t in graph.grid.analysis_cells("volume") for s in graph.grid.seeds)
    problem = plan.Problem(cells, trained, tuple(dict.fromkeys(c[:2] for c in cells)), {"volume": (volume, 0.0)})
    for budget, complete in ((30.0, False), (100.0, True)):
        chosen = plan.select(problem, budget)
        assert 0 < len(chosen.cells) <= len(cells) and ("volume" in chosen.questions) == complete
        plan.write_overlay(work / "plan.yaml", graph.grid, chosen, f"test plan within {budget}")
        jobs = dry_run_jobs(work, "--configfile", "grid.yaml", "plan.yaml", "--config", "preset=ci")
        gpu = [(rule, output, log) for rule, output, log in jobs if rule.startswith(("train_", "evaluate_"))]
        expected = {
            (job.rule, job.outputs[0])
            for job in [graph.cell("tiny-ci", *c) for c in chosen.cells]
            + [graph.intermediate("tiny-ci", *k) for k in chosen.intermediates]
        }
        assert {(rule, output) for rule, output, _ in gpu} == expected and len(gpu) == len(expected)
        assert [rule for rule, _, _ in jobs if rule.startswith("analysis_")] == (
            ["analysis_volume"] if complete else []
        )
        for _, output, log in gpu:  # the benchmark reader finds each job's benchmark beside its log
            assert cost.job_log(graph.producer(output)) == log
    assert len(chosen.cells) == len(cells)  # the volume question compares every cell


def test_missing_throughput_entries_are_reported_not_guessed(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    table = yaml.safe_load((ROOT / "docs" / "throughput.example.yaml").read_text())
    table["throughput"] = [entry for entry in table["throughput"] if entry["max_length"] != 512]
    (tmp_path / "no512.yaml").write_text(yaml.safe_dump(table))
    out = run_plan(work, "--preset", "paper", "--throughput", tmp_path / "no512.yaml", "--gpu-hours", "100", code=1)
    key = "(model FacebookAI/xlm-roberta-large, device cuda (NVIDIA H100 80GB HBM3), precision bf16, max_length {})"
    assert f"cost unknown for 66 jobs:\n  no throughput entry for {key.format(512)} (66 jobs)\n" in out
    assert "stiltgrid plan: cannot plan while some costs are unknown (above)" in out
    assert "plan under" not in out
    del table["throughput"][1]["train_tokens_per_s"]  # the 256 entry
    (tmp_path / "no-train.yaml").write_text(yaml.safe_dump(table))
    out = run_plan(work, "--preset", "paper", "--throughput", tmp_path / "no-train.yaml")
    # at max_length 256: 9 intermediates (squad trains at 384) x 3 seeds, and xnli, pawsx, udpos, panx x 33 cells
    assert f"  throughput entry {key.format(256)} has no train_tokens_per_s (159 jobs)\n" in out
    out = run_plan(work, "--preset", "paper", code=1)
    assert out == (
        "stiltgrid plan: no throughput entries for model FacebookAI/xlm-roberta-large; the grid needs "
        "entries at max_length 256, 384, 512 (--throughput FILE or --calibrate PRESET)\n"
    )


@pytest.mark.slow
def test_paper_plan_offline_from_a_user_table(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    ccgbank(work / "resources" / "ccgbank")  # the paper grid trains on CCG (licensed: a stand-in copy)
    out = run_plan(
        work,
        "plan",
        "--preset",
        "paper",
        "--gpu-hours",
        "100",
        "--throughput",
        ROOT / "docs" / "throughput.example.yaml",
        "--write",
        "plan.yaml",
        module="stiltgrid.cli",
    )
    assert "task sizes: 327 of 327 jobs sized from published sizes" in out
    # MNLI as an intermediate, by hand: 392,702 pairs x 3 epochs x 256 tokens at 78,300 tok/s, plus a 500-example dev
    # evaluation every 1,000 of its 36,816 steps (37) at 235,000 tok/s
    mnli = 392_702 * 3 * 256 / 78_300 + 37 * 500 * 256 / 235_000
    assert re.search(rf"\n  mnli +{mnli / 3600:.2f} ", out)
    total = float(re.search(r"\n  total +327 +([\d.,]+)\n", out).group(1).replace(",", ""))
    chosen = float(re.search(r"intermediate-training jobs = ([\d.,]+) GPU-hours", out).group(1).replace(",", ""))
    assert chosen <= 100 < total
    assert "pairs covered (at least one seed): 99 of 99" in out
    cells = yaml.safe_load((work / "plan.yaml").read_text())["presets"]["paper"]["cells"]
    expected: dict = {}
    for _inter, target, _seed in cells:
        rule = f"evaluate_{target}" if target in ("bucc", "tatoeba") else f"train_{target}"
        expected[rule] = expected.get(rule, 0) + 1
    expected["train_intermediate"] = len({(i, s) for i, _, s in cells if i != "none"})
    planned = planned_jobs(work, "--configfile", "plan.yaml")
    assert {rule: n for rule, n in planned.items() if rule.startswith(("train_", "evaluate_"))} == expected
    assert not [rule for rule in planned if rule.startswith("analysis_")]


def test_lora_intermediates_plan_cheaper_tokens_and_smaller_checkpoints(tmp_path):
    """`paper-lora` against `paper`: LoRA's training tokens cost 2/3 of full's (no weight gradients for the frozen
    encoder); each plan prints the intermediate phase both ways, so the two agree row for row."""
    work = copy_workflow(tmp_path / "wf")
    table = ["--throughput", ROOT / "docs" / "throughput.example.yaml"]
    full = run_plan(work, "plan", "--preset", "paper", *table, module="stiltgrid.cli")
    lora = run_plan(work, "plan", "--preset", "paper-lora", *table, module="stiltgrid.cli")
    mnli = 392_702 * 3 * 256 / 78_300 * 2 / 3 + 37 * 500 * 256 / 235_000  # as the paper plan's test, LoRA
    assert re.search(rf"\n  mnli +{mnli / 3600:.2f} ", lora)
    row = re.compile(r"\n  (as configured|with): (full|LoRA[^\n]*?) +30 +([\d.]+ [KMG]B) +([\d.]+ [KMG]B) +([\d.,]+)")
    full_rows, lora_rows = row.findall(full), row.findall(lora)
    assert [r[1][:4] for r in full_rows] == ["full", "LoRA"] and [r[1][:4] for r in lora_rows] == ["LoRA", "full"]
    assert full_rows[0][2:] == lora_rows[1][2:] and full_rows[1][2:] == lora_rows[0][2:]
    assert full_rows[0][2] == "67.1 GB"  # 30 encoders of 558.8 M fp32 weights
    lora_disk = float(lora_rows[0][2].split()[0]) * {"MB": 1e6, "GB": 1e9}[lora_rows[0][2].split()[1]]
    assert 67.1e9 / lora_disk > 50

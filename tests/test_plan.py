"""Planning a grid under a GPU budget: the preset `cells` key, the cost model, calibration from finished jobs, the
integer program and the config overlay it writes (stiltgrid.plan, stiltgrid.cost)."""

import json
import math
from pathlib import Path

import pytest

import toy
from repo import ROOT
from stiltgrid import cost
from stiltgrid.config import ConfigError, load_grid
from stiltgrid.dag import JobGraph
from stiltgrid.formats import write_jsonl
from stiltgrid.sizes import PUBLISHED
from stiltgrid.why import load_config


def preset_config(preset: str = "ci", **changes) -> dict:
    config = load_config(str(ROOT), [], [f"preset={preset}"])
    config["presets"][preset].update(changes)
    return config


# -- the preset `cells` key and dropped questions -----------------------------------------------------------------
def test_cells_restrict_the_grid_to_the_listed_cells():
    config = preset_config(cells=[["mnli", "xnli", 1], ["none", "tatoeba", 1]])
    graph = JobGraph(config, load_grid(config))
    assert graph.grid_cells() == [("none", "tatoeba"), ("mnli", "xnli")]
    assert graph.aggregate.inputs["cells"] == ["results/tiny-ci/eval/none/tatoeba/seed1",
                                               "results/tiny-ci/eval/mnli/xnli/seed1"]
    # tatoeba pairs its 4 non-English languages with English; xnli is scored in all 5
    assert len(graph.aggregate.settings["metrics"]) == 4 + 5


def test_without_cells_every_cell_runs():
    config = preset_config(seeds=[1, 2])
    grid = load_grid(config)
    assert grid.cells is None and grid.cell_seeds("squad", "udpos") == (1, 2)
    assert len(JobGraph(config, grid).aggregate.inputs["cells"]) == 3 * 4 * 2


@pytest.mark.parametrize("cell, message", [
    (["qqp", "xnli", 1], "cells: [qqp, xnli, 1]: 'qqp' is not an intermediate of the grid"),
    (["mnli", "pawsx", 1], "cells: [mnli, pawsx, 1]: 'pawsx' is not a target of the grid"),
    (["mnli", "xnli", 2], "cells: [mnli, xnli, 2]: seed 2 is not one of the grid's seeds"),
    (["mnli", "xnli"], "presets.ci.cells.0: ['mnli', 'xnli'] is too short"),
])
def test_cells_outside_the_grid_are_config_errors(cell, message):
    with pytest.raises(ConfigError) as err:
        load_grid(preset_config(cells=[cell]))
    assert message in str(err.value)


def only_volume(volume):
    """ci's analyses: demo's (which it inherits) each dropped with null, and the volume question."""
    return {"families": None, "low_resource": None, "xtreme_mix": None, "robustness": None, "volume": volume}


def test_a_question_needs_every_seed_of_its_cells_unless_it_is_dropped():
    cells = [[i, t, 1] for i in ("none", "mnli", "squad") for t in ("xnli", "udpos", "xquad", "tatoeba")]
    with pytest.raises(ConfigError) as err:
        load_grid(preset_config(seeds=[1, 2], cells=cells, analysis=only_volume({})))
    assert str(err.value) == ("preset 'ci': cells: the 'volume' analysis needs cell [none, xnli, 2] (list it, or drop "
                              "the question with `analysis: {volume: null}`)")
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
    return [{"id": f"p{seed}-{i}", "text_a": x["text"], "text_b": y["text"], "label": "entailment"}
            for i, (x, y) in enumerate(zip(a, b))]


def test_fetched_data_is_measured_with_the_model_tokenizer(tmp_path, monkeypatch):
    from stiltgrid.checkpoint import train_tokenizer
    from stiltgrid.features import feature_length, featurize

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
    sentences = {lang: [{"id": f"{lang}{i}", "side": side, "text": row["text"], "gold": None}
                        for i, row in enumerate(toy.sentiment(8, n)) for side in ("src", "tgt")]
                 for n, lang in enumerate(graph.grid.languages("tatoeba"))}
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
    assert retrieval.test_tokens == sum(len(ids) for rows in sentences.values() for ids in tokenizer(
        [r["text"] for r in rows], truncation=True, max_length=64)["input_ids"])


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
    assert PUBLISHED["mnli"].train == 392_702


def test_unfetched_world_data_is_unknown_not_guessed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = preset_config()
    graph = JobGraph(config, load_grid(config))
    with pytest.raises(cost.Unknown) as err:
        cost.work(graph.cell("tiny-ci", "none", "xnli", 1), cost.Sizer(graph))
    assert str(err.value) == ("size of xnli train: resources/data/world-ci/tasks/xnli/train.jsonl is not there yet "
                              "(its data job writes it) (published sizes cover hub data only)")


# -- calibration from finished jobs --------------------------------------------------------------------------------
BENCHMARK_HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def write_benchmark(root: Path, job, seconds: float) -> None:
    path = root / cost.benchmark_path(cost.job_log(job))
    path.parent.mkdir(parents=True, exist_ok=True)
    # two repeats around the planted value: the reader takes their mean
    rows = "".join(f"{s:.4f}\t0:00:01\t812.5\t2000.1\t700.0\t710.2\t0.01\t2.50\t95.1\t{s:.2f}\n"
                   for s in (seconds - 0.5, seconds + 0.5))
    path.write_text(BENCHMARK_HEADER + rows)


def write_finished(root: Path, job, done: cost.Work, device: str, train: float, infer: float, overhead: float,
                   steps: int | None = None) -> float:
    """A finished job's benchmark and records, with seconds as the planted rates make them; returns its seconds."""
    out = root / job.outputs[0]
    out.mkdir(parents=True, exist_ok=True)
    provenance = {"device": device, "precision": "bf16", "torch": "2.13.0", "transformers": "5.23.0"}
    if cost.phase_of(job) == "retrieval":
        seconds = overhead + done.test_tokens / infer
        lang = job.settings["languages"][0]
        (out / f"{lang}.metrics.json").write_text(json.dumps({"metrics": {"accuracy": 50.0},
                                                              "provenance": provenance}))
    else:
        steps = done.steps if steps is None else steps
        loop = done.train_tokens * steps / done.steps / train + done.evaluations(steps) * done.eval_tokens / infer
        seconds = loop + overhead + (done.test_tokens + done.perturb_tokens) / infer
        (out / "train_summary.json").write_text(json.dumps({
            "steps": steps, "total_steps": done.steps, "best_dev": 50.0, "stopped_early": steps < done.steps,
            "seconds": loop, "history": [], "provenance": provenance}))
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

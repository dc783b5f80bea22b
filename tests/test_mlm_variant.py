"""Continued MLM during intermediate training (variants with `mlm:`): the interleaving ratio realised in the schedule,
the MLM head trained along and left out of the saved intermediate checkpoint, the summary's realised share."""

import json
import math

import pytest
import torch
import toy
import yaml
from safetensors import safe_open

from stiltgrid.core.hparams import TrainConfig
from stiltgrid.engine import trainer
from stiltgrid.engine.model import load_encoder
from stiltgrid.formats import get_format
from stiltgrid.tasks import get_task

CFG = TrainConfig(
    lr=3e-3, epochs=2, batch_size=16, eval_every=5, patience=50, checkpoint_every=4, max_length=32, seed=7
)


@pytest.mark.parametrize("ratio", [0.25, 0.29, 0.5, 1.0, 2.0, 3.5])
def test_interleaving_realises_the_ratio(ratio):
    schedule = trainer.build_schedule({"mnli": [5] * 370}, TrainConfig(batch_size=10, epochs=1, seed=3))
    mixed = trainer.interleave_mlm(schedule, [4] * 55, TrainConfig(batch_size=10, seed=3), ratio)
    tasks = [item for item in mixed if item[0] != trainer.MLM]
    assert tasks == schedule  # the task's part of the schedule is untouched
    assert sum(1 for name, _ in mixed if name == trainer.MLM) == math.floor(len(schedule) * ratio + 1e-9)
    seen = {"task": 0, "mlm": 0}
    for name, _ in mixed:  # spread evenly: before each task batch, floor(ratio x the task batches so far) MLM ones
        if name != trainer.MLM:
            assert seen["mlm"] == math.floor(seen["task"] * ratio + 1e-9)
        seen["mlm" if name == trainer.MLM else "task"] += 1
    # MLM batches cycle through passes of the corpus: each pass covers every line once
    indices = [i for name, batch in mixed if name == trainer.MLM for i in batch]
    full = len(indices) // 55 * 55
    for start in range(0, full, 55):
        assert sorted(indices[start : start + 55]) == list(range(55))
    assert mixed == trainer.interleave_mlm(schedule, [4] * 55, TrainConfig(batch_size=10, seed=3), ratio)


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    return toy.xlmr_dir(tmp_path_factory.mktemp("enc"))


def sentiment_tasks():
    task = get_task("sst2")
    train, dev = toy.sentiment(160, 1), toy.sentiment(40, 2)
    return {"sst2": trainer.TaskData(task, train, dev, get_format(task.format).label_list(task, train, dev))}


def corpus_lines(tmp_path) -> list[str]:
    return toy.corpus(tmp_path / "mlm.txt", n=120, seed=5).read_text().splitlines()


def saved_keys(directory) -> set[str]:
    with safe_open(str(directory / "model.safetensors"), "pt") as handle:
        return set(handle.keys())


@pytest.mark.parametrize("ratio", [0.5, 1.0])
def test_mlm_head_trains_along_and_is_not_saved(tmp_path, encoder_dir, ratio):
    settings = {"ratio": ratio, "weight": 1.0, "mask_prob": 0.15, "languages": ["en"], "max_lines": 1000}
    plain = trainer.fit(sentiment_tasks(), str(encoder_dir), CFG, str(tmp_path / "ckpt-plain"))
    mlm = trainer.fit(
        sentiment_tasks(),
        str(encoder_dir),
        CFG,
        str(tmp_path / "ckpt-mlm"),
        mlm=trainer.MLMData(corpus_lines(tmp_path), settings),
    )
    assert any(name.startswith("mlm_head.") for name in mlm.model.state_dict())
    assert not any(name.startswith("mlm_head.") for name in plain.model.state_dict())
    # the realised share over the micro-batches trained, as configured
    record = mlm.summary["mlm"]
    task_batches = plain.summary["cost"]["micro_batches"]
    assert record["task_micro_batches"] == task_batches
    assert record["micro_batches"] == math.floor(task_batches * ratio)
    assert record["realised_share"] == pytest.approx(ratio / (1 + ratio), abs=1 / task_batches)
    assert record["configured_share"] == round(ratio / (1 + ratio), 6) and record["corpus_lines"] == 120
    assert mlm.summary["cost"]["micro_batches"] == task_batches + record["micro_batches"]

    # the intermediate checkpoint the targets start from: the encoder alone, as for any intermediate
    for name, result in (("plain", plain), ("mlm", mlm)):
        result.model.save(tmp_path / name, result.tokenizer, with_heads=False)
    names = {kind: sorted(p.name for p in (tmp_path / kind).iterdir()) for kind in ("mlm", "plain")}
    assert names["mlm"] == names["plain"]
    assert saved_keys(tmp_path / "mlm") == saved_keys(tmp_path / "plain")
    assert not any("lm_head" in key for key in saved_keys(tmp_path / "mlm"))
    config = json.loads((tmp_path / "mlm" / "config.json").read_text())
    assert config["architectures"] == json.loads((tmp_path / "plain" / "config.json").read_text())["architectures"]
    reloaded, trained = load_encoder(tmp_path / "mlm").state_dict(), mlm.model.encoder.state_dict()
    assert all(torch.equal(reloaded[k], trained[k]) for k in reloaded)
    # continued MLM changed the encoder (the same task batches alone give other weights)
    other = plain.model.encoder.state_dict()
    assert not all(torch.equal(other[k], trained[k]) for k in other)


def test_mlm_run_resumes_to_the_same_result(tmp_path, encoder_dir, monkeypatch):
    settings = {"ratio": 1.0, "weight": 0.5, "mask_prob": 0.15, "languages": ["en"], "max_lines": 1000}
    data = trainer.MLMData(corpus_lines(tmp_path), settings)
    whole = trainer.fit(sentiment_tasks(), str(encoder_dir), CFG, str(tmp_path / "whole"), mlm=data)
    calls = {"n": 0}
    original = trainer.TaskModel.mlm_loss

    def crash_at_mlm_batch_9(self, batch):
        calls["n"] += 1
        if calls["n"] == 9:
            raise KeyboardInterrupt
        return original(self, batch)

    monkeypatch.setattr(trainer.TaskModel, "mlm_loss", crash_at_mlm_batch_9)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(sentiment_tasks(), str(encoder_dir), CFG, str(tmp_path / "broken"), mlm=data)
    monkeypatch.setattr(trainer.TaskModel, "mlm_loss", original)
    resumed = trainer.fit(sentiment_tasks(), str(encoder_dir), CFG, str(tmp_path / "broken"), mlm=data)
    assert resumed.summary["history"] == whole.summary["history"]
    a, b = whole.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


# -- lineage and planning --------------------------------------------------------------------------------------------
REAL = {
    "inherit": "paper",
    "intermediate": ["none", "mnli", "mnli-mlm"],
    "targets": ["xnli", "tatoeba"],
    "languages": ["en", "de", "fr"],
    "seeds": [1],
    "analysis": None,
}


def config_of(preset: str, **overlay) -> dict:
    from repo import ROOT

    from stiltgrid.grid.config import deep_merge

    config = deep_merge(yaml.safe_load((ROOT / "config.yaml").read_text()), overlay)
    config["preset"] = preset
    return config


def real_config(corpus_dir, **mlm) -> dict:
    """A small real-data grid (hub dataset) with the MLM variant reading local corpus files, one per language."""
    for lang in ("en", "de", "fr"):
        if not (corpus_dir / f"{lang}.txt").exists():
            (corpus_dir / f"{lang}.txt").write_text(f"a {lang} line\nanother {lang} line\n")
    return config_of(
        "real", presets={"real": REAL}, variants={"mnli-mlm": {"mlm": {"corpus": f"{corpus_dir}/{{lang}}.txt", **mlm}}}
    )


def variant_jobs(digests: dict, variant: str = "mnli-mlm") -> set:
    """The variant's own jobs and the tables read from them."""
    return {
        key
        for key in digests
        if ("intermediate", variant) in key[1]
        or key[0] in ("aggregate", "export_predictions", "results_page", "analysis_alternatives")
    }


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("key,value", [("ratio", 0.5), ("weight", 0.3), ("mask_prob", 0.2), ("max_lines", 50)])
def test_mlm_setting_makes_exactly_the_variant_stale(in_tmp, key, value):
    from repo import changed, job_digests

    config = config_of("demo-alternatives")
    before = job_digests(config)
    after = job_digests(config_of("demo-alternatives", variants={"mnli-mlm": {"mlm": {key: value}}}))
    stale = changed(before, after)
    assert stale == variant_jobs(before)
    assert ("train_intermediate", (("intermediate", "mnli-mlm"), ("model", "tiny-ci"), ("seed", "1"))) in stale
    assert len(stale) == 1 + 3 + 4  # its training, its 3 cells, aggregate + export + results page + the analysis


def test_editing_the_corpus_makes_exactly_the_variant_stale(in_tmp):
    from repo import changed, job_digests

    corpus = in_tmp / "cc100"
    corpus.mkdir()
    before = job_digests(real_config(corpus))
    assert changed(before, job_digests(real_config(corpus))) == set()
    with open(corpus / "de.txt", "a") as handle:
        handle.write("one more line\n")
    edited = job_digests(real_config(corpus))
    stale = changed(before, edited)
    assert stale == variant_jobs(before) and len(stale) == 1 + 2 + 3
    # a language the variant does not read stays out of its lineage
    (corpus / "sw.txt").write_text("not read\n")
    assert changed(edited, job_digests(real_config(corpus))) == set()


def test_mlm_variant_job_reads_the_corpus_files_and_settings(in_tmp):
    from stiltgrid.grid.config import load_grid
    from stiltgrid.grid.dag import JobGraph

    corpus = in_tmp / "cc100"
    corpus.mkdir()
    config = real_config(corpus, ratio=0.5)
    graph = JobGraph(config, load_grid(config))
    job = graph.intermediate("xlm-roberta-large", "mnli-mlm", 1)
    assert job.inputs["corpus"] == [f"{corpus}/{lang}.txt" for lang in ("en", "de", "fr")]
    assert job.settings["mlm"] == {
        "ratio": 0.5,
        "weight": 1.0,
        "mask_prob": 0.15,
        "max_lines": 100000,
        "languages": ["en", "de", "fr"],
    }
    assert job.inputs["data"] == [graph.task_dir("mnli")]  # no augmented set: the base task's own data
    plain = graph.intermediate("xlm-roberta-large", "mnli", 1)
    assert "mlm" not in plain.settings and "corpus" not in plain.inputs


@pytest.mark.slow
def test_paper_plans_both_alternatives_with_their_files(tmp_path):
    """`paper` with the documented keys set in a --configfile overlay plans the MLM variant, the translated one and
    the comparison on real data."""
    from repo import ccgbank, copy_workflow, planned_jobs

    work = copy_workflow(tmp_path / "work")
    ccgbank(work / "resources" / "ccgbank")  # the paper grid trains on CCG (licensed: a stand-in copy)
    for lang in ("en", "de", "fr"):
        (tmp_path / f"cc100.{lang}.txt").write_text(f"a {lang} line\n")
        (tmp_path / f"mnli.train.{lang}.jsonl").write_text(
            json.dumps({"id": "1", "premise": "p", "hypothesis": "h", "label": "entailment"}) + "\n"
        )
    overlay = {
        "variants": {
            "mnli-mlm": {"languages": ["de", "fr"], "mlm": {"corpus": f"{tmp_path}/cc100.{{lang}}.txt"}},
            "mnli-mix": {"languages": ["de", "fr"], "translations": f"{tmp_path}/mnli.train.{{lang}}.jsonl"},
        },
        "presets": {
            "paper": {"analysis": {"alternatives": {"reference": "mnli", "alternatives": ["mnli-mlm", "mnli-mix"]}}}
        },
    }
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    jobs = planned_jobs(work, "--config", "preset=paper", "--configfile", tmp_path / "overlay.yaml")
    assert jobs["analysis_alternatives"] == 1 and jobs["augment_intermediate"] == 1  # mnli-mix's translated set
    assert jobs["train_intermediate"] == 3 * (10 + 2)  # 3 seeds x (the paper's 10 trained intermediates + both)
    assert jobs["train_xnli"] == 3 * (11 + 2)


def test_planner_counts_the_mlm_batches(in_tmp):
    from stiltgrid.grid.config import load_grid
    from stiltgrid.grid.dag import JobGraph
    from stiltgrid.plan import cost

    corpus = in_tmp / "cc100"
    corpus.mkdir()
    config = real_config(corpus, ratio=0.5)
    graph = JobGraph(config, load_grid(config))
    sizer = cost.Sizer(graph)  # hub data: MNLI's published size
    plain, mlm = (cost.work(graph.intermediate("xlm-roberta-large", name, 1), sizer) for name in ("mnli", "mnli-mlm"))
    hp = graph.intermediate("xlm-roberta-large", "mnli", 1).settings["hparams"]
    assert mlm.steps == pytest.approx(plain.steps * 1.5, rel=0.01)
    assert mlm.train_tokens - plain.train_tokens == pytest.approx(
        plain.steps * hp["grad_accum"] * 0.5 * hp["batch_size"] * hp["max_length"], rel=0.01
    )

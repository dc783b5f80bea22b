"""Bring your own encoder and tasks: local encoders (BERT without pooler, with token type ids; XLM-R) and one
declared task per format, from local JSON Lines files, through the grid end to end (offline, CPU)."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from repo import copy_workflow, run_snakemake

from stiltgrid.core.paths import CELL_TRAIN_SUMMARY

pytestmark = pytest.mark.slow

LANGS = ["en", "wa", "ka"]
# declared name -> (world task it is cut from, format, role, extra declaration keys)
DECLARED = {
    "my-sentiment": ("sst2", "classification", "target", {"labels": ["negative", "positive"]}),
    "my-entailment": (
        "mnli",
        "pair_classification",
        "intermediate",
        {"labels": ["entailment", "neutral", "contradiction"]},
    ),
    "my-tags": ("panx", "tagging", "target", {"metric": "seqeval_f1"}),
    "my-qa": ("xquad", "span_qa", "target", {}),
    "my-choice": ("cosmosqa", "multiple_choice", "target", {}),
    "my-bitext": ("tatoeba", "retrieval", "retrieval", {"metric": "tatoeba"}),
}
TARGETS = [name for name, (_, _, role, _) in DECLARED.items() if role != "intermediate"]


def _world_files(root: Path) -> Path:
    """User-style data files cut from a small generated world: data/<task>/{train,dev}.jsonl, test.<lang>.jsonl."""
    from stiltgrid.data.world import generate_world
    from stiltgrid.world import DEFAULT_WORLD

    world = root / "world"
    sizes = {"train": 96, "dev": 32, "test": 24}
    tasks = {src: ({"test": 24} if fmt == "retrieval" else dict(sizes)) for src, fmt, _, _ in DECLARED.values()}
    generate_world(dict(DEFAULT_WORLD, seed=5), world, tasks=tasks, corpus_sentences=300, test_langs=LANGS)
    data = root / "data"
    for name, (src, _, _, _) in DECLARED.items():
        shutil.copytree(world / "tasks" / src, data / name, ignore=shutil.ignore_patterns("task.json"))
    (data / "corpus").mkdir()
    for lang in LANGS:
        shutil.copy(world / "corpus" / f"{lang}.txt", data / "corpus" / f"{lang}.txt")
    return data


def _bert_encoder(out: Path, corpus: Path) -> None:
    """A BERT-architecture encoder without a pooler, with token type ids, WordPiece vocabulary from the corpus."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = sorted({w.lower() for f in corpus.glob("*.txt") for line in f.open(encoding="utf-8") for w in line.split()})
    chars = sorted({c for w in words for c in w})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + [f"##{c}" for c in chars] + words[:800]
    out.mkdir(parents=True)
    (out / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(out / "vocab.txt"), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        type_vocab_size=2,
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


def _xlmr_encoder(out: Path, corpus: Path) -> None:
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from stiltgrid.engine.mlm import train_tokenizer

    tokenizer = train_tokenizer(sorted(str(p) for p in corpus.glob("*.txt")), 500, out, model_max_length=512)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=66,
        pad_token_id=tokenizer.pad_token_id,
        type_vocab_size=1,
    )
    XLMRobertaModel(config).save_pretrained(str(out))


def _declarations(data: Path, names) -> dict:
    out = {}
    for name in names:
        _, fmt, role, extra = DECLARED[name]
        files = {"test": str(data / name / "test.{lang}.jsonl")}
        if fmt != "retrieval":
            files.update(train=str(data / name / "train.jsonl"), dev=str(data / name / "dev.jsonl"))
        decl = {"format": fmt, "files": files, **extra}
        if role != "retrieval":
            decl["role"] = role
        if role != "intermediate":
            decl["languages"] = LANGS
        else:
            files.pop("test")
        out[name] = decl
    return out


def _config(work: Path, model: str, model_dir: Path, data: Path, intermediate, targets) -> Path:
    small = {
        "epochs": 1,
        "max_length": 64,
        "eval_every": 10,
        "eval_subset": 32,
        "checkpoint_every": 1000,
        "batch_size": 16,
    }
    config = {
        "preset": "byo",
        "models": {model: {"source": "local", "path": str(model_dir)}},
        "tasks": _declarations(data, set(intermediate) - {"none"} | set(targets)),
        "presets": {
            "byo": {
                "inherit": "ci",
                "model": model,
                "intermediate": list(intermediate),
                "targets": list(targets),
                "languages": LANGS,
                "retrieval": {"layer": 1, "max_length": 64},
                "training": {
                    "intermediate": {"defaults": small, "tasks": {}},
                    "target": {"defaults": small, "tasks": {}},
                },
            }
        },
    }
    path = work / f"{model}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _snakemake(work: Path, configfile: Path, *args):
    return run_snakemake(work, "--cores", "2", "--configfile", configfile, *args)


@pytest.fixture(scope="module")
def byo(tmp_path_factory):
    root = tmp_path_factory.mktemp("byo")
    data = _world_files(root)
    _bert_encoder(root / "encoders" / "bert", data / "corpus")
    work = copy_workflow(root / "work")
    configfile = _config(work, "my-bert", root / "encoders" / "bert", data, ["none", "my-entailment"], TARGETS)
    _snakemake(work, configfile)
    scores = pd.read_csv(work / "results" / "my-bert" / "tables" / "byo" / "scores.tsv", sep="\t")
    return {"work": work, "data": data, "root": root, "scores": scores, "configfile": configfile}


def test_bert_encoder_has_no_pooler_and_uses_token_types(byo):
    from safetensors import safe_open
    from transformers import AutoTokenizer

    from stiltgrid.engine.features import featurize

    model_dir = byo["work"] / "resources" / "models" / "my-bert"
    with safe_open(str(model_dir / "model.safetensors"), "pt") as weights:
        assert not [k for k in weights.keys() if "pooler" in k]
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    examples = [{"id": "1", "text_a": "a b", "text_b": "c d", "label": "neutral"}]
    features = featurize("pair_classification", examples, tokenizer, 32, ["entailment", "neutral", "contradiction"])
    assert set(features[0]["token_type_ids"]) == {0, 1}  # the second segment is typed 1


@pytest.mark.parametrize("name", list(DECLARED))
def test_declared_task_flows_through_the_grid(byo, name):
    _, fmt, role, _ = DECLARED[name]
    scores = byo["scores"]
    if role == "intermediate":
        summary = json.loads(
            (byo["work"] / "results" / "my-bert" / "intermediate" / name / "seed1" / CELL_TRAIN_SUMMARY).read_text()
        )
        assert summary["steps"] > 0
        assert set(scores.intermediate) == {"none", name}  # every target also ran from its checkpoint
        return
    rows = scores[scores.target == name]
    expected = [lang for lang in LANGS if not (fmt == "retrieval" and lang == "en")]
    for inter in ("none", "my-entailment"):
        cell = rows[rows.intermediate == inter]
        assert sorted(cell.language.unique()) == sorted(expected), (inter, name)
        assert cell.value.notna().all()
    paper = pd.read_csv(
        byo["work"] / "results" / "my-bert" / "tables" / "byo" / "paper_table.tsv", sep="\t", index_col=0
    )
    assert name in paper.columns and paper[name].notna().all()


def test_declared_tasks_count_in_their_categories(byo):
    table = pd.read_csv(byo["work"] / "results" / "my-bert" / "tables" / "byo" / "category_scores.tsv", sep="\t")
    row = table[table.intermediate == "none"].iloc[0]
    for category in ("classification", "structured_prediction", "qa", "retrieval"):
        assert pd.notna(row[category]), category
    assert row["classification_tasks"] == "my-choice,my-sentiment"
    assert row["retrieval_tasks"] == "my-bitext"


def test_local_encoder_is_used_in_place(byo):
    import os

    linked = byo["work"] / "resources" / "models" / "my-bert" / "model.safetensors"
    original = byo["root"] / "encoders" / "bert" / "model.safetensors"
    assert os.stat(linked).st_ino == os.stat(original).st_ino


def test_warnings_name_the_tiny_settings_the_encoder_inherited(byo):
    """The preset inherits `ci` (a scratch model's settings) for its learning rate and data caps: said once per plan
    and first in warnings.md, next to what the guards found in the cells."""
    text = (byo["work"] / "results" / "my-bert" / "tables" / "byo" / "warnings.md").read_text()
    lines = [line[2:] for line in text.splitlines() if line.startswith("- ")]
    assert lines[0].startswith(
        "configuration: preset 'byo' runs the pretrained encoder 'my-bert' (local) with "
        "settings from preset 'demo', written for its tiny scratch model 'tiny-demo': "
        "training.intermediate.defaults lr 0.001"
    )
    records = sorted((byo["work"] / "results" / "my-bert" / "eval").rglob("*.metrics.json"))
    recorded = [w for path in records for w in json.loads(path.read_text()).get("warnings", [])]
    assert len(recorded) == len([line for line in lines if " (test): " in line or " (dev): " in line])


def test_xlmr_encoder_runs_a_declared_target(byo):
    root, work = byo["root"], byo["work"]
    _xlmr_encoder(root / "encoders" / "xlmr", byo["data"] / "corpus")
    configfile = _config(
        work, "my-xlmr", root / "encoders" / "xlmr", byo["data"], ["none"], ["my-sentiment", "my-bitext"]
    )
    _snakemake(work, configfile)
    scores = pd.read_csv(work / "results" / "my-xlmr" / "tables" / "byo" / "scores.tsv", sep="\t")
    assert set(scores[scores.target == "my-sentiment"].language) == set(LANGS)
    assert set(scores[scores.target == "my-bitext"].language) == {"wa", "ka"}
    tokenizer_config = json.loads((work / "resources" / "models" / "my-xlmr" / "tokenizer_config.json").read_text())
    assert tokenizer_config["model_max_length"] == 64  # capped to the encoder's 66 - 2 positions


def test_malformed_file_names_file_line_and_field(byo, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(byo["data"] / "my-sentiment", data / "my-sentiment")
    lines = (data / "my-sentiment" / "test.wa.jsonl").read_text().splitlines()
    bad = json.loads(lines[4])
    bad["label"] = "sarcastic"
    lines[4] = json.dumps(bad)
    (data / "my-sentiment" / "test.wa.jsonl").write_text("\n".join(lines) + "\n")
    from stiltgrid.data.declared import prepare
    from stiltgrid.formats import FormatError

    decl = _declarations(data, ["my-sentiment"])["my-sentiment"]
    with pytest.raises(FormatError, match=r"test\.wa\.jsonl:5: field 'label' is 'sarcastic', not in the label set"):
        prepare("my-sentiment", decl, tmp_path / "out")
    assert not (tmp_path / "out").exists()

"""Phase 1: the scratch MLM (tokenizer trained with `tokenizers`, save_pretrained layout) and the other sources."""

import json

import pytest
import torch
import toy

from stiltgrid.core.errors import UserError
from stiltgrid.engine import mlm

PARAMS = dict(
    seed=0,
    vocab_size=150,
    hidden_size=32,
    layers=2,
    heads=2,
    intermediate_size=64,
    max_length=32,
    mask_prob=0.15,
    lr=1e-3,
    steps=30,
    batch_size=16,
    warmup=0.1,
)


def test_scratch_model_loads_with_auto_classes_and_learns(tmp_path):
    from transformers import AutoModel, AutoTokenizer

    corpus = toy.corpus(tmp_path / "corpus.txt", n=300)
    summary = mlm.pretrain_scratch([str(corpus)], tmp_path / "mlm", PARAMS)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "mlm")
    model = AutoModel.from_pretrained(tmp_path / "mlm")
    assert type(model).__name__ == "XLMRobertaModel"
    assert tokenizer.model_max_length == PARAMS["max_length"]
    pair = tokenizer("anna sees", "the car")
    tokens = tokenizer.convert_ids_to_tokens(pair["input_ids"])
    assert tokens[0] == "<s>" and tokens.count("</s>") == 3  # <s> A </s></s> B </s>, as XLM-R
    assert json.loads((tmp_path / "mlm" / "pretrain.json").read_text()) == summary
    assert summary["final_loss"] < 5.0  # ln(150) ≈ 5.0 is the loss of a uniform guess


def test_masked_only_loss_equals_the_full_loss():
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=300,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=40,
    )
    model = XLMRobertaForMaskedLM(config).eval()
    ids = torch.randint(5, 300, (4, 12))
    labels = torch.full_like(ids, -100)
    labels[:, 3], labels[0, 5] = ids[:, 3], 7
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels}
    assert torch.allclose(model(**batch).loss, mlm._masked_lm_loss(model, batch), atol=1e-5)


def test_local_source_is_linked_in_place_and_checked(tmp_path):
    import json
    import os

    src = toy.xlmr_dir(tmp_path, positions=66)
    original = (src / "tokenizer_config.json").read_text()
    assert mlm.link_local(src, tmp_path / "linked") == "hard"
    weights = tmp_path / "linked" / "model.safetensors"
    assert os.stat(weights).st_ino == os.stat(src / "model.safetensors").st_ino  # the same file, not a copy
    assert os.stat(src / "model.safetensors").st_nlink == 2
    # the tokenizer claims 512 positions, the encoder has 64: capped in a file of the model key's own
    capped = tmp_path / "linked" / "tokenizer_config.json"
    assert json.loads(capped.read_text())["model_max_length"] == 64
    assert os.stat(capped).st_ino != os.stat(src / "tokenizer_config.json").st_ino
    assert (src / "tokenizer_config.json").read_text() == original
    with pytest.raises(mlm.MLMError, match="has no config.json"):
        mlm.link_local(tmp_path / "nowhere", tmp_path / "x")


def test_local_source_across_file_systems_is_symlinked(tmp_path, monkeypatch):
    import os

    src = toy.xlmr_dir(tmp_path)

    def cross_device(*args, **kwargs):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    assert mlm.link_local(src, tmp_path / "linked") == "symbolic"
    assert os.readlink(tmp_path / "linked" / "model.safetensors") == str((src / "model.safetensors").resolve())


def test_hub_source_offline_fails_with_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(mlm.MLMError, match="could not fetch model 'FacebookAI/xlm-roberta-large'") as err:
        mlm.fetch_hub("FacebookAI/xlm-roberta-large", "main", tmp_path / "m")
    message = str(err.value)
    assert "\n" not in message and f"snakemake --cores 1 {(tmp_path / 'm').as_posix()})" in message
    assert isinstance(err.value, UserError)  # a job ending with it prints this line, not a traceback


def test_tokenizer_is_identical_across_processes(tmp_path):
    """The scratch tokenizer must not depend on the process (hash seeds, threads): the grid reruns must match."""
    import subprocess
    import sys

    from repo import ROOT

    corpus = toy.corpus(tmp_path / "corpus.txt", n=300)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from stiltgrid.engine.mlm import train_tokenizer; "
        "train_tokenizer([sys.argv[2]], 120, sys.argv[3])"
    )
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, "-c", code, str(ROOT / "workflow"), str(corpus), str(tmp_path / name)], check=True
        )
    assert (tmp_path / "a" / "tokenizer.json").read_bytes() == (tmp_path / "b" / "tokenizer.json").read_bytes()

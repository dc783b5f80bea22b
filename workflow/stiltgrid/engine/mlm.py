"""Phase 1: the pre-trained MLM encoder every cell starts from (its directory is the ``mlm_checkpoint`` output; the
trainer's resumable state, ``paths.checkpoint_dir``, is another thing).

Three sources, one output layout (a directory loadable with ``AutoModel`` / ``AutoTokenizer``):
``hub``     a model id at a pinned revision, downloaded with ``huggingface_hub`` (the real path, needs internet);
``local``   an existing directory, used in place: its files hard-linked (symbolic links across file systems);
``scratch`` a tiny XLM-R-architecture MLM pre-trained here on the generated corpus, with its own tokenizer.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from pathlib import Path

import torch

from stiltgrid.core.errors import UserError
from stiltgrid.engine.model import masked_lm_loss
from stiltgrid.engine.trainer import length_grouped_batches
from stiltgrid.runtime import process as runtime

log = runtime.log
SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


class MLMError(UserError, RuntimeError):
    pass


def fetch_hub(model_id: str, revision: str, out_dir: str | Path) -> None:
    """A hub model at a pinned revision (the data lock's commit once there is a lock) in out_dir: its files from the
    hub cache, hard-linked (copied across file systems), so the login node's fetch is reused offline."""
    from stiltgrid.hub.model import download_hub

    try:
        snapshot = download_hub(model_id, revision)
    except Exception as err:  # the hub client raises many types; the user needs one line
        raise MLMError(
            f"could not fetch model '{model_id}' at revision '{revision}' ({type(err).__name__}: {err}). "
            f"Fetch it where there is internet (stiltgrid fetch --preset NAME, or snakemake --cores 1 "
            f"{Path(out_dir).as_posix()}) and copy the hub cache ($HF_HOME) here, or point the model's source to a "
            f"local directory."
        ) from None
    out_dir = Path(out_dir)
    for source in sorted(p for p in snapshot.rglob("*") if p.is_file()):
        target = out_dir / source.relative_to(snapshot)
        target.parent.mkdir(parents=True, exist_ok=True)
        blob = source.resolve()  # snapshot entries are links into blobs/
        try:
            os.link(blob, target)
        except OSError:
            import shutil

            shutil.copyfile(blob, target)


def link_local(path: str | Path, out_dir: str | Path) -> str:
    """Use a local encoder directory (any AutoModel/AutoTokenizer one: pooler and MLM head optional) in place: its
    files are hard-linked into ``out_dir`` (symbolically linked where ``out_dir`` lies on another file system), never
    copied, so a 2 GB encoder costs no space per model key. Nothing is ever written through a link: a tokenizer that
    claims more positions than the encoder has gets its own capped ``tokenizer_config.json`` (the link is replaced),
    so long inputs are truncated instead of indexing past the position embeddings. Returns how the files were
    linked ("hard" or "symbolic")."""
    from transformers import AutoConfig, AutoTokenizer

    path = Path(path).resolve()
    if not (path / "config.json").exists():
        raise MLMError(f"local model directory '{path}' has no config.json (expected a save_pretrained dir)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path))
    except Exception as err:  # noqa: BLE001 - any loader failure means the same thing to the user
        raise MLMError(f"local model directory '{path}': no tokenizer AutoTokenizer can load ({err})") from None
    out_dir = Path(out_dir)
    kind = "hard"
    for source in sorted(p for p in path.rglob("*") if p.is_file()):
        target = out_dir / source.relative_to(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "hard":
            try:
                os.link(source, target)
                continue
            except OSError:  # another file system, or links not allowed there
                kind = "symbolic"
        os.symlink(source, target)
    config = AutoConfig.from_pretrained(str(path))
    positions = getattr(config, "max_position_embeddings", None)
    if positions:
        # RoBERTa-family encoders number positions from pad_token_id + 1
        offset = (config.pad_token_id or 0) + 1 if "roberta" in config.model_type else 0
        if tokenizer.model_max_length > positions - offset:
            tokenizer_config = out_dir / "tokenizer_config.json"
            settings = json.loads(tokenizer_config.read_text()) if tokenizer_config.exists() else {}
            settings["model_max_length"] = positions - offset
            tokenizer_config.unlink(missing_ok=True)  # a link: writing through it would edit the user's file
            tokenizer_config.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
    log.info("local encoder %s used in place (%s links in %s)", path, kind, out_dir)
    return kind


def train_tokenizer(corpus_files: list[str], vocab_size: int, out_dir: str | Path, model_max_length: int = 512):
    """A SentencePiece-style BPE tokenizer (XLM-R ships a SentencePiece BPE model) trained with `tokenizers`, wrapped
    for transformers. BPE, not unigram: the unigram trainer gives a different vocabulary in every process (measured),
    which would make the whole grid irreproducible; the BPE trainer is deterministic."""
    from tokenizers import SentencePieceBPETokenizer, processors
    from transformers import PreTrainedTokenizerFast

    sp = SentencePieceBPETokenizer(unk_token="<unk>")
    sp.train(corpus_files, vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False)
    ids = {tok: sp.token_to_id(tok) for tok in SPECIAL_TOKENS}
    sp.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ids["<s>"]), ("</s>", ids["</s>"])],
    )
    # The generic fast tokenizer: transformers' XLM-R class expects a unigram vocabulary.
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=sp._tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        cls_token="<s>",
        sep_token="</s>",
    )
    tokenizer.model_max_length = model_max_length
    tokenizer.save_pretrained(str(out_dir))
    return tokenizer


def read_corpus(corpus_files: list[str], max_lines: int | None = None) -> list[str]:
    """The non-empty lines of each file (at most ``max_lines`` of each, the first ones), stripped."""
    lines = []
    for path in corpus_files:
        with open(path, encoding="utf-8") as handle:
            kept = (line.strip() for line in handle if line.strip())
            lines.extend(itertools.islice(kept, max_lines))
    return lines


def _masked_lm_loss(model, batch: dict) -> torch.Tensor:
    hidden = model.roberta(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    return masked_lm_loss(model.lm_head, hidden, batch["labels"])


def pretrain_scratch(corpus_files: list[str], out_dir: str | Path, params: dict, threads: int = 1) -> dict:
    """Pre-train a tiny XLM-R MLM on the corpus; returns a summary (also written to out_dir/pretrain.json)."""
    from transformers import DataCollatorForLanguageModeling, XLMRobertaConfig, XLMRobertaForMaskedLM

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    runtime.seed_everything(params["seed"])
    dev = runtime.device()
    tokenizer = train_tokenizer(corpus_files, params["vocab_size"], out_dir, params["max_length"])
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=params["hidden_size"],
        num_hidden_layers=params["layers"],
        num_attention_heads=params["heads"],
        intermediate_size=params["intermediate_size"],
        max_position_embeddings=params["max_length"] + 2,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        type_vocab_size=1,
    )
    model = XLMRobertaForMaskedLM(config).to(dev)
    lines = read_corpus(corpus_files)
    encoded = tokenizer(lines, truncation=True, max_length=params["max_length"])["input_ids"]
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=params["mask_prob"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=params["lr"], weight_decay=0.01)
    steps, batch_size = params["steps"], params["batch_size"]
    warmup = max(1, int(params["warmup"] * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    generator = torch.Generator().manual_seed(params["seed"])
    model.train()
    started, losses = time.time(), []
    lengths = [len(ids) for ids in encoded]
    batches: list[list[int]] = []
    for step in range(steps):
        if not batches:  # a new epoch of length-grouped batches (less padding than random batches)
            batches = length_grouped_batches(lengths, batch_size, generator)
        batch = collator([{"input_ids": encoded[i]} for i in batches.pop()])
        with runtime.autocast(params.get("precision", "auto"), dev):
            loss = _masked_lm_loss(model, {k: v.to(dev) for k, v in batch.items()})
        if not math.isfinite(loss.item()):
            raise FloatingPointError(f"MLM pre-training: loss is {loss.item()} at step {step}")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if (step + 1) % max(1, steps // 10) == 0:
            log.info("mlm step %d/%d loss %.3f", step + 1, steps, sum(losses[-50:]) / len(losses[-50:]))
    model.save_pretrained(str(out_dir))
    summary = {
        "sentences": len(lines),
        "steps": steps,
        "seconds": round(time.time() - started, 1),
        "final_loss": round(sum(losses[-100:]) / len(losses[-100:]), 4),
        "parameters": model.num_parameters(),
    }
    (out_dir / "pretrain.json").write_text(json.dumps(summary, indent=2))
    log.info("pre-trained tiny MLM: %s", summary)
    return summary

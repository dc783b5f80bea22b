"""An encoder loaded with AutoModel plus one head per task, all on the encoder's hidden states.

Heads never rely on a pooler or an MLM head, so any encoder directory works (XLM-R, BERT, with or without pooler).
The encoder is saved with ``save_pretrained``; heads are saved next to it in ``heads.pt``, so an intermediate
checkpoint is a plain encoder directory and the target phase starts fresh heads on it (jiant's partial load). An MLM
variant's intermediate training also carries the checkpoint's MLM head (``mlm_head``); it is never saved.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from stiltgrid.core.errors import UserError
from stiltgrid.formats import get_format

HEADS_FILE = "heads.pt"
HEADS_SPEC = "heads.json"


class MLMHeadError(UserError, ValueError):
    pass


def load_encoder(path: str | Path) -> nn.Module:
    from transformers import AutoModel

    try:
        return AutoModel.from_pretrained(str(path), add_pooling_layer=False)
    except TypeError:  # encoders without a pooler option (e.g. DistilBERT)
        return AutoModel.from_pretrained(str(path))


def load_mlm(path: str | Path) -> tuple[nn.Module, nn.Module]:
    """The encoder of an MLM checkpoint and its pre-trained MLM head, whose vocabulary projection stays tied to the
    encoder's word embeddings (both come from one masked-LM model)."""
    from transformers import AutoModelForMaskedLM

    model, info = AutoModelForMaskedLM.from_pretrained(str(path), output_loading_info=True)
    heads = [child for name, child in model.named_children() if name != model.base_model_prefix]
    untrained = [key for key in info["missing_keys"] if not key.startswith(model.base_model_prefix)]
    if len(heads) != 1 or untrained:
        why = f"its weights lack {untrained[0]}" if untrained else f"{type(model).__name__} has no single head module"
        raise MLMHeadError(
            f"{path}: no pre-trained MLM head to continue MLM with ({why}); an MLM variant needs an "
            f"encoder saved with its MLM head (a hub MLM checkpoint such as xlm-roberta-large)"
        )
    return model.base_model, heads[0]


def masked_lm_loss(head: nn.Module, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """MLM loss with the vocabulary projection applied only at the masked positions (~15% of tokens): the same loss
    as a masked-LM model's own, without computing logits nobody reads."""
    masked = labels != -100
    if not masked.any():  # a batch of very short lines may draw no mask: nothing to learn, not a NaN
        return hidden.sum() * 0.0
    logits = head(hidden[masked])
    return nn.functional.cross_entropy(logits.float(), labels[masked])


class TaskModel(nn.Module):
    """Shared encoder, one head per task. ``heads_spec`` maps task name -> {"format", "labels"}; each task's
    format builds its head and computes its outputs and loss (stiltgrid.formats). ``mlm_head`` (MLM variants) is
    the encoder's MLM head, trained along and never saved."""

    def __init__(
        self, encoder: nn.Module, heads_spec: dict[str, dict], dropout: float = 0.1, mlm_head: nn.Module | None = None
    ):
        super().__init__()
        self.encoder = encoder
        self.heads_spec = heads_spec
        hidden = encoder.config.hidden_size
        self.formats = {name: get_format(spec["format"]) for name, spec in heads_spec.items()}
        self.heads = nn.ModuleDict(
            {
                name: self.formats[name].head(hidden, len(spec.get("labels") or []), dropout)
                for name, spec in heads_spec.items()
            }
        )
        if mlm_head is not None:  # registered only when present: other models' state dicts stay as they were
            self.mlm_head = mlm_head
        self._accepts_token_types = "token_type_ids" in encoder.forward.__code__.co_varnames

    def encode(self, batch: dict) -> torch.Tensor:
        inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
        if self._accepts_token_types and "token_type_ids" in batch:
            inputs["token_type_ids"] = batch["token_type_ids"]
        return self.encoder(**inputs).last_hidden_state

    def mlm_loss(self, batch: dict) -> torch.Tensor:
        return masked_lm_loss(self.mlm_head, self.encode(batch), batch["labels"])

    def forward(self, task: str, batch: dict) -> dict:
        """Returns logits (and ``loss`` when the batch carries labels)."""
        return self.formats[task].forward(self, self.heads[task], batch)

    # -- persistence ---------------------------------------------------------------------------------------------
    def save(self, out_dir: str | Path, tokenizer=None, with_heads: bool = True) -> None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(str(out_dir))
        if tokenizer is not None:
            tokenizer.save_pretrained(str(out_dir))
        if with_heads:
            torch.save(self.heads.state_dict(), out_dir / HEADS_FILE)
            (out_dir / HEADS_SPEC).write_text(json.dumps(self.heads_spec, indent=2))

    @classmethod
    def load(cls, model_dir: str | Path) -> TaskModel:
        model_dir = Path(model_dir)
        spec = json.loads((model_dir / HEADS_SPEC).read_text())
        model = cls(load_encoder(model_dir), spec)
        model.heads.load_state_dict(torch.load(model_dir / HEADS_FILE, map_location="cpu"))
        return model

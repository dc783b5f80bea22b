"""Sentence embeddings for retrieval: a chosen hidden layer, mean- or first-token-pooled, and how an encoder is
read when the settings say ``auto``: a sentence-embedding encoder the way it was trained (its last layer, its
pooling), a masked LM at the paper's middle layer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from stiltgrid.core.errors import UserError
from stiltgrid.core.hparams import AUTO, MLM_LAYER
from stiltgrid.runtime import process as runtime

#: sentence-transformers' pooling config and the modes retrieval can reproduce
POOLING_CONFIG = "1_Pooling/config.json"
POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


def sentence_pooling(model_dir: str | Path) -> tuple[str | None, str]:
    """(pooling, the file and key that say so) when ``model_dir`` holds a sentence-transformers encoder (its
    ``1_Pooling/config.json``, or the Pooling module ``modules.json`` names), else (None, "")."""
    model_dir = Path(model_dir)
    config = model_dir / POOLING_CONFIG
    modules = model_dir / "modules.json"
    if not config.exists() and modules.exists():
        try:
            listed = json.loads(modules.read_text())
        except ValueError as err:
            raise UserError(f"{modules}: not valid JSON ({err})") from None
        pooling = [m.get("path") for m in listed if str(m.get("type", "")).endswith("Pooling") and m.get("path")]
        config = model_dir / pooling[0] / "config.json" if pooling else config
    if not config.exists():
        return None, ""
    try:
        modes = json.loads(config.read_text())
    except ValueError as err:
        raise UserError(f"{config}: not valid JSON ({err})") from None
    on = [key for key, value in modes.items() if key.startswith("pooling_mode_") and value is True]
    if len(on) != 1 or on[0] not in POOLING_MODES:
        raise UserError(
            f"{config}: pooling {', '.join(on) or 'none'} is not one retrieval can reproduce (mean or "
            f"cls tokens): set retrieval.layer and retrieval.pooling in the preset"
        )
    return POOLING_MODES[on[0]], f"{config.relative_to(model_dir)} {on[0]}"


def reading(layer, pooling: str, model_dir: str | Path, declared=None) -> dict:
    """The layer setting (as ``retrieval.layer``) and pooling retrieval reads an encoder with, and the rule that
    chose them. Settings other than ``auto`` are kept as set. ``auto``: an encoder trained for sentence embeddings
    (``declared``, the model entry's ``sentence_embedding``, or else its sentence-transformers files) is read at its
    last layer with its pooling; any other (a masked LM) at MLM_LAYER of its depth, mean-pooled."""
    if layer != AUTO and pooling != AUTO:
        return {"layer": layer, "pooling": pooling, "rule": None}
    if declared is not None:
        found, where = (declared or None), f"declared: sentence_embedding {str(declared).lower()}"
    else:
        found, where = sentence_pooling(model_dir)
    if found:
        rule = f"sentence-embedding encoder ({where}): its last layer and {found} pooling, as it was trained"
        chosen = {"layer": -1, "pooling": found}
    else:
        why = where or f"no sentence-embedding files ({POOLING_CONFIG}, modules.json)"
        rule = f"masked LM ({why}): {MLM_LAYER} of its depth, the paper's layer for XLM-R, mean pooling"
        chosen = {"layer": MLM_LAYER, "pooling": "mean"}
    return {
        "layer": chosen["layer"] if layer == AUTO else layer,
        "pooling": chosen["pooling"] if pooling == AUTO else pooling,
        "rule": rule,
    }


@torch.no_grad()
def embed(
    encoder,
    tokenizer,
    texts: list[str],
    layer: int,
    pooling: str,
    max_length: int,
    batch_size: int,
    precision: str = "auto",
) -> np.ndarray:
    """One float32 row per text. ``layer`` indexes ``hidden_states`` (0 = embedding output)."""
    encoder.eval()
    dev = next(encoder.parameters()).device
    n_layers = encoder.config.num_hidden_layers
    if not 0 <= layer <= n_layers:
        raise ValueError(f"retrieval layer {layer} is outside 0..{n_layers} for this encoder")
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        batch = tokenizer(
            [texts[i] for i in chunk],
            truncation=True,
            padding=True,
            max_length=min(max_length, tokenizer.model_max_length),
            return_tensors="pt",
        ).to(dev)
        inputs = {k: v for k, v in batch.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        with runtime.autocast(precision, dev):
            states = encoder(**inputs, output_hidden_states=True).hidden_states[layer].float()
        if pooling == "mean":
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1)
        elif pooling == "cls":
            pooled = states[:, 0]
        else:
            raise ValueError(f"unknown pooling '{pooling}' (mean or cls)")
        out[chunk] = pooled.cpu().numpy()
    return out

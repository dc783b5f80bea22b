"""Sentence embeddings for retrieval: a chosen hidden layer, mean- or first-token-pooled."""

from __future__ import annotations

import numpy as np
import torch

from stiltgrid import runtime


@torch.no_grad()
def embed(encoder, tokenizer, texts: list[str], layer: int, pooling: str, max_length: int, batch_size: int,
          precision: str = "auto") -> np.ndarray:
    """One float32 row per text. ``layer`` indexes ``hidden_states`` (0 = embedding output)."""
    encoder.eval()
    dev = next(encoder.parameters()).device
    n_layers = encoder.config.num_hidden_layers
    if not 0 <= layer <= n_layers:
        raise ValueError(f"retrieval layer {layer} is outside 0..{n_layers} for this encoder")
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        batch = tokenizer([texts[i] for i in chunk], truncation=True, padding=True,
                          max_length=min(max_length, tokenizer.model_max_length),
                          return_tensors="pt").to(dev)
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

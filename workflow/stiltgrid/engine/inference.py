"""Batched forward passes without gradients, in length-sorted order (less padding), returning per-feature outputs."""

from __future__ import annotations

import torch

from stiltgrid.engine import features as F
from stiltgrid.runtime import process as runtime

_PER_TOKEN = ("start_logits", "end_logits")


@torch.no_grad()
def run(model, task_name: str, feats: list[dict], pad_id: int, batch_size: int, precision: str = "auto") -> list[dict]:
    model.eval()
    dev = next(model.parameters()).device
    order = sorted(range(len(feats)), key=lambda i: F.feature_length(feats[i]))
    outputs: list[dict | None] = [None] * len(feats)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        batch = F.collate([feats[i] for i in chunk], pad_id)
        batch = {k: v.to(dev) for k, v in batch.items() if k not in ("labels", "start_positions", "end_positions")}
        with runtime.autocast(precision, dev):
            out = model(task_name, batch)
        for row, i in enumerate(chunk):
            length = F.feature_length(feats[i])
            result = {}
            for key, value in out.items():
                per_token = key in _PER_TOKEN or (key == "logits" and value.dim() == 3)
                result[key] = (value[row, :length] if per_token else value[row]).float().cpu().numpy()
            outputs[i] = result
    return outputs


def predict(
    model,
    task_name: str,
    fmt: str,
    examples: list[dict],
    tokenizer,
    labels: list[str],
    max_length: int,
    batch_size: int,
    doc_stride: int = 128,
    precision: str = "auto",
) -> list:
    """One prediction per example (label, tag list, answer text or choice index)."""
    feats = F.featurize(fmt, examples, tokenizer, max_length, labels, doc_stride)
    outputs = run(model, task_name, feats, tokenizer.pad_token_id, batch_size, precision)
    return F.decode(fmt, examples, feats, outputs, labels)

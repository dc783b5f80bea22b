"""Examples (the JSONL formats) -> token features -> padded batches, and model outputs -> predictions.

Batches are padded to their own longest sequence (dynamic padding), never to max_length (``collate``'s ``pad_to``
exists only for the fixed-padding benchmark baseline).
"""

from __future__ import annotations

import torch

from stiltgrid.formats import get_format
from stiltgrid.formats.base import IGNORE


def _count(lengths: list[list[int]], limit: int) -> dict:
    return {
        "max_length": limit,
        "examples": len(lengths),
        "truncated": sum(any(n > limit for n in seqs) for seqs in lengths),
        "tokens": sum(n for seqs in lengths for n in seqs),
        "tokens_cut": sum(max(0, n - limit) for seqs in lengths for n in seqs),
    }


def truncation(fmt: str, examples: list[dict], tokenizer, max_length: int) -> dict | None:
    """What featurize cuts at ``max_length`` (capped as there): examples longer than it and their tokens lost.
    None for span QA, whose windows cover every context, and for no examples."""
    lengths = get_format(fmt).lengths(examples, tokenizer) if examples else None
    if lengths is None:
        return None
    return _count(lengths, min(max_length, tokenizer.model_max_length))


def text_truncation(texts: list[str], tokenizer, max_length: int) -> dict | None:
    """The same for texts embedded whole (retrieval)."""
    if not texts:
        return None
    enc = tokenizer(list(texts), verbose=False, return_attention_mask=False, return_token_type_ids=False)
    return _count([[len(ids)] for ids in enc["input_ids"]], min(max_length, tokenizer.model_max_length))


def featurize(
    fmt: str, examples: list[dict], tokenizer, max_length: int, labels: list[str], doc_stride: int = 128
) -> list[dict]:
    """Token features for one task; each feature keeps ``example_index`` (QA windows map back to examples).

    ``max_length`` is capped at the tokenizer's ``model_max_length`` (the encoder's position capacity)."""
    max_length = min(max_length, tokenizer.model_max_length)
    return get_format(fmt).encode(
        examples, tokenizer, max_length, {label: i for i, label in enumerate(labels)}, doc_stride
    )


def feature_length(feature: dict) -> int:
    ids = feature["input_ids"]
    return max(len(seq) for seq in ids) if ids and isinstance(ids[0], list) else len(ids)


def collate(features: list[dict], pad_id: int, pad_to: int | None = None) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest sequence. Multiple-choice features are padded over (choices, length).

    ``pad_to`` pads to at least that length instead (fixed padding, as jiant does; used as a benchmark baseline)."""
    multi = isinstance(features[0]["input_ids"][0], list)
    longest = max(max(feature_length(f) for f in features), pad_to or 0)
    if multi:
        n_choices = max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), n_choices, longest), pad_id, dtype=torch.long)
        for i, f in enumerate(features):
            for c, seq in enumerate(f["input_ids"]):
                ids[i, c, : len(seq)] = torch.tensor(seq)
    else:
        ids = torch.full((len(features), longest), pad_id, dtype=torch.long)
        for i, f in enumerate(features):
            ids[i, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
    batch = {"input_ids": ids, "attention_mask": (ids != pad_id).long()}
    if "token_type_ids" in features[0] and not multi:
        types = torch.zeros_like(ids)
        for i, f in enumerate(features):
            types[i, : len(f["token_type_ids"])] = torch.tensor(f["token_type_ids"])
        batch["token_type_ids"] = types
    if "labels" in features[0]:
        if isinstance(features[0]["labels"], list):
            labels = torch.full((len(features), longest), IGNORE, dtype=torch.long)
            for i, f in enumerate(features):
                labels[i, : len(f["labels"])] = torch.tensor(f["labels"])
            batch["labels"] = labels
        else:
            batch["labels"] = torch.tensor([f["labels"] for f in features])
    for key in ("start_positions", "end_positions"):
        if key in features[0]:
            batch[key] = torch.tensor([f[key] for f in features])
    return batch


# -- outputs -> predictions ------------------------------------------------------------------------------------------
def decode(
    fmt: str,
    examples: list[dict],
    features: list[dict],
    outputs: list[dict],
    labels: list[str],
    max_answer_tokens: int = 30,
) -> list:
    """One prediction per example: a label, a tag list, an answer string or a choice index."""
    return get_format(fmt).decode(examples, features, outputs, labels, max_answer_tokens)

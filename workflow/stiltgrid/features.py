"""Examples (the JSONL formats) -> token features -> padded batches, and model outputs -> predictions.

Batches are padded to their own longest sequence (dynamic padding), never to max_length (``collate``'s ``pad_to``
exists only for the fixed-padding benchmark baseline).
"""

from __future__ import annotations

import numpy as np
import torch

IGNORE = -100


def label_list(task, train_examples: list[dict], dev_examples: list[dict] = ()) -> list[str]:
    """The task's declared labels, or for open tag sets (e.g. CCG, UD-POS) the sorted tags seen in English data."""
    if task.labels:
        return list(task.labels)
    if task.format == "tagging":
        return sorted({tag for ex in list(train_examples) + list(dev_examples) for tag in ex["tags"]})
    return []


def with_prefix(fmt: str, examples: list[dict], prefix: str) -> list[dict]:
    """Classification and pair-classification examples with ``prefix`` before their (first) text, as encoders
    trained with instructions expect (E5's "query: "); other formats, and an empty prefix, unchanged."""
    if not prefix or fmt not in ("classification", "pair_classification"):
        return examples
    key = "text_a" if fmt == "pair_classification" else "text"
    return [{**ex, key: prefix + ex[key]} for ex in examples]


def _lengths(fmt: str, examples: list[dict], tokenizer) -> list[list[int]]:
    """Untruncated token counts (special tokens included) of each example's sequences, as featurize builds them."""
    quiet = {"verbose": False, "return_attention_mask": False, "return_token_type_ids": False}
    if fmt in ("classification", "pair_classification"):
        pair = "text_a" in examples[0]
        enc = tokenizer([ex["text_a"] if pair else ex["text"] for ex in examples],
                        [ex["text_b"] for ex in examples] if pair else None, **quiet)
        return [[len(ids)] for ids in enc["input_ids"]]
    if fmt == "tagging":
        enc = tokenizer([ex["tokens"] for ex in examples], is_split_into_words=True, **quiet)
        return [[len(ids)] for ids in enc["input_ids"]]
    if fmt == "multiple_choice":
        prompts = [" ".join(part for part in (ex["context"], ex["question"]) if part) for ex in examples]
        firsts = [prompt for prompt, ex in zip(prompts, examples) for _ in ex["choices"]]
        enc = tokenizer(firsts, [c for ex in examples for c in ex["choices"]], **quiet)
        lengths, cursor = [], 0
        for ex in examples:
            lengths.append([len(ids) for ids in enc["input_ids"][cursor:cursor + len(ex["choices"])]])
            cursor += len(ex["choices"])
        return lengths
    raise ValueError(f"no truncation count for format '{fmt}'")


def _count(lengths: list[list[int]], limit: int) -> dict:
    return {"max_length": limit, "examples": len(lengths),
            "truncated": sum(any(n > limit for n in seqs) for seqs in lengths),
            "tokens": sum(n for seqs in lengths for n in seqs),
            "tokens_cut": sum(max(0, n - limit) for seqs in lengths for n in seqs)}


def truncation(fmt: str, examples: list[dict], tokenizer, max_length: int) -> dict | None:
    """What featurize cuts at ``max_length`` (capped as there): examples longer than it and their tokens lost.
    None for span QA, whose windows cover every context, and for no examples."""
    if fmt == "span_qa" or not examples:
        return None
    return _count(_lengths(fmt, examples, tokenizer), min(max_length, tokenizer.model_max_length))


def text_truncation(texts: list[str], tokenizer, max_length: int) -> dict | None:
    """The same for texts embedded whole (retrieval)."""
    if not texts:
        return None
    enc = tokenizer(list(texts), verbose=False, return_attention_mask=False, return_token_type_ids=False)
    return _count([[len(ids)] for ids in enc["input_ids"]], min(max_length, tokenizer.model_max_length))


def featurize(fmt: str, examples: list[dict], tokenizer, max_length: int, labels: list[str],
              doc_stride: int = 128) -> list[dict]:
    """Token features for one task; each feature keeps ``example_index`` (QA windows map back to examples).

    ``max_length`` is capped at the tokenizer's ``model_max_length`` (the encoder's position capacity)."""
    encoder = _ENCODERS[fmt]
    max_length = min(max_length, tokenizer.model_max_length)
    return encoder(examples, tokenizer, max_length, {label: i for i, label in enumerate(labels)}, doc_stride)


def _encode_classification(examples, tokenizer, max_length, label_ids, _stride):
    pair = "text_a" in examples[0]
    first = [ex["text_a"] if pair else ex["text"] for ex in examples]
    second = [ex["text_b"] for ex in examples] if pair else None
    enc = tokenizer(first, second, truncation=True, max_length=max_length)
    features = []
    for i, ex in enumerate(examples):
        feature = {"input_ids": enc["input_ids"][i], "example_index": i}
        if "token_type_ids" in enc:
            feature["token_type_ids"] = enc["token_type_ids"][i]
        if ex.get("label") in label_ids:
            feature["labels"] = label_ids[ex["label"]]
        features.append(feature)
    return features


def _encode_tagging(examples, tokenizer, max_length, label_ids, _stride):
    enc = tokenizer([ex["tokens"] for ex in examples], is_split_into_words=True, truncation=True, max_length=max_length)
    features = []
    for i, ex in enumerate(examples):
        word_ids = enc.word_ids(i)
        labels, first_subword, previous = [], [], None
        for position, word in enumerate(word_ids):
            is_first = word is not None and word != previous
            tag = ex["tags"][word] if is_first else None
            labels.append(label_ids.get(tag, IGNORE) if is_first else IGNORE)
            if is_first:
                first_subword.append(position)
            previous = word
        feature = {"input_ids": enc["input_ids"][i], "labels": labels, "example_index": i,
                   "first_subword": first_subword}
        if "token_type_ids" in enc:
            feature["token_type_ids"] = enc["token_type_ids"][i]
        features.append(feature)
    return features


def _encode_span_qa(examples, tokenizer, max_length, _label_ids, doc_stride):
    """SQuAD-style windows over long contexts; the answer is at the <s> token when outside a window."""
    questions = [ex["question"].lstrip() for ex in examples]
    stride = min(doc_stride, max_length // 2)
    try:
        enc = tokenizer(questions, [ex["context"] for ex in examples], truncation="only_second",
                        max_length=max_length, stride=stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True)
    except BaseException as err:  # the Rust tokenizer panics (a BaseException) when a window has no room left
        if type(err).__name__ != "PanicException" or "stride" not in str(err):
            raise
        from stiltgrid.config import ConfigError

        longest = max(len(ids) for ids in tokenizer(questions)["input_ids"])
        raise ConfigError(f"max_length {max_length} leaves too little room for the context after the longest "
                          f"question ({longest} tokens) with a window stride of {stride} (doc_stride): raise "
                          f"max_length or lower doc_stride in the preset's training settings") from None
    features = []
    for f, example_index in enumerate(enc["overflow_to_sample_mapping"]):
        ex = examples[example_index]
        sequence_ids = enc.sequence_ids(f)
        offsets = [off if sequence_ids[k] == 1 else None for k, off in enumerate(enc["offset_mapping"][f])]
        feature = {"input_ids": enc["input_ids"][f], "example_index": example_index, "offsets": offsets}
        answers = ex["answers"]
        if answers["text"]:
            start_char = answers["answer_start"][0]
            end_char = start_char + len(answers["text"][0])
            start = end = 0
            context_positions = [k for k, off in enumerate(offsets) if off is not None]
            if context_positions and offsets[context_positions[0]][0] <= start_char \
                    and offsets[context_positions[-1]][1] >= end_char:
                start = next(k for k in context_positions if offsets[k][1] > start_char)
                end = next(k for k in reversed(context_positions) if offsets[k][0] < end_char)
            feature["start_positions"], feature["end_positions"] = start, end
        features.append(feature)
    return features


def _encode_multiple_choice(examples, tokenizer, max_length, _label_ids, _stride):
    firsts, seconds = [], []
    for ex in examples:
        prompt = " ".join(part for part in (ex["context"], ex["question"]) if part)
        for choice in ex["choices"]:
            firsts.append(prompt)
            seconds.append(choice)
    enc = tokenizer(firsts, seconds, truncation=True, max_length=max_length)
    features, cursor = [], 0
    for i, ex in enumerate(examples):
        n = len(ex["choices"])
        features.append({"input_ids": enc["input_ids"][cursor:cursor + n], "labels": ex["label"], "example_index": i})
        cursor += n
    return features


_ENCODERS = {
    "classification": _encode_classification,
    "pair_classification": _encode_classification,
    "tagging": _encode_tagging,
    "span_qa": _encode_span_qa,
    "multiple_choice": _encode_multiple_choice,
}


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
                ids[i, c, :len(seq)] = torch.tensor(seq)
    else:
        ids = torch.full((len(features), longest), pad_id, dtype=torch.long)
        for i, f in enumerate(features):
            ids[i, :len(f["input_ids"])] = torch.tensor(f["input_ids"])
    batch = {"input_ids": ids, "attention_mask": (ids != pad_id).long()}
    if "token_type_ids" in features[0] and not multi:
        types = torch.zeros_like(ids)
        for i, f in enumerate(features):
            types[i, :len(f["token_type_ids"])] = torch.tensor(f["token_type_ids"])
        batch["token_type_ids"] = types
    if "labels" in features[0]:
        if isinstance(features[0]["labels"], list):
            labels = torch.full((len(features), longest), IGNORE, dtype=torch.long)
            for i, f in enumerate(features):
                labels[i, :len(f["labels"])] = torch.tensor(f["labels"])
            batch["labels"] = labels
        else:
            batch["labels"] = torch.tensor([f["labels"] for f in features])
    for key in ("start_positions", "end_positions"):
        if key in features[0]:
            batch[key] = torch.tensor([f[key] for f in features])
    return batch


# -- outputs -> predictions ------------------------------------------------------------------------------------------
def decode(fmt: str, examples: list[dict], features: list[dict], outputs: list[dict], labels: list[str],
           max_answer_tokens: int = 30) -> list:
    """One prediction per example: a label, a tag list, an answer string or a choice index."""
    if fmt in ("classification", "pair_classification"):
        return [labels[int(np.argmax(o["logits"]))] for o in outputs]
    if fmt == "multiple_choice":
        return [int(np.argmax(o["logits"])) for o in outputs]
    if fmt == "tagging":
        fallback = "O" if "O" in labels else labels[0]
        predictions = []
        for ex, feature, o in zip(examples, features, outputs):
            tags = [labels[int(np.argmax(o["logits"][p]))] for p in feature["first_subword"]]
            predictions.append(tags + [fallback] * (len(ex["tokens"]) - len(tags)))  # words cut by truncation
        return predictions
    if fmt == "span_qa":
        best: dict[int, tuple[float, str]] = {}
        for feature, o in zip(features, outputs):
            i = feature["example_index"]
            text, score = _best_span(examples[i]["context"], feature["offsets"], o["start_logits"], o["end_logits"],
                                     max_answer_tokens)
            if i not in best or score > best[i][0]:
                best[i] = (score, text)
        return [best.get(i, (0.0, ""))[1] for i in range(len(examples))]
    raise ValueError(f"cannot decode format '{fmt}'")


def _best_span(context, offsets, start_logits, end_logits, max_answer_tokens, n_best=20):
    def candidates(logits):  # the n_best positions by logit that lie in the context
        top = np.argsort(logits)[::-1][:n_best]
        return np.array([k for k in top if k < len(offsets) and offsets[k] is not None], dtype=np.int64)

    starts, ends = candidates(start_logits), candidates(end_logits)
    # every (start, end) pair at once (float32 sums, as pair by pair); argmax takes the first best pair in
    # (start rank, end rank) order, which is the pair a loop keeping only strictly better scores would keep
    scores = start_logits[starts][:, None] + end_logits[ends][None, :]
    width = ends[None, :] - starts[:, None] + 1
    scores = np.where((width >= 1) & (width <= max_answer_tokens) & ~np.isnan(scores), scores, -np.inf)
    if not scores.size or scores.max() == -np.inf:
        return "", -np.inf
    s, e = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return context[offsets[starts[s]][0]:offsets[ends[e]][1]].strip(), float(scores[s, e])

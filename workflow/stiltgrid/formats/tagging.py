"""``tagging``: one tag per token (e.g. UD-POS, PAN-X with BIO tags, CCG supertags).

    {"id": str, "tokens": [str, ...], "tags": [str, ...]}      same length, one tag per token

The loss and the predictions are on each word's first sub-word; words cut by ``max_length`` are predicted as "O"
(or the first label). A tagging task may leave its label set open: the tags seen in its English data.
"""

from __future__ import annotations

import copy

from stiltgrid.formats.base import IGNORE, FieldSpec, Format, FormatError, most_common


class Tagging(Format):
    name = "tagging"
    fields = (FieldSpec("id", str), FieldSpec("tokens", list), FieldSpec("tags", list))
    open_labels = True
    token_level = True
    metric = "seqeval_f1"
    category = "structured_prediction"
    zero_chance = True
    example = {"id": "pos-1", "tokens": ["the", "dog", "sees", "Anna"], "tags": ["DET", "NOUN", "VERB", "PROPN"]}

    def check_values(self, ex, where, labels):
        tokens, tags = ex["tokens"], ex["tags"]
        if len(tokens) != len(tags):
            raise FormatError(f"{where}: field 'tags' has {len(tags)} tags for {len(tokens)} tokens")
        if not tokens:
            raise FormatError(f"{where}: field 'tokens' is empty")
        if labels is not None:
            for tag in tags:
                if tag not in labels:
                    raise FormatError(f"{where}: field 'tags' has '{tag}', not in the label set {sorted(labels)}")

    def label_list(self, task, train, dev=()):
        if task.labels:
            return list(task.labels)
        return sorted({tag for ex in list(train) + list(dev) for tag in ex["tags"]})

    def gold(self, examples):
        return [ex["tags"] for ex in examples]

    def accuracy_items(self, examples, predictions):
        """Token-level accuracy (e.g. CCG supertagging)."""
        return [tag for seq in predictions for tag in seq], [tag for ex in examples for tag in ex["tags"]]

    def constant_prediction(self, dev):
        tag = most_common(t for ex in dev for t in ex["tags"])
        return [[tag] * len(ex["tokens"]) for ex in dev], f"'{tag}' for every token"

    def collapse(self, examples, predictions):
        predicted, gold = {t for p in predictions for t in p}, {t for ex in examples for t in ex["tags"]}
        if len(predicted) != 1 or len(gold) < 2:
            return None
        (value,) = predicted
        return (
            f"predictions collapsed to one class: all {sum(len(p) for p in predictions)} predicted tags are "
            f"'{value}' while the gold labels have {len(gold)} classes"
        )

    def text_items(self, ex):
        return [(f"tokens.{i}", token) for i, token in enumerate(ex["tokens"])]

    def rewrite(self, ex, text_edits, token_fn):
        out = copy.deepcopy(ex)
        tokens, tags = token_fn(list(ex["tokens"]), list(ex["tags"]))
        if len(tokens) != len(ex["tokens"]) or len(tags) != len(tokens):
            raise AssertionError(f"{ex['id']}: a tagging perturbation changed the token count")
        out["tokens"], out["tags"] = tokens, tags
        return out, sum(a != b for a, b in zip(tokens, ex["tokens"]))

    def lengths(self, examples, tokenizer):
        enc = tokenizer(
            [ex["tokens"] for ex in examples],
            is_split_into_words=True,
            verbose=False,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        return [[len(ids)] for ids in enc["input_ids"]]

    def encode(self, examples, tokenizer, max_length, label_ids, doc_stride):
        enc = tokenizer(
            [ex["tokens"] for ex in examples], is_split_into_words=True, truncation=True, max_length=max_length
        )
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
            feature = {
                "input_ids": enc["input_ids"][i],
                "labels": labels,
                "example_index": i,
                "first_subword": first_subword,
            }
            if "token_type_ids" in enc:
                feature["token_type_ids"] = enc["token_type_ids"][i]
            features.append(feature)
        return features

    def head(self, hidden, num_labels, dropout):
        from stiltgrid.formats.heads import TaggingHead

        return TaggingHead(hidden, num_labels, dropout)

    def decode(self, examples, features, outputs, labels, max_answer_tokens):
        import numpy as np

        fallback = "O" if "O" in labels else labels[0]
        predictions = []
        for ex, feature, o in zip(examples, features, outputs):
            tags = [labels[int(np.argmax(o["logits"][p]))] for p in feature["first_subword"]]
            predictions.append(tags + [fallback] * (len(ex["tokens"]) - len(tags)))  # words cut by truncation
        return predictions


FORMAT = Tagging()

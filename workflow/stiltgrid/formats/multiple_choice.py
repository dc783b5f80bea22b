"""``multiple_choice``: a prompt and its choices (e.g. HellaSwag, CosmosQA, CommonsenseQA, XCOPA).

    {"id": str, "context": str, "question": str, "choices": [str, ...], "label": int}

``context`` or ``question`` may be the empty string; ``label`` indexes ``choices``. Each (prompt, choice) pair is one
sequence; the head scores each and the choices compete in a softmax.
"""

from __future__ import annotations

from stiltgrid.formats.base import FieldSpec, Format, FormatError


def _prompt(ex: dict) -> str:
    return " ".join(part for part in (ex["context"], ex["question"]) if part)


class MultipleChoice(Format):
    name = "multiple_choice"
    fields = (
        FieldSpec("id", str),
        FieldSpec("context", str),
        FieldSpec("question", str),
        FieldSpec("choices", list),
        FieldSpec("label", int),
    )
    text_fields = ("context", "question", "choices")
    label_field = "label"
    multi_sequence = True
    example = {
        "id": "swag-1",
        "context": "The dog sees the fish.",
        "question": "What happens next?",
        "choices": ["The dog eats the fish.", "The fish reads a book."],
        "label": 0,
    }

    def check_values(self, ex, where, labels):
        if not 0 <= ex["label"] < len(ex["choices"]):
            raise FormatError(f"{where}: field 'label' {ex['label']} is outside 0..{len(ex['choices']) - 1}")

    def chance(self, n_labels=None, n_choices=None):
        if not n_choices:
            raise ValueError("chance_level: multiple choice needs n_choices")
        return 100.0 / n_choices

    def describe_label(self, label):
        return f"choice {label}"

    def describe_prediction(self, value):
        return f"choice {value}"

    def _pairs(self, examples, tokenizer, **kwargs):
        firsts = [_prompt(ex) for ex in examples for _ in ex["choices"]]
        return tokenizer(firsts, [c for ex in examples for c in ex["choices"]], **kwargs)

    @staticmethod
    def _per_example(examples, rows):
        """Rows of the flat (prompt, choice) list, grouped back per example."""
        out, cursor = [], 0
        for ex in examples:
            out.append(rows[cursor : cursor + len(ex["choices"])])
            cursor += len(ex["choices"])
        return out

    def lengths(self, examples, tokenizer):
        enc = self._pairs(examples, tokenizer, verbose=False, return_attention_mask=False, return_token_type_ids=False)
        return [[len(ids) for ids in rows] for rows in self._per_example(examples, enc["input_ids"])]

    def encode(self, examples, tokenizer, max_length, label_ids, doc_stride):
        enc = self._pairs(examples, tokenizer, truncation=True, max_length=max_length)
        return [
            {"input_ids": rows, "labels": ex["label"], "example_index": i}
            for i, (ex, rows) in enumerate(zip(examples, self._per_example(examples, enc["input_ids"])))
        ]

    def head(self, hidden, num_labels, dropout):
        from stiltgrid.formats.heads import ClassificationHead

        return ClassificationHead(hidden, 1, dropout)  # one score per (prompt, choice) sequence

    def forward(self, model, head, batch):
        from torch import nn

        n, c, length = batch["input_ids"].shape
        flat = {k: v.view(n * c, length) for k, v in batch.items() if v.dim() == 3}
        logits = head(model.encode(flat)).view(n, c)
        out = {"logits": logits}
        if "labels" in batch:
            out["loss"] = nn.functional.cross_entropy(logits, batch["labels"])
        return out

    def decode(self, examples, features, outputs, labels, max_answer_tokens):
        import numpy as np

        return [int(np.argmax(o["logits"])) for o in outputs]


FORMAT = MultipleChoice()

"""``classification``: one sentence, one label (e.g. SST-2).

{"id": str, "text": str, "label": str}      the label is one of the task's declared labels
"""

from __future__ import annotations

from stiltgrid.formats.base import FieldSpec, Format, FormatError


class Classification(Format):
    name = "classification"
    fields = (FieldSpec("id", str), FieldSpec("text", str), FieldSpec("label", str))
    text_fields = ("text",)
    label_field = "label"
    prefix_field = "text"
    needs_labels = True
    example = {"id": "sst-1", "text": "the dog sees the fish", "label": "positive"}

    def check_values(self, ex, where, labels):
        if labels is not None and ex["label"] not in labels:
            raise FormatError(f"{where}: field 'label' is '{ex['label']}', not in the label set {sorted(labels)}")

    def _texts(self, examples):
        """First and (for pairs) second sequence of every example."""
        return [ex["text"] for ex in examples], None

    def lengths(self, examples, tokenizer):
        first, second = self._texts(examples)
        enc = tokenizer(first, second, verbose=False, return_attention_mask=False, return_token_type_ids=False)
        return [[len(ids)] for ids in enc["input_ids"]]

    def encode(self, examples, tokenizer, max_length, label_ids, doc_stride):
        first, second = self._texts(examples)
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

    def head(self, hidden, num_labels, dropout):
        from stiltgrid.formats.heads import ClassificationHead

        return ClassificationHead(hidden, num_labels, dropout)

    def decode(self, examples, features, outputs, labels, max_answer_tokens):
        import numpy as np

        return [labels[int(np.argmax(o["logits"]))] for o in outputs]


FORMAT = Classification()

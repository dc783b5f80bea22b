"""``pair_classification``: two sentences, one label (e.g. MNLI, QQP, ANLI, XNLI, PAWS-X).

{"id": str, "text_a": str, "text_b": str, "label": str}
"""

from __future__ import annotations

from stiltgrid.formats.base import FieldSpec
from stiltgrid.formats.classification import Classification


class PairClassification(Classification):
    name = "pair_classification"
    fields = (FieldSpec("id", str), FieldSpec("text_a", str), FieldSpec("text_b", str), FieldSpec("label", str))
    text_fields = ("text_a", "text_b")
    prefix_field = "text_a"
    example = {
        "id": "mnli-1",
        "text_a": "the dog sees the fish",
        "text_b": "an animal sees a fish",
        "label": "entailment",
    }

    def _texts(self, examples):
        return [ex["text_a"] for ex in examples], [ex["text_b"] for ex in examples]


FORMAT = PairClassification()

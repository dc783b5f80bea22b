"""What a data format is: its fields and their checks, and every piece of the engine that differs by format.

A :class:`Format` says how an example in that format is validated, featurised and padded, which head and loss train
on it, how outputs decode to predictions, which fields a perturbation or augmentation may rewrite, and its chance
level. The engine never tests a format's name: it asks the format (``stiltgrid.formats.get_format(name)``).
Torch and numpy are imported inside the methods that need them, so reading a config or a data file stays light.
"""

from __future__ import annotations

import bisect
import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stiltgrid.core.errors import UserError

IGNORE = -100  # label id the loss skips (padding, non-first sub-words)

Edit = tuple[int, int, str]  # replace text[start:end] by the string
TextEdits = Callable[[str, str, list[tuple[int, int]]], list[Edit]]  # (field key, text, protected spans) -> edits
TokenFn = Callable[[list[str], list[str]], tuple[list[str], list[str]]]  # (tokens, tags) -> (tokens, tags)


class FormatError(UserError, ValueError):
    """A data file does not match its declared format; the message names the file, the line and the field."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: type | tuple[type, ...]
    nullable: bool = False


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, Callable[[int], int]]:
    """Apply non-overlapping edits; also return a map from an old offset (not strictly inside an edit) to the new
    one, for moving answer offsets."""
    edits = sorted(edits)
    for (_, e1, _), (s2, _, _) in zip(edits, edits[1:]):
        if s2 < e1:
            raise AssertionError(f"overlapping edits at offset {s2}")
    parts, ends, shifts, pos, shift = [], [], [], 0, 0
    for s, e, new in edits:
        parts.append(text[pos:s])
        parts.append(new)
        pos = e
        shift += len(new) - (e - s)
        ends.append(e)
        shifts.append(shift)
    parts.append(text[pos:])

    def mapper(p: int) -> int:
        k = bisect.bisect_right(ends, p)
        return p + (shifts[k - 1] if k else 0)

    return "".join(parts), mapper


def cuts(s: int, e: int, a: int, b: int) -> bool:
    """Does the edit s:e cut the span a:b (overlap it without lying inside it)?"""
    if a <= s and e <= b:
        return False
    return s < b and a < e if b > a else s < a < e


def most_common(values):
    return Counter(values).most_common(1)[0][0]


class Format:
    """One data format. Subclasses set the attributes and override the hooks their format needs."""

    name: str = ""
    fields: tuple[FieldSpec, ...] = ()
    #: one valid example, for the documentation and the tests every format runs
    example: dict = {}
    #: free-text fields that perturbations and augmentation rewrite, in a fixed order (random choices key on them)
    text_fields: tuple[str, ...] = ()
    #: the field holding an example's single label, if it has one (stratified dev samples, parallel translations)
    label_field: str | None = None
    #: the field a prompt prefix goes before (encoders trained with instructions, e.g. E5's "query: "), if any
    prefix_field: str | None = None
    #: a declared task in this format must list its labels; ``open_labels``: else the tags of its English data
    needs_labels: bool = False
    open_labels: bool = False
    #: examples are token sequences with one tag per token (perturbations work on tokens, tags travel with them)
    token_level: bool = False
    #: an example is several sequences (one per choice), padded over (choices, length)
    multi_sequence: bool = False
    #: rewrites reach one side of a pairing only (retrieval ``src`` lines): renaming entities would break it
    one_sided: bool = False
    #: fine-tuned with a head; otherwise scored on the encoder's embeddings
    trainable: bool = True
    #: defaults of a task declared in config: its metric and XTREME category
    metric: str = "accuracy"
    category: str = "classification"
    #: open-ended outputs (tags, spans): chance level 0
    zero_chance: bool = False

    def __repr__(self) -> str:
        return f"<format {self.name}>"

    # -- validation --------------------------------------------------------------------------------------------
    def check(self, ex: Any, where: str, labels: frozenset[str] | None = None) -> None:
        """Raise :class:`FormatError` naming ``where`` and the field when ``ex`` is not a valid example."""
        if not isinstance(ex, dict):
            raise FormatError(f"{where}: expected a JSON object, got {type(ex).__name__}")
        for spec in self.fields:
            if spec.name not in ex:
                raise FormatError(f"{where}: missing field '{spec.name}' (format {self.name})")
            value = ex[spec.name]
            if value is None and spec.nullable:
                continue
            if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
                raise FormatError(
                    f"{where}: field '{spec.name}' must be {_kind_name(spec.kind)}, got {type(value).__name__}"
                )
        self.check_values(ex, where, labels)

    def check_values(self, ex: dict, where: str, labels: frozenset[str] | None) -> None:
        """Checks beyond the fields' types."""

    # -- labels and gold ---------------------------------------------------------------------------------------
    def label_list(self, task, train: list[dict], dev: list[dict] = ()) -> list[str]:
        """The task's declared labels (an open tag set: the sorted tags seen in the English data)."""
        return list(task.labels) if task.labels else []

    def gold(self, examples: list[dict]) -> list:
        return [ex[self.label_field] for ex in examples]

    def accuracy_items(self, examples: list[dict], predictions: list) -> tuple[list, list]:
        """(predicted, gold) items that accuracy counts."""
        return list(predictions), self.gold(examples)

    def chance(self, n_labels: int | None = None, n_choices: int | None = None) -> float:
        """Chance level (0-100) of a task in this format."""
        if self.zero_chance:
            return 0.0
        if not n_labels:
            raise ValueError(f"chance_level: format {self.name!r} needs n_labels")
        return 100.0 / n_labels

    # -- guards ------------------------------------------------------------------------------------------------
    def describe_label(self, label) -> str:
        """A label in a sentence about the constant baseline."""
        return f"'{label}'"

    def describe_prediction(self, value) -> str:
        """A predicted value in a sentence about collapsed predictions."""
        return repr(value)

    def constant_prediction(self, dev: list[dict]) -> tuple[list, str]:
        """The best constant prediction for every dev example (the majority label) and how to say it."""
        label = most_common(self.gold(dev))
        return [label] * len(dev), f"always {self.describe_label(label)}"

    def collapse(self, examples: list[dict], predictions: list) -> str | None:
        """How the predictions collapsed to one class while the gold has several, or None."""
        predicted, gold = set(predictions), set(self.gold(examples))
        if len(predicted) != 1 or len(gold) < 2:
            return None
        (value,) = predicted
        return (
            f"predictions collapsed to one class: all {len(predictions)} predictions are "
            f"{self.describe_prediction(value)} while the gold labels have {len(gold)} classes"
        )

    # -- text rewriting (perturbations, augmentation) ----------------------------------------------------------
    def with_prefix(self, examples: list[dict], prefix: str) -> list[dict]:
        """Examples with ``prefix`` before their prefix field; unchanged without one."""
        if not prefix or not self.prefix_field:
            return examples
        key = self.prefix_field
        return [{**ex, key: prefix + ex[key]} for ex in examples]

    def text_items(self, ex: dict) -> list[tuple[str, str]]:
        """(key, text) of every free text of ``ex``, in a fixed order; a list field's items are ``field.i``."""
        items = []
        for name in self.text_fields:
            value = ex[name]
            if isinstance(value, list):
                items += [(f"{name}.{i}", item) for i, item in enumerate(value)]
            else:
                items.append((name, value))
        return items

    def all_text(self, ex: dict) -> str:
        return " ".join(text for _, text in self.text_items(ex))

    def rewrite(self, ex: dict, text_edits: TextEdits, token_fn: TokenFn) -> tuple[dict, int]:
        """A copy of ``ex`` with ``text_edits`` applied to each free text (tagging: ``token_fn`` to tokens and tags);
        also the number of edits."""
        out, n_edits = copy.deepcopy(ex), 0
        for key, text in self.text_items(ex):
            n_edits += self.rewrite_text(ex, out, key, text, text_edits)
        return out, n_edits

    def protected_spans(self, ex: dict, key: str) -> list[tuple[int, int]]:
        """Spans of the text at ``key`` that a rewrite may move but never cut (span QA answers)."""
        return []

    def rewrite_text(self, ex: dict, out: dict, key: str, text: str, text_edits: TextEdits) -> int:
        edits = text_edits(key, text, [])
        name, _, index = key.partition(".")
        if index:
            out[name][int(index)] = apply_edits(text, edits)[0]
        else:
            out[name] = apply_edits(text, edits)[0]
        return len(edits)

    # -- the model side ----------------------------------------------------------------------------------------
    def lengths(self, examples: list[dict], tokenizer) -> list[list[int]] | None:
        """Untruncated token counts of each example's sequences, as :meth:`encode` builds them; None when the
        format never truncates (span QA windows cover every context)."""
        raise NotImplementedError(f"format {self.name} is not featurised")

    def encode(self, examples: list[dict], tokenizer, max_length: int, label_ids: dict, doc_stride: int) -> list[dict]:
        """Token features; each keeps ``example_index`` (QA windows map back to examples)."""
        raise NotImplementedError(f"format {self.name} is not featurised")

    def head(self, hidden: int, num_labels: int, dropout: float):
        raise NotImplementedError(f"format {self.name} has no head")

    def forward(self, model, head, batch: dict) -> dict:
        """Logits of one batch (and ``loss`` when it carries labels): one row of logits per sequence or token."""
        from torch import nn

        logits = head(model.encode(batch))
        out = {"logits": logits}
        if "labels" in batch:
            out["loss"] = nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), batch["labels"].reshape(-1), ignore_index=IGNORE
            )
        return out

    def decode(
        self, examples: list[dict], features: list[dict], outputs: list[dict], labels: list[str], max_answer_tokens: int
    ) -> list:
        """One prediction per example."""
        raise NotImplementedError(f"format {self.name} is not decoded")

"""Multiple-choice intermediate tasks: HellaSwag, Cosmos QA, CommonsenseQA.

The parsers of the three tasks; each repository and its facts (config, splits, columns, labels, rows) are declared
in the task's module (stiltgrid.tasks.hellaswag, .cosmosqa, .commonsenseqa).

Formatting follows jiant: HellaSwag context = ctx_a, each choice = ctx_b + " " + ending; Cosmos QA context and
question as given, the four answers as choices; CommonsenseQA no context, the question, five choices in label order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from stiltgrid.core.paths import split_file
from stiltgrid.hub.base import Drops, HubRef, Part, Read, Source

_SPLITS = {"train": "train", "dev": "validation"}


def _label(value, n: int) -> int | None:
    try:
        label = int(value)
    except (TypeError, ValueError):
        return None
    return label if 0 <= label < n else None


def hellaswag_rows(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    for i, row in enumerate(rows):
        endings = [str(e).strip() for e in (row.get("endings") or [])]
        label = _label(row.get("label"), len(endings))
        if label is None or len(endings) < 2:
            drops.add("no gold label")
            continue
        ctx_b = (row.get("ctx_b") or "").strip()
        choices = [f"{ctx_b} {e}".strip() for e in endings]
        rid = row.get("ind")
        yield {
            "id": f"{prefix}-{rid if rid is not None else i}",
            "context": (row.get("ctx_a") or "").strip(),
            "question": "",
            "choices": choices,
            "label": label,
        }


def cosmosqa_rows(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    for i, row in enumerate(rows):
        choices = [str(row.get(f"answer{k}") or "").strip() for k in range(4)]
        label = _label(row.get("label"), 4)
        if label is None:
            drops.add("no gold label")
            continue
        rid = row.get("id")
        yield {
            "id": f"{prefix}-{rid if rid else i}",
            "context": (row.get("context") or "").strip(),
            "question": (row.get("question") or "").strip(),
            "choices": choices,
            "label": label,
        }


def commonsenseqa_rows(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    for i, row in enumerate(rows):
        choices = row.get("choices") or {}
        keys, texts = list(choices.get("label") or []), [str(t).strip() for t in choices.get("text") or []]
        key = (row.get("answerKey") or "").strip()
        if key not in keys or len(keys) != len(texts):
            drops.add("no gold label")
            continue
        rid = row.get("id")
        yield {
            "id": f"{prefix}-{rid if rid else i}",
            "context": "",
            "question": (row.get("question") or "").strip(),
            "choices": texts,
            "label": keys.index(key),
        }


def train_dev_plan(ref: HubRef, parse, name: str):
    return lambda langs: [
        Part(split_file(split), (Read(ref, None, hub_split, parse, f"{name}-{split}"),))
        for split, hub_split in _SPLITS.items()
    ]


def train_dev_source(name: str, ref: HubRef, parse, description: str, n_choices: int, notes=()) -> Source:
    """A multiple-choice task's source: train.jsonl and dev.jsonl from one repository's train / validation splits."""
    return Source(
        name=name,
        task=name,
        refs=(ref,),
        plan=train_dev_plan(ref, parse, name),
        description=description,
        notes=tuple(notes),
        extra={"n_choices": n_choices},
    )

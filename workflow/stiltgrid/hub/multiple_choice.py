"""Multiple-choice intermediate tasks: HellaSwag, Cosmos QA, CommonsenseQA.

Hub schemas:
``Rowan/hellaswag`` (default config): ind, activity_label, ctx_a, ctx_b, ctx, endings [4 str], source_id, split,
split_type, label (str "0".."3"; "" on test); splits train (39,905), validation (10,042), test.
``allenai/cosmos_qa`` (default config): id, context, question, answer0..answer3, label (int32; test unlabelled);
splits train (25,262), validation (2,985), test.
``tau/commonsense_qa`` (default config, parquet): id, question, question_concept, choices {label: ["A".."E"],
text: [5 str]}, answerKey ("A".."E"; "" on test); splits train (9,741), validation (1,221), test.

Formatting follows jiant: HellaSwag context = ctx_a, each choice = ctx_b + " " + ending; Cosmos QA context and
question as given, the four answers as choices; CommonsenseQA no context, the question, five choices in label order.

Both ``Rowan/hellaswag`` and ``allenai/cosmos_qa`` are loading-script repositories on ``main``, which ``datasets``
>= 4 refuses to run; we read the hub's automatic parquet export of them (branch ``refs/convert/parquet``, layout
``default/<split>/0000.parquet``), same rows and columns.

REVISIONS ARE NOT PINNED (``main`` / the export branch): pin them to validated commits.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from stiltgrid.hub.base import Drops, HubRef, Part, Read, Source
from stiltgrid.paths import split_file

HELLASWAG_REVISION = "refs/convert/parquet"  # UNPINNED: replace with a commit sha of that branch of Rowan/hellaswag
COSMOSQA_REVISION = "refs/convert/parquet"  # UNPINNED: replace with a commit sha of that branch of allenai/cosmos_qa
COMMONSENSEQA_REVISION = "main"  # UNPINNED: replace with a commit sha of tau/commonsense_qa
HELLASWAG_HUB = HubRef("Rowan/hellaswag", HELLASWAG_REVISION)
COSMOSQA_HUB = HubRef("allenai/cosmos_qa", COSMOSQA_REVISION)
COMMONSENSEQA_HUB = HubRef("tau/commonsense_qa", COMMONSENSEQA_REVISION)
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
        yield {"id": f"{prefix}-{rid if rid is not None else i}", "context": (row.get("ctx_a") or "").strip(),
               "question": "", "choices": choices, "label": label}


def cosmosqa_rows(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    for i, row in enumerate(rows):
        choices = [str(row.get(f"answer{k}") or "").strip() for k in range(4)]
        label = _label(row.get("label"), 4)
        if label is None:
            drops.add("no gold label")
            continue
        rid = row.get("id")
        yield {"id": f"{prefix}-{rid if rid else i}", "context": (row.get("context") or "").strip(),
               "question": (row.get("question") or "").strip(), "choices": choices, "label": label}


def commonsenseqa_rows(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    for i, row in enumerate(rows):
        choices = row.get("choices") or {}
        keys, texts = list(choices.get("label") or []), [str(t).strip() for t in choices.get("text") or []]
        key = (row.get("answerKey") or "").strip()
        if key not in keys or len(keys) != len(texts):
            drops.add("no gold label")
            continue
        rid = row.get("id")
        yield {"id": f"{prefix}-{rid if rid else i}", "context": "", "question": (row.get("question") or "").strip(),
               "choices": texts, "label": keys.index(key)}


def train_dev_plan(ref: HubRef, parse, name: str):
    return lambda langs: [Part(split_file(split), (Read(ref, None, hub_split, parse, f"{name}-{split}"),))
                          for split, hub_split in _SPLITS.items()]


#: the note of a source read from a loading-script repository's parquet export
PARQUET_EXPORT = "read from the hub's parquet export (refs/convert/parquet) of the loading-script repository"


def train_dev_source(name: str, ref: HubRef, parse, description: str, n_choices: int, notes=()) -> Source:
    """A multiple-choice task's source: train.jsonl and dev.jsonl from one repository's train / validation splits."""
    return Source(name=name, task=name, refs=(ref,), plan=train_dev_plan(ref, parse, name), description=description,
                  notes=tuple(notes), extra={"n_choices": n_choices})

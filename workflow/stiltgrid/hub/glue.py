"""GLUE tasks from ``nyu-mll/glue`` (parquet): MNLI, QQP, SST-2.

Hub schema (config: columns; ClassLabel names in brackets):
``mnli``: premise, hypothesis, label [entailment, neutral, contradiction], idx; splits train, validation_matched,
validation_mismatched, test_matched, test_mismatched (tests unlabelled, label -1).
``qqp``: question1, question2, label [not_duplicate, duplicate], idx; splits train, validation, test.
``sst2``: sentence, label [negative, positive], idx; splits train, validation, test.

We write train.jsonl from ``train`` and dev.jsonl from the (matched) validation split; GLUE test labels are hidden.

REVISIONS ARE NOT PINNED. ``main`` follows the newest commit, so a later fetch may differ. Pin GLUE_REVISION to the
commit you validated (task.json records ``resolved_commit`` after an online fetch), or override it per dataset in
config.yaml (``datasets.<name>.revisions: {nyu-mll/glue: <sha>}``, once the schema admits that key).
"""

from __future__ import annotations

from functools import partial

from stiltgrid.hub import parsers
from stiltgrid.hub.base import HubRef, Part, Read, Source

GLUE_REVISION = "main"  # UNPINNED: replace with a commit sha of nyu-mll/glue
GLUE = HubRef("nyu-mll/glue", GLUE_REVISION)

mnli_rows = partial(parsers.nli, id_field="idx")


def mnli_reads(split: str, prefix: str = "mnli") -> Read:
    hub_split = {"train": "train", "dev": "validation_matched"}[split]
    return Read(GLUE, "mnli", hub_split, mnli_rows, f"{prefix}-{split}")


MNLI = Source(
    name="mnli", task="mnli", refs=(GLUE,),
    plan=lambda langs: [Part("train.jsonl", (mnli_reads("train"),)), Part("dev.jsonl", (mnli_reads("dev"),))],
    description="MultiNLI from nyu-mll/glue (config mnli): train / validation_matched",
)

_qqp_rows = partial(parsers.pair, a="question1", b="question2", labels=("not_duplicate", "duplicate"),
                    id_field="idx")
QQP = Source(
    name="qqp", task="qqp", refs=(GLUE,),
    plan=lambda langs: [Part("train.jsonl", (Read(GLUE, "qqp", "train", _qqp_rows, "qqp-train"),)),
                        Part("dev.jsonl", (Read(GLUE, "qqp", "validation", _qqp_rows, "qqp-dev"),))],
    description="Quora Question Pairs from nyu-mll/glue (config qqp): train / validation",
)

_sst2_rows = partial(parsers.single, text="sentence", labels=("negative", "positive"), id_field="idx")
SST2 = Source(
    name="sst2", task="sst2", refs=(GLUE,),
    plan=lambda langs: [Part("train.jsonl", (Read(GLUE, "sst2", "train", _sst2_rows, "sst2-train"),)),
                        Part("dev.jsonl", (Read(GLUE, "sst2", "validation", _sst2_rows, "sst2-dev"),))],
    description="SST-2 from nyu-mll/glue (config sst2): train / validation",
)

SOURCES = (MNLI, QQP, SST2)

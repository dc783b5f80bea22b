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

from stiltgrid.core.paths import split_file
from stiltgrid.hub import parsers
from stiltgrid.hub.base import HubRef, Part, Read

GLUE_REVISION = "main"  # UNPINNED: replace with a commit sha of nyu-mll/glue
GLUE = HubRef("nyu-mll/glue", GLUE_REVISION)

mnli_rows = partial(parsers.nli, id_field="idx")
qqp_rows = partial(parsers.pair, a="question1", b="question2", labels=("not_duplicate", "duplicate"), id_field="idx")
sst2_rows = partial(parsers.single, text="sentence", labels=("negative", "positive"), id_field="idx")
_DEV_SPLIT = {"mnli": "validation_matched"}


def glue_read(config: str, split: str, parse, prefix: str | None = None) -> Read:
    """``train`` or ``dev`` (the config's (matched) validation split) of one GLUE config."""
    hub_split = "train" if split == "train" else _DEV_SPLIT.get(config, "validation")
    return Read(GLUE, config, hub_split, parse, f"{prefix or config}-{split}")


def glue_plan(config: str, parse):
    """train.jsonl and dev.jsonl of one GLUE config."""
    return lambda langs: [Part(split_file(split), (glue_read(config, split, parse),)) for split in ("train", "dev")]


def mnli_reads(split: str, prefix: str = "mnli") -> Read:
    return glue_read("mnli", split, mnli_rows, prefix)

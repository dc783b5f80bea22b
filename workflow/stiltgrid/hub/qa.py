"""SQuAD v1.1 from ``rajpurkar/squad`` (parquet), the intermediate task and the English training set of XQuAD/MLQA.

Hub schema: config ``plain_text``: id, title, context, question, answers {text: [str], answer_start: [int32]};
splits train (87,599), validation (10,570; several reference answers per question).

REVISIONS ARE NOT PINNED (``main``): pin SQUAD_REVISION to a validated commit.
"""

from __future__ import annotations

from stiltgrid.core.paths import split_file
from stiltgrid.hub import parsers
from stiltgrid.hub.base import HubRef, Part, Read

SQUAD_REVISION = "main"  # UNPINNED: replace with a commit sha of rajpurkar/squad
SQUAD_HUB = HubRef("rajpurkar/squad", SQUAD_REVISION)


def squad_read(split: str) -> Read:
    return Read(
        SQUAD_HUB, "plain_text", {"train": "train", "dev": "validation"}[split], parsers.squad, f"squad-{split}"
    )


def squad_plan(langs):
    return [Part(split_file("train"), (squad_read("train"),)), Part(split_file("dev"), (squad_read("dev"),))]

"""Adversarial NLI (``facebook/anli``) and the ``anli_plus`` mixture (SNLI + MNLI + ANLI).

Hub schema: ``facebook/anli`` config ``plain_text``: uid, premise, hypothesis, label [entailment, neutral,
contradiction], reason; splits train_r1, dev_r1, test_r1, train_r2, dev_r2, test_r2, train_r3, dev_r3, test_r3.
``stanfordnlp/snli`` config ``plain_text``: premise, hypothesis, label [entailment, neutral, contradiction]
(-1 where annotators did not agree: dropped); splits train, validation, test.

``anli``: train = train_r1 + train_r2 + train_r3, dev = dev_r1 + dev_r2 + dev_r3 (jiant's ``adversarial_nli``).
``anli_plus`` (for the ``anli`` task; select it with ``datasets.<name>.sources: {anli: anli_plus}`` or
``STILTGRID_HUB_SOURCES=anli:anli_plus``): train = SNLI train + MNLI train + ANLI train (r1-r3), dev = ANLI dev
(r1-r3), no up-sampling. Nie et al. (2020) also add FEVER-NLI to their "ANLI+" training mix; it is not on the hub
as a script-free dataset we could verify, so it is left out (recorded in task.json notes).

REVISIONS ARE NOT PINNED (``main``): pin ANLI_REVISION / SNLI_REVISION (and glue.GLUE_REVISION) to validated commits.
"""

from __future__ import annotations

from functools import partial

from stiltgrid.core.paths import split_file
from stiltgrid.hub import parsers
from stiltgrid.hub.base import HubRef, Part, Read
from stiltgrid.hub.glue import mnli_reads

ANLI_REVISION = "main"  # UNPINNED: replace with a commit sha of facebook/anli
SNLI_REVISION = "main"  # UNPINNED: replace with a commit sha of stanfordnlp/snli
ANLI_HUB = HubRef("facebook/anli", ANLI_REVISION)
SNLI_HUB = HubRef("stanfordnlp/snli", SNLI_REVISION)
ROUNDS = ("r1", "r2", "r3")

_anli_rows = partial(parsers.nli, id_field="uid")


def anli_reads(split: str) -> tuple[Read, ...]:
    return tuple(Read(ANLI_HUB, "plain_text", f"{split}_{r}", _anli_rows, f"anli-{split}-{r}") for r in ROUNDS)


def anli_plan(langs):
    return [Part(split_file("train"), anli_reads("train")), Part(split_file("dev"), anli_reads("dev"))]


def anli_plus_plan(langs):
    return [
        Part(
            split_file("train"),
            (
                Read(SNLI_HUB, "plain_text", "train", parsers.nli, "snli-train"),
                mnli_reads("train"),
                *anli_reads("train"),
            ),
        ),
        Part(split_file("dev"), anli_reads("dev")),
    ]

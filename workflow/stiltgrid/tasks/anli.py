"""Adversarial NLI, rounds 1-3 (English), 3-way sentence-pair classification."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.glue import GLUE
from stiltgrid.hub.nli import ANLI_HUB, SNLI_HUB, anli_plan, anli_plus_plan
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.tasks import NLI_LABELS, ANLIGenerator, WorldData

NAME = "anli"

TASK = Task(
    name=NAME,
    format="pair_classification",
    metric="accuracy",
    labels=NLI_LABELS,
    role="intermediate",
    description="Adversarial NLI, rounds 1-3 (English), 3-way sentence-pair classification.",
    published=Published(
        train=162_865, source="Adversarial NLI (Nie et al. 2020): train rounds 1-3 of 16,946 + 45,460 + 100,459"
    ),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(ANLI_HUB,),
            plan=anli_plan,
            description="ANLI rounds 1-3 from facebook/anli: train_r1..3 / dev_r1..3",
        ),
        Source(
            name="anli_plus",
            task=NAME,
            refs=(SNLI_HUB, GLUE, ANLI_HUB),
            plan=anli_plus_plan,
            description="ANLI+ = SNLI train + MNLI train + ANLI r1-3 train; dev = ANLI r1-3 dev",
            notes=(
                "anli_plus mixes SNLI, MNLI and ANLI train without up-sampling; FEVER-NLI (part of Nie et "
                "al.'s ANLI+) is not included",
            ),
        ),
    ),
    world=WorldData(ANLIGenerator(), labels=NLI_LABELS),
)

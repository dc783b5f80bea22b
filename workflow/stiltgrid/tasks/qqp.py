"""Quora Question Pairs (GLUE), binary paraphrase classification."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.glue import GLUE, glue_plan, qqp_rows
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.tasks import QQPGenerator, WorldData

NAME = "qqp"

TASK = Task(
    name=NAME,
    format="pair_classification",
    metric="accuracy",
    labels=("not_duplicate", "duplicate"),  # label ids: GLUE's ClassLabel order
    role="intermediate",
    description="Quora Question Pairs (GLUE), binary paraphrase classification.",
    published=Published(train=363_846, source="nyu-mll/glue qqp train; GLUE (Wang et al. 2018) Table 1: 364k"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(GLUE,),
            plan=glue_plan("qqp", qqp_rows),
            description="Quora Question Pairs from nyu-mll/glue (config qqp): train / validation",
        ),
    ),
    # the world's balanced label schedule cycles in its own order; the generated data depend on it
    world=WorldData(QQPGenerator(), labels=("duplicate", "not_duplicate")),
)

"""Multi-Genre NLI (English), 3-way sentence-pair classification."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.glue import GLUE, glue_plan, mnli_rows
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import C_OPS, E_OPS, N_OPS, NLI_LABELS, NLIGenerator, WorldData

NAME = "mnli"

TASK = Task(
    name=NAME,
    format="pair_classification",
    metric="accuracy",
    labels=NLI_LABELS,
    role="intermediate",
    description="Multi-Genre NLI (English), 3-way sentence-pair classification.",
    published=Published(train=392_702, source="nyu-mll/glue mnli train; GLUE (Wang et al. 2018) Table 1: 393k"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(GLUE,),
            plan=glue_plan("mnli", mnli_rows),
            description="MultiNLI from nyu-mll/glue (config mnli): train / validation_matched",
        ),
    ),
    world=WorldData(NLIGenerator(Profile(), 0.25, E_OPS, C_OPS, N_OPS), labels=NLI_LABELS),
)

"""SST-2 (GLUE), binary sentiment classification."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.glue import GLUE, glue_plan, sst2_rows
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.tasks import SSTGenerator, WorldData

NAME = "sst2"

TASK = Task(
    name=NAME,
    format="classification",
    metric="accuracy",
    labels=("negative", "positive"),  # label ids: GLUE's ClassLabel order
    role="intermediate",
    description="SST-2 (GLUE), binary sentiment classification.",
    published=Published(train=67_349, source="nyu-mll/glue sst2 train; GLUE (Wang et al. 2018) Table 1: 67k"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(GLUE,),
            plan=glue_plan("sst2", sst2_rows),
            description="SST-2 from nyu-mll/glue (config sst2): train / validation",
        ),
    ),
    # the world's balanced label schedule cycles in its own order; the generated data depend on it
    world=WorldData(SSTGenerator(), labels=("positive", "negative")),
)

"""HellaSwag, choose the plausible ending among 4."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.multiple_choice import HELLASWAG_HUB, hellaswag_rows, train_dev_plan
from stiltgrid.tasks.base import Task
from stiltgrid.world.tasks import HellaSwagTask, WorldData

NAME = "hellaswag"
WORLD = WorldData(HellaSwagTask())

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description="HellaSwag, choose the plausible ending among 4.",
    sources=(Source(name=NAME, task=NAME, refs=(HELLASWAG_HUB,),
                    plan=train_dev_plan(HELLASWAG_HUB, hellaswag_rows, "hellaswag"),
                    description="HellaSwag from Rowan/hellaswag (parquet export): train / validation",
                    notes=("read from the hub's parquet export (refs/convert/parquet) of the loading-script "
                           "repository",),
                    extra={"n_choices": WORLD.n_choices}),),
    world=WORLD,
)

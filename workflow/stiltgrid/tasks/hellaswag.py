"""HellaSwag, choose the plausible ending among 4."""

from stiltgrid.hub.multiple_choice import HELLASWAG_HUB, PARQUET_EXPORT, hellaswag_rows, train_dev_source
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
    sources=(train_dev_source(NAME, HELLASWAG_HUB, hellaswag_rows,
                              "HellaSwag from Rowan/hellaswag (parquet export): train / validation",
                              WORLD.n_choices, notes=(PARQUET_EXPORT,)),),
    world=WORLD,
)

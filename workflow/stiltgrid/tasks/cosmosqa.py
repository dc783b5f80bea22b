"""Cosmos QA, commonsense reading comprehension, 4 options."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.multiple_choice import COSMOSQA_HUB, cosmosqa_rows, train_dev_plan
from stiltgrid.tasks.base import Task
from stiltgrid.world.tasks import CosmosTask, WorldData

NAME = "cosmosqa"
WORLD = WorldData(CosmosTask())

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description="Cosmos QA, commonsense reading comprehension, 4 options.",
    sources=(Source(name=NAME, task=NAME, refs=(COSMOSQA_HUB,),
                    plan=train_dev_plan(COSMOSQA_HUB, cosmosqa_rows, "cosmosqa"),
                    description="Cosmos QA from allenai/cosmos_qa (parquet export): train / validation",
                    notes=("read from the hub's parquet export (refs/convert/parquet) of the loading-script "
                           "repository",),
                    extra={"n_choices": WORLD.n_choices}),),
    world=WORLD,
)

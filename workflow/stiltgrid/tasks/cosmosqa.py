"""Cosmos QA, commonsense reading comprehension, 4 options."""

from stiltgrid.hub.multiple_choice import COSMOSQA_HUB, PARQUET_EXPORT, cosmosqa_rows, train_dev_source
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
    sources=(train_dev_source(NAME, COSMOSQA_HUB, cosmosqa_rows,
                              "Cosmos QA from allenai/cosmos_qa (parquet export): train / validation",
                              WORLD.n_choices, notes=(PARQUET_EXPORT,)),),
    world=WORLD,
)

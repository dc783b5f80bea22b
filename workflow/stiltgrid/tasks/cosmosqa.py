"""Cosmos QA, commonsense reading comprehension, 4 options."""

from stiltgrid.hub.base import HubRef
from stiltgrid.hub.multiple_choice import cosmosqa_rows, train_dev_source
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.tasks import CosmosGenerator, WorldData

NAME = "cosmosqa"
WORLD = WorldData(CosmosGenerator())

# allenai/cosmos_qa holds only a loading script. Samsoup/cosmos_qa is a community parquet copy (used in place of it by
# tasksource and other public code, 2026-09: same columns, train 25,262 / validation 2,985 / test 6,963 rows), not
# maintained by the authors: the data lock pins its commit, and a local mirror (docs/real-data.md) replaces it.
# Default config; columns id, context, question, answer0-answer3, label (int 0-3; -1 on test).
HUB = HubRef("Samsoup/cosmos_qa", "main")

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description="Cosmos QA, commonsense reading comprehension, 4 options.",
    published=Published(train=25_262, train_sequences=4, source="Samsoup/cosmos_qa train; 4 answers per question"),
    sources=(
        train_dev_source(
            NAME,
            HUB,
            cosmosqa_rows,
            "Cosmos QA from Samsoup/cosmos_qa (community parquet copy): train / validation",
            WORLD.n_choices,
            notes=("community parquet copy of allenai/cosmos_qa (script-only)",),
        ),
    ),
    world=WORLD,
)

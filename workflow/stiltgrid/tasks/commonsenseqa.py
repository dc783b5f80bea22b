"""CommonsenseQA, 5 options, no context."""

from stiltgrid.hub.multiple_choice import COMMONSENSEQA_HUB, commonsenseqa_rows, train_dev_source
from stiltgrid.tasks.base import Task
from stiltgrid.world.tasks import CommonsenseTask, WorldData

NAME = "commonsenseqa"
WORLD = WorldData(CommonsenseTask())

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description="CommonsenseQA, 5 options, no context.",
    sources=(train_dev_source(NAME, COMMONSENSEQA_HUB, commonsenseqa_rows,
                              "CommonsenseQA from tau/commonsense_qa: train / validation",
                              WORLD.n_choices),),
    world=WORLD,
)

"""CommonsenseQA, 5 options, no context."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.multiple_choice import COMMONSENSEQA_HUB, commonsenseqa_rows, train_dev_plan
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
    sources=(Source(name=NAME, task=NAME, refs=(COMMONSENSEQA_HUB,),
                    plan=train_dev_plan(COMMONSENSEQA_HUB, commonsenseqa_rows, "commonsenseqa"),
                    description="CommonsenseQA from tau/commonsense_qa: train / validation",
                    extra={"n_choices": WORLD.n_choices}),),
    world=WORLD,
)

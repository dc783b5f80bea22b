"""CommonsenseQA, 5 options, no context."""

from stiltgrid.hub.base import HubRef
from stiltgrid.hub.multiple_choice import commonsenseqa_rows, train_dev_source
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.tasks import CommonsenseGenerator, WorldData

NAME = "commonsenseqa"
WORLD = WorldData(CommonsenseGenerator())

# Parquet on main (the hub's file listing and lm-evaluation-harness's commonsense_qa config, which reads it with
# datasets >= 4). Default config, files under data/; splits train (9,741 rows) / validation (1,221) / test; columns
# id, question, question_concept, choices {label: ["A".."E"], text: 5 strings}, answerKey ("A".."E"; "" on test).
# main moves: the data lock pins its commit.
HUB = HubRef("tau/commonsense_qa", "main")

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description="CommonsenseQA, 5 options, no context.",
    published=Published(train=9_741, train_sequences=5, source="tau/commonsense_qa train; 5 answers per question"),
    sources=(
        train_dev_source(
            NAME, HUB, commonsenseqa_rows, "CommonsenseQA from tau/commonsense_qa: train / validation", WORLD.n_choices
        ),
    ),
    world=WORLD,
)

"""SQuAD v1.1, extractive span QA."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.qa import SQUAD_HUB, squad_plan
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import QAGenerator, WorldData

NAME = "squad"

TASK = Task(
    name=NAME,
    format="span_qa",
    metric="squad",
    role="intermediate",
    description="SQuAD v1.1, extractive span QA.",
    published=Published(train=87_599, source="SQuAD v1.1 (Rajpurkar et al. 2016), rajpurkar/squad train"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(SQUAD_HUB,),
            plan=squad_plan,
            description="SQuAD v1.1 from rajpurkar/squad (config plain_text): train / validation",
        ),
    ),
    world=WorldData(
        QAGenerator((2, 3, 4), {"subj": 3, "obj": 3.5, "loc": 2.5, "num": 1}, Profile(p_num=0.25), 0.2, 0.3)
    ),
)

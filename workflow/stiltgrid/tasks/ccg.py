"""CCGbank supertagging (token-level accuracy)."""

from stiltgrid.hub.ccg import LocalCCG
from stiltgrid.tasks.base import Published, Task
from stiltgrid.world.language import CCG_TAGS
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import TaggingGenerator, WorldData

TASK = Task(
    name="ccg",
    format="tagging",
    metric="accuracy",
    role="intermediate",
    description="CCGbank supertagging (token-level accuracy).",
    published=Published(train=39_604, source="CCGbank (Hockenmaier and Steedman 2007), WSJ sections 02-21"),
    sources=(LocalCCG(),),
    world=WorldData(TaggingGenerator("ccg", Profile(p_rel=0.15, p_coord=0.15), 0.25), labels=CCG_TAGS),
)

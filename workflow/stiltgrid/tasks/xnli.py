"""XNLI: trained on English MNLI, 3-way NLI in 15 languages."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.glue import GLUE
from stiltgrid.hub.xtreme_targets import XTREME_HUB, xnli_plan
from stiltgrid.tasks.base import (
    CLASSIFICATION,
    MNLI_TRAIN,
    XTREME,
    XTREME_R,
    Benchmark,
    Leaderboard,
    Published,
    Task,
    langs,
)
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import NLI_LABELS, NLIGenerator, WorldData

NAME = "xnli"
LANGUAGES = langs("ar bg de el en es fr hi ru sw th tr ur vi zh")

TASK = Task(
    name=NAME,
    format="pair_classification",
    metric="accuracy",
    labels=NLI_LABELS,
    role="target",
    category=CLASSIFICATION,
    benchmarks={XTREME: Benchmark(LANGUAGES, (MNLI_TRAIN,)), XTREME_R: Benchmark(LANGUAGES, (MNLI_TRAIN,))},
    leaderboard=Leaderboard("tsv", "labels"),
    description="XNLI: trained on English MNLI, 3-way NLI in 15 languages.",
    published=Published(train=392_702, test=5_010, source="XTREME (Hu et al. 2020) Table 1"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(GLUE, XTREME_HUB),
            plan=xnli_plan,
            available=LANGUAGES,
            description="XNLI: train MNLI (nyu-mll/glue), dev XNLI English validation, test google/xtreme XNLI",
        ),
    ),
    world=WorldData(
        NLIGenerator(
            Profile(p_cop=0.2, p_coord=0.15, p_rel=0.12, p_front=0.25, p_num=0.25),
            0.3,
            ["drop_adj", "drop_loc", "drop_num", "synonym", "toggle_front", "drop_coord", "rel_extract"],
            ["negate", "antonym", "change_obj", "change_loc", "change_subj", "change_num"],
            ["add_adj", "add_loc", "add_rel", "add_adj"],
        ),
        labels=NLI_LABELS,
    ),
)

"""UD-POS: universal part-of-speech tagging (UD v2.5)."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.xtreme_targets import UDPOS_CONFIG, XTREME_HUB, udpos_plan
from stiltgrid.tasks.base import (
    STRUCTURED_PREDICTION,
    XTREME,
    XTREME_R,
    Benchmark,
    Leaderboard,
    Published,
    Task,
    TrainSet,
    langs,
)
from stiltgrid.world.language import UPOS
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import TaggingGenerator, WorldData

NAME = "udpos"
LANGUAGES = langs("af ar bg de el en es et eu fa fi fr he hi hu id it ja kk ko mr nl pt ru ta te th tl tr ur vi yo zh")
TRAIN = (TrainSet("udpos_en", "English Universal Dependencies v2.5", 21_253),)

TASK = Task(
    name=NAME,
    format="tagging",
    metric="seqeval_f1",
    role="target",
    category=STRUCTURED_PREDICTION,
    benchmarks={XTREME: Benchmark(LANGUAGES, TRAIN), XTREME_R: Benchmark(LANGUAGES + langs("lt pl uk wo ro"), TRAIN)},
    leaderboard=Leaderboard("tsv", "tags"),
    aliases=("POS", "UD"),
    description="UD-POS: universal part-of-speech tagging (UD v2.5).",
    published=Published(
        train=21_253, test=20_436, source="XTREME (Hu et al. 2020) Table 1: test 47-20,436 per language"
    ),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(XTREME_HUB,),
            plan=udpos_plan,
            available=tuple(lang for lang in LANGUAGES if lang in UDPOS_CONFIG),
            description="UD-POS (UD v2.5) from google/xtreme udpos.<Name>: English train/validation, test per language",
        ),
    ),
    world=WorldData(TaggingGenerator("pos", Profile(p_rel=0.12, p_coord=0.12, p_cop=0.15), 0.2), labels=UPOS),
)

"""PAWS-X: adversarial paraphrase identification."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.xtreme_targets import XTREME_HUB, pawsx_plan
from stiltgrid.tasks.base import CLASSIFICATION, XTREME, Benchmark, Leaderboard, Published, Task, TrainSet, langs
from stiltgrid.world.tasks import PAWSGenerator, WorldData

NAME = "pawsx"
LANGUAGES = langs("de en es fr ja ko zh")

TASK = Task(
    name=NAME,
    format="pair_classification",
    metric="accuracy",
    labels=("0", "1"),  # label ids: "1" is a paraphrase
    role="target",
    category=CLASSIFICATION,
    # XTREME-R drops PAWS-X
    benchmarks={XTREME: Benchmark(LANGUAGES, (TrainSet("pawsx_en", "PAWS English train", 49_401),))},
    leaderboard=Leaderboard("tsv", "labels"),
    aliases=("PAWS",),
    description="PAWS-X: adversarial paraphrase identification.",
    published=Published(train=49_401, test=2_000, source="XTREME (Hu et al. 2020) Table 1"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(XTREME_HUB,),
            plan=pawsx_plan,
            available=LANGUAGES,
            description="PAWS-X from google/xtreme PAWS-X.<lang>: English train/validation, test per language",
        ),
    ),
    # the world's balanced label schedule cycles in its own order; the generated data depend on it
    world=WorldData(PAWSGenerator(), labels=("1", "0")),
)

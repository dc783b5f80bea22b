"""TyDiQA-GoldP: gold-passage QA; trained on its English train set."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.xtreme_targets import XTREME_HUB, tydiqa_plan
from stiltgrid.tasks.base import QA, XTREME, XTREME_R, Benchmark, Leaderboard, Published, Task, TrainSet, langs
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import QAGenerator, WorldData

NAME = "tydiqa"
LANGUAGES = langs("en ar bn fi id ko ru sw te")
TRAIN = (TrainSet("tydiqa_en", "English TyDiQA-GoldP train", 3_696),)

TASK = Task(
    name=NAME,
    format="span_qa",
    metric="squad",
    role="target",
    category=QA,
    benchmarks={XTREME: Benchmark(LANGUAGES, TRAIN), XTREME_R: Benchmark(LANGUAGES, TRAIN)},
    leaderboard=Leaderboard("json", "by_id"),
    aliases=("TyDiQA-GoldP", "TyDiQA-Gold"),
    description="TyDiQA-GoldP: gold-passage QA; trained on its English train set.",
    published=Published(train=3_696, test=2_719, source="XTREME (Hu et al. 2020) Table 1: test 323-2,719 per language"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(XTREME_HUB,),
            plan=tydiqa_plan,
            available=LANGUAGES,
            description="TyDiQA-GoldP from google/xtreme tydiqa: English train, GoldP dev per language",
            notes=(
                "dev.jsonl is the English GoldP dev set, which is also test.en (XTREME has no separate "
                "TyDiQA-GoldP dev set)",
            ),
        ),
    ),
    world=WorldData(
        QAGenerator((2, 3), {"subj": 2, "obj": 3, "loc": 2, "num": 3}, Profile(p_num=0.5, p_rel=0.05), 0.1, 0.6)
    ),
)

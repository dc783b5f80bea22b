"""XCOPA: causal commonsense reasoning (choose the more plausible cause or effect), 2 choices, 11 languages.

XTREME-R fine-tunes on English SIQA and then on English COPA. Our grid trains one English set per target; the hub
loader gives English SIQA (33k questions, 3 choices; dev = SIQA validation), the first and much larger of the two
stages (COPA has 400 training questions). XCOPA's untranslated ``cause`` / ``effect`` keyword becomes an English
question in the hub files; the generated world trains on its own English COPA-style split with the keyword as is.
"""

from stiltgrid.hub.base import Source
from stiltgrid.hub.xtreme_r import SIQA_HUB, XCOPA_HUB, xcopa_plan
from stiltgrid.tasks.base import CLASSIFICATION, XTREME_R, Benchmark, Leaderboard, Task, TrainSet, langs
from stiltgrid.world.tasks import COPATask, WorldData

NAME = "xcopa"
LANGUAGES = langs("et ht id it qu sw ta th tr vi zh")
WORLD = WorldData(COPATask())

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="target",
    category=CLASSIFICATION,
    benchmarks={XTREME_R: Benchmark(LANGUAGES, (TrainSet("siqa", "Social IQa (English), first stage", None),
                                                TrainSet("copa_en", "COPA (English), second stage", None)))},
    leaderboard=Leaderboard("jsonl", "choices"),
    description="XCOPA: trained on English SIQA (XTREME-R: SIQA then COPA), 2-choice causal reasoning in "
                "11 languages.",
    sources=(Source(name=NAME, task=NAME, refs=(SIQA_HUB, XCOPA_HUB), plan=xcopa_plan, available=LANGUAGES,
                    description="XCOPA: train/dev English SIQA (allenai/social_i_qa, parquet export), test "
                                "cambridgeltl/xcopa <lang>",
                    notes=("trained on English SIQA only (XTREME-R trains on SIQA, then on English COPA); SIQA has 3 "
                           "choices, XCOPA 2",),
                    extra={"n_choices": WORLD.n_choices}),),
    world=WORLD,
)

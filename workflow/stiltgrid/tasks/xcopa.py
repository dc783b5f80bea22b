"""XCOPA: causal commonsense reasoning (choose the more plausible cause or effect), 2 choices, 11 languages.

XTREME-R fine-tunes on English SIQA and then on English COPA. Our grid trains one English set per target; the hub
loader gives English SIQA (33k questions, 3 choices; dev = SIQA validation), the first and much larger of the two
stages (COPA has 400 training questions). XCOPA's untranslated ``cause`` / ``effect`` keyword becomes an English
question in the hub files; the generated world trains on its own English COPA-style split with the keyword as is.
"""

from stiltgrid.hub.base import HubRef, Source
from stiltgrid.hub.xtreme_r import xcopa_plan
from stiltgrid.tasks.base import CLASSIFICATION, XTREME_R, Benchmark, Leaderboard, Published, Task, TrainSet, langs
from stiltgrid.world.tasks import COPAGenerator, WorldData

NAME = "xcopa"
LANGUAGES = langs("et ht id it qu sw ta th tr vi zh")
WORLD = WorldData(COPAGenerator())

# English SIQA, script-free: lm-evaluation-harness's siqa task reads lighteval/siqa at this commit since it left the
# script-only allenai/social_i_qa (PR "script-less parquet mirrors", 2026-08), same columns. Default config; splits
# train (33,410 rows) / validation (1,954); columns context, question, answerA, answerB, answerC, label (string
# "1"-"3", the 1-based index of the right answer).
SIQA_HUB = HubRef("lighteval/siqa", "54c6a1f8cb6daf4f5abf24a601852612fb35eb25")
# XCOPA, script-free parquet per language (the repository's public history, reviewed 2026-12): config <lang> (the
# 11 above); splits validation (100 rows) / test (500); columns premise, choice1, choice2, question ("cause" |
# "effect", untranslated), label (int 0 | 1), idx, changed. main moves: the data lock pins its commit.
XCOPA_HUB = HubRef("cambridgeltl/xcopa", "main")

TASK = Task(
    name=NAME,
    format="multiple_choice",
    metric="accuracy",
    role="target",
    category=CLASSIFICATION,
    benchmarks={
        XTREME_R: Benchmark(
            LANGUAGES,
            (
                TrainSet("siqa", "Social IQa (English), first stage", None),
                TrainSet("copa_en", "COPA (English), second stage", None),
            ),
        )
    },
    leaderboard=Leaderboard("jsonl", "choices"),
    description="XCOPA: trained on English SIQA (XTREME-R: SIQA then COPA), 2-choice causal reasoning in 11 languages.",
    published=Published(
        train=33_410,
        test=500,
        train_sequences=3,
        test_sequences=2,
        source="Social IQa (Sap et al. 2019) train, 3 answers; XCOPA (Ponti et al. 2020) test, 2 answers",
    ),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(SIQA_HUB, XCOPA_HUB),
            plan=xcopa_plan(SIQA_HUB, XCOPA_HUB),
            available=LANGUAGES,
            description="XCOPA: train/dev English SIQA (lighteval/siqa), test cambridgeltl/xcopa <lang>",
            notes=(
                "trained on English SIQA only (XTREME-R trains on SIQA, then on English COPA); SIQA has 3 "
                "choices, XCOPA 2",
            ),
            extra={"n_choices": WORLD.n_choices},
        ),
    ),
    world=WORLD,
)

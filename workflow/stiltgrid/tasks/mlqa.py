"""MLQA: same-language context and question; trained on SQuAD v1.1."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.qa import SQUAD_HUB
from stiltgrid.hub.xtreme_targets import XTREME_HUB, mlqa_read, squad_trained
from stiltgrid.tasks.base import QA, SQUAD_TRAIN, XTREME, XTREME_R, Benchmark, Leaderboard, Published, Task, langs
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import QAGenerator, WorldData

NAME = "mlqa"
LANGUAGES = langs("en es de ar hi vi zh")

TASK = Task(
    name=NAME,
    format="span_qa",
    metric="mlqa",
    role="target",
    category=QA,
    benchmarks={XTREME: Benchmark(LANGUAGES, (SQUAD_TRAIN,)), XTREME_R: Benchmark(LANGUAGES, (SQUAD_TRAIN,))},
    leaderboard=Leaderboard("json", "by_id"),
    description="MLQA: same-language context and question; trained on SQuAD v1.1.",
    published=Published(
        train=87_599, test=11_590, source="XTREME (Hu et al. 2020) Table 1: test 4,517-11,590 per language"
    ),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(SQUAD_HUB, XTREME_HUB),
            plan=squad_trained(mlqa_read),
            available=LANGUAGES,
            description="MLQA: train/dev SQuAD v1.1 (rajpurkar/squad), test google/xtreme MLQA.<lang>.<lang>",
        ),
    ),
    world=WorldData(QAGenerator((2, 3), {"subj": 2, "obj": 4, "loc": 4}, Profile(p_front=0.4, p_loc=0.6), 0.15, 0.2)),
)

"""XQuAD: SQuAD v1.1 dev translated; trained on SQuAD v1.1."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.qa import SQUAD_HUB
from stiltgrid.hub.xtreme_targets import XQUAD_HUB, XTREME_HUB, squad_trained, xquad_reader
from stiltgrid.tasks.base import QA, SQUAD_TRAIN, XTREME, XTREME_R, Benchmark, Leaderboard, Published, Task, langs
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import QAGenerator, WorldData

NAME = "xquad"
LANGUAGES = langs("en es de el ru tr ar vi th zh hi")
XTREME_R_LANGUAGES = LANGUAGES + langs("ro")

TASK = Task(
    name=NAME,
    format="span_qa",
    metric="squad",
    role="target",
    category=QA,
    benchmarks={XTREME: Benchmark(LANGUAGES, (SQUAD_TRAIN,)), XTREME_R: Benchmark(XTREME_R_LANGUAGES, (SQUAD_TRAIN,))},
    leaderboard=Leaderboard("json", "by_id"),
    description="XQuAD: SQuAD v1.1 dev translated; trained on SQuAD v1.1.",
    published=Published(train=87_599, test=1_190, source="XTREME (Hu et al. 2020) Table 1"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(SQUAD_HUB, XTREME_HUB, XQUAD_HUB),
            plan=squad_trained(xquad_reader(LANGUAGES)),
            available=XTREME_R_LANGUAGES,
            description="XQuAD: train/dev SQuAD v1.1 (rajpurkar/squad), test google/xtreme XQuAD.<lang> "
            "(ro: google/xquad xquad.ro)",
        ),
    ),
    world=WorldData(
        QAGenerator(
            (3, 4), {"subj": 3.5, "obj": 3, "loc": 2.5, "num": 1}, Profile(p_rel=0.25, p_num=0.2, p_front=0.2), 0.3, 0.5
        )
    ),
)

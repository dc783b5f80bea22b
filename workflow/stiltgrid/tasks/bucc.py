"""BUCC 2018 bitext mining: ratio margin, threshold chosen on dev."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.retrieval import bucc_plan
from stiltgrid.hub.xtreme_targets import XTREME_HUB
from stiltgrid.tasks.base import RETRIEVAL, XTREME, Benchmark, Leaderboard, Published, Task, langs
from stiltgrid.world.tasks import PairedRetrieval, WorldData

NAME = "bucc"
LANGUAGES = langs("de fr ru zh")  # each paired with English

TASK = Task(
    name=NAME,
    format="retrieval",
    metric="bucc",
    role="retrieval",
    category=RETRIEVAL,
    # XTREME-R drops BUCC; XTREME scores it without training data
    benchmarks={XTREME: Benchmark(LANGUAGES)},
    leaderboard=Leaderboard("tsv", "pairs"),
    xtreme_id="bucc2018",
    description="BUCC 2018 bitext mining: ratio margin, threshold chosen on dev.",
    published=Published(
        test=14_330, sides=2, source="XTREME (Hu et al. 2020) Table 1: 1,896-14,330 gold pairs per language"
    ),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(XTREME_HUB,),
            plan=bucc_plan,
            available=LANGUAGES,
            description="BUCC 2018 gold pairs from google/xtreme bucc18.<lang>: dev = validation, test = test",
            notes=(
                "the hub's bucc18 configs hold only the gold pairs: no distractor sentences, so BUCC F1 "
                "here is not comparable to BUCC 2018 proper",
            ),
        ),
    ),
    # ~70% of src lines have their translation among the English tgt lines
    world=WorldData(PairedRetrieval(parallel_share=0.7)),
)

"""Tatoeba: nearest-neighbour sentence retrieval accuracy."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.retrieval import TATOEBA_CONFIG, tatoeba_plan
from stiltgrid.hub.xtreme_targets import XTREME_HUB
from stiltgrid.tasks.base import (
    RETRIEVAL,
    SQUAD_TRAIN,
    XTREME,
    XTREME_R,
    Benchmark,
    Leaderboard,
    Published,
    Task,
    langs,
)
from stiltgrid.world.tasks import PairedRetrieval, WorldData

NAME = "tatoeba"
LANGUAGES = langs(
    "ar he vi id jv tl eu ml ta te af nl de el bn hi mr ur fa fr it pt es bg ru ja ka ko th sw zh kk tr et fi hu"
)  # each paired with English

TASK = Task(
    name=NAME,
    format="retrieval",
    metric="tatoeba",
    role="retrieval",
    category=RETRIEVAL,
    # XTREME scores the encoder as is; XTREME-R uses a SQuAD v1.1 fine-tuned model
    benchmarks={XTREME: Benchmark(LANGUAGES), XTREME_R: Benchmark(LANGUAGES + langs("az lt pl uk ro"), (SQUAD_TRAIN,))},
    leaderboard=Leaderboard("tsv", "retrieved_lines"),
    description="Tatoeba: nearest-neighbour sentence retrieval accuracy.",
    published=Published(test=1_000, sides=2, source="XTREME (Hu et al. 2020) Table 1: 1,000 pairs per language"),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(XTREME_HUB,),
            plan=tatoeba_plan,
            available=tuple(lang for lang in LANGUAGES if lang in TATOEBA_CONFIG),
            description="Tatoeba (XTREME's 1,000-pair sets) from google/xtreme tatoeba.<iso3>, as test",
        ),
    ),
    # every src line has its English translation
    world=WorldData(PairedRetrieval(parallel_share=1.0)),
)

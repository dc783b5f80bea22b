"""Mewsli-X: entity linking as retrieval; a mention in a WikiNews article retrieves its entity's description from a
fixed candidate set (descriptions in many languages), scored with mAP@20 in 11 languages.

XTREME-R fine-tunes a dual encoder on English Wikipedia mention-entity pairs; our grid scores it zero-shot on the
(intermediate) encoder, like BUCC and Tatoeba (a documented simplification).
"""

from stiltgrid.hub.mewslix import LocalMewsliX
from stiltgrid.tasks.base import RETRIEVAL, XTREME_R, Benchmark, Leaderboard, Task, TrainSet, langs
from stiltgrid.world.tasks import MewsliXPool, WorldData

LANGUAGES = langs("ar de en es fa ja pl ro ta tr uk")

TASK = Task(
    name="mewslix",
    format="retrieval",
    metric="map20",
    role="retrieval",
    category=RETRIEVAL,
    benchmarks={
        XTREME_R: Benchmark(
            LANGUAGES, (TrainSet("mewslix_wikipedia_pairs_en", "English Wikipedia mention-entity pairs", None),)
        )
    },
    aliases=("Mewsli",),
    leaderboard=Leaderboard("json", "by_id"),
    description="Mewsli-X: mentions in context retrieve their entity description, mAP@20, scored zero-shot on the "
    "encoder (XTREME-R fine-tunes a dual encoder on English Wikipedia pairs).",
    pairs_with_english=False,
    sources=(LocalMewsliX(LANGUAGES),),
    world=WorldData(MewsliXPool()),
)

"""LAReQA (XQuAD-R): language-agnostic answer retrieval from a multilingual pool, scored with mAP@20.

Each question of language L ranks every sentence of every XQuAD-R context in all languages; its relevant
candidates are the sentence holding the answer in each language. XTREME-R fine-tunes a dual encoder on SQuAD v1.1
for it; our grid scores it zero-shot on the (intermediate) encoder, like BUCC and Tatoeba (a documented
simplification: absolute numbers are far below fine-tuned ones, the comparison across intermediate tasks stands).
"""

from stiltgrid.hub.base import Source
from stiltgrid.hub.xtreme_r import XQUAD_R_HUB, XQUAD_R_LANGUAGES, lareqa_plan
from stiltgrid.tasks.base import RETRIEVAL, SQUAD_TRAIN, XTREME_R, Benchmark, Task, langs
from stiltgrid.world.tasks import LAReQAPool, WorldData

NAME = "lareqa"
#: the 11 XQuAD languages of XQuAD-R: unverified (XTREME's evaluate.py leaves the list empty)
LANGUAGES = langs("en es de el ru tr ar vi th zh hi")

TASK = Task(
    name=NAME,
    format="retrieval",
    metric="map20",
    role="retrieval",
    # absent from the official XTREME-R grouping; placed in retrieval by this project (see stiltgrid.data.xtreme)
    category=RETRIEVAL,
    benchmarks={XTREME_R: Benchmark(LANGUAGES, (SQUAD_TRAIN,))},
    aliases=("XQuAD-R",),
    description="LAReQA (XQuAD-R): questions retrieve answer sentences from a pool in all languages, mAP@20, "
    "scored zero-shot on the encoder (XTREME-R fine-tunes a dual encoder on SQuAD).",
    pairs_with_english=False,
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(XQUAD_R_HUB,),
            plan=lareqa_plan,
            available=XQUAD_R_LANGUAGES,
            description="LAReQA from google-research-datasets/xquad_r <lang> validation: questions per "
            "language, a pool of every sentence in all 11 languages (test.pool.jsonl)",
            notes=(
                "the hub copy of XQuAD-R has no sentence breaks: contexts are split at sentence "
                "punctuation (Thai paragraphs stay whole), so the pool differs from LAReQA's release",
                "candidates are sentences without their paragraph context",
            ),
        ),
    ),
    world=WorldData(LAReQAPool()),
)

"""LAReQA (XQuAD-R): language-agnostic answer retrieval from a multilingual pool, scored with mAP@20.

Each question of language L ranks every sentence of every XQuAD-R context in all languages; its relevant
candidates are the sentence holding the answer in each language. XTREME-R fine-tunes a dual encoder on SQuAD v1.1
for it; our grid scores it zero-shot on the (intermediate) encoder, like BUCC and Tatoeba (a documented
simplification: absolute numbers are far below fine-tuned ones, the comparison across intermediate tasks stands).
"""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="lareqa",
    format="retrieval",
    metric="map20",
    role="retrieval",
    category="retrieval",
    description="LAReQA (XQuAD-R): questions retrieve answer sentences from a pool in all languages, mAP@20, "
                "scored zero-shot on the encoder (XTREME-R fine-tunes a dual encoder on SQuAD).",
    pairs_with_english=False,
)

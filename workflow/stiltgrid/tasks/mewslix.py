"""Mewsli-X: entity linking as retrieval; a mention in a WikiNews article retrieves its entity's description from a
fixed candidate set (descriptions in many languages), scored with mAP@20 in 11 languages.

XTREME-R fine-tunes a dual encoder on English Wikipedia mention-entity pairs; our grid scores it zero-shot on the
(intermediate) encoder, like BUCC and Tatoeba (a documented simplification).
"""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="mewslix",
    format="retrieval",
    metric="map20",
    role="retrieval",
    category="retrieval",
    description="Mewsli-X: mentions in context retrieve their entity description, mAP@20, scored zero-shot on the "
                "encoder (XTREME-R fine-tunes a dual encoder on English Wikipedia pairs).",
    pairs_with_english=False,
)

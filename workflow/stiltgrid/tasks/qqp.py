"""Quora Question Pairs (GLUE), binary paraphrase classification."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="qqp",
    format="pair_classification",
    metric="accuracy",
    labels=('not_duplicate', 'duplicate'),
    role="intermediate",
    description='Quora Question Pairs (GLUE), binary paraphrase classification.',
)

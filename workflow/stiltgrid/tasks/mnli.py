"""Multi-Genre NLI (English), 3-way sentence-pair classification."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="mnli",
    format="pair_classification",
    metric="accuracy",
    labels=('entailment', 'neutral', 'contradiction'),
    role="intermediate",
    description='Multi-Genre NLI (English), 3-way sentence-pair classification.',
)

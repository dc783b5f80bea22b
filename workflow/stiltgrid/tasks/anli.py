"""Adversarial NLI, rounds 1-3 (English), 3-way sentence-pair classification."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="anli",
    format="pair_classification",
    metric="accuracy",
    labels=('entailment', 'neutral', 'contradiction'),
    role="intermediate",
    description='Adversarial NLI, rounds 1-3 (English), 3-way sentence-pair classification.',
)

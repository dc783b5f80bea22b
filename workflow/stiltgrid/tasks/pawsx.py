"""PAWS-X: adversarial paraphrase identification."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="pawsx",
    format="pair_classification",
    metric="accuracy",
    labels=('0', '1'),
    role="target",
    category="classification",
    english_train="paws",
    description='PAWS-X: adversarial paraphrase identification.',
)

"""XNLI: trained on English MNLI, 3-way NLI in 15 languages."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="xnli",
    format="pair_classification",
    metric="accuracy",
    labels=('entailment', 'neutral', 'contradiction'),
    role="target",
    category="classification",
    english_train="mnli",
    description='XNLI: trained on English MNLI, 3-way NLI in 15 languages.',
)

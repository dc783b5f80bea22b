"""MLQA: same-language context and question; trained on SQuAD v1.1."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="mlqa",
    format="span_qa",
    metric="mlqa",
    role="target",
    category="qa",
    english_train="squad",
    description='MLQA: same-language context and question; trained on SQuAD v1.1.',
)

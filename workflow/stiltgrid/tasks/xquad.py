"""XQuAD: SQuAD v1.1 dev translated; trained on SQuAD v1.1."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="xquad",
    format="span_qa",
    metric="squad",
    role="target",
    category="qa",
    english_train="squad",
    description='XQuAD: SQuAD v1.1 dev translated; trained on SQuAD v1.1.',
)

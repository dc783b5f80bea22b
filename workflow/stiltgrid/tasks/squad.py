"""SQuAD v1.1, extractive span QA."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="squad",
    format="span_qa",
    metric="squad",
    role="intermediate",
    description='SQuAD v1.1, extractive span QA.',
)

"""CommonsenseQA, 5 options, no context."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="commonsenseqa",
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description='CommonsenseQA, 5 options, no context.',
)

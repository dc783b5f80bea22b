"""Cosmos QA, commonsense reading comprehension, 4 options."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="cosmosqa",
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description='Cosmos QA, commonsense reading comprehension, 4 options.',
)

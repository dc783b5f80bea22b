"""HellaSwag, choose the plausible ending among 4."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="hellaswag",
    format="multiple_choice",
    metric="accuracy",
    role="intermediate",
    description='HellaSwag, choose the plausible ending among 4.',
)

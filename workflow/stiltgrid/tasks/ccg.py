"""CCGbank supertagging (token-level accuracy)."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="ccg",
    format="tagging",
    metric="accuracy",
    role="intermediate",
    description='CCGbank supertagging (token-level accuracy).',
)

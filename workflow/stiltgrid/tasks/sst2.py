"""SST-2 (GLUE), binary sentiment classification."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="sst2",
    format="classification",
    metric="accuracy",
    labels=('negative', 'positive'),
    role="intermediate",
    description='SST-2 (GLUE), binary sentiment classification.',
)

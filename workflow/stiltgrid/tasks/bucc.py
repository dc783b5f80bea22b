"""BUCC 2018 bitext mining: ratio margin, threshold chosen on dev."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="bucc",
    format="retrieval",
    metric="bucc",
    role="retrieval",
    category="retrieval",
    description='BUCC 2018 bitext mining: ratio margin, threshold chosen on dev.',
)

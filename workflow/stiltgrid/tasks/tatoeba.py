"""Tatoeba: nearest-neighbour sentence retrieval accuracy."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="tatoeba",
    format="retrieval",
    metric="tatoeba",
    role="retrieval",
    category="retrieval",
    description='Tatoeba: nearest-neighbour sentence retrieval accuracy.',
)

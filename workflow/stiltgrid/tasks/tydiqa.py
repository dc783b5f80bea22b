"""TyDiQA-GoldP: gold-passage QA; trained on its English train set."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="tydiqa",
    format="span_qa",
    metric="squad",
    role="target",
    category="qa",
    english_train="tydiqa_en",
    description='TyDiQA-GoldP: gold-passage QA; trained on its English train set.',
)

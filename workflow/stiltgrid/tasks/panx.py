"""PAN-X / WikiANN named-entity recognition (BIO)."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="panx",
    format="tagging",
    metric="seqeval_f1",
    role="target",
    category="structured_prediction",
    english_train="panx_en",
    description='PAN-X / WikiANN named-entity recognition (BIO).',
)

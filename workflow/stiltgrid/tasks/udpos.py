"""UD-POS: universal part-of-speech tagging (UD v2.5)."""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="udpos",
    format="tagging",
    metric="seqeval_f1",
    role="target",
    category="structured_prediction",
    english_train="udpos_en",
    description='UD-POS: universal part-of-speech tagging (UD v2.5).',
)

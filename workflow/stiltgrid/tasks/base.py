"""What a task is: its format, label set, metric and role in the grid."""

from __future__ import annotations

from dataclasses import dataclass, field

from stiltgrid.formats import FORMATS

# Metric name -> the headline metric used for early stopping and the paper table.
METRICS = {
    "accuracy": "accuracy",
    "seqeval_f1": "f1",
    "squad": "f1",
    "mlqa": "f1",
    "bucc": "f1",
    "tatoeba": "accuracy",
    "map20": "map@20",
}


@dataclass(frozen=True)
class Task:
    name: str
    format: str
    metric: str
    #: label set for classification and tagging; None for tagging means "the tags seen in the English train/dev data".
    labels: tuple[str, ...] | None = None
    #: "intermediate" tasks are English training tasks; "target" tasks are trained in English and scored per language;
    #: "retrieval" targets are scored on the intermediate encoder without training.
    role: str = "target"
    #: XTREME category of a target task (classification, structured_prediction, qa, retrieval).
    category: str | None = None
    #: the English training set a target uses in the real benchmark (documentation and real-data loaders).
    english_train: str | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)
    #: retrieval sets that pair each language with English (BUCC, Tatoeba) have no English test set; query/pool
    #: retrieval (LAReQA, Mewsli-X) queries in English too.
    pairs_with_english: bool = True

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"task {self.name}: unknown format '{self.format}'")
        if self.metric not in METRICS:
            raise ValueError(f"task {self.name}: unknown metric '{self.metric}'")
        if self.role not in ("intermediate", "target", "retrieval"):
            raise ValueError(f"task {self.name}: unknown role '{self.role}'")

    @property
    def headline_metric(self) -> str:
        return METRICS[self.metric]

    @property
    def trainable(self) -> bool:
        return self.format != "retrieval"

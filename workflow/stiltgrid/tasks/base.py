"""What a task is: every fact about it, declared once in its module (see :mod:`stiltgrid.tasks`).

Format, labels and metric drive training and scoring; ``benchmarks`` places a target in XTREME / XTREME-R (its
official languages and English training set(s) there); ``sources`` are the hub sources that build its data (the
first is the default); ``world`` says how the generated world renders it. The benchmark tables of
:mod:`stiltgrid.data.xtreme`, the hub's source registry and the world's task list are all derived from these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stiltgrid.formats import FORMATS
from stiltgrid.metrics.registry import METRICS, get_metric

#: the benchmarks a task can belong to (ids as in :mod:`stiltgrid.data.xtreme`'s tables)
XTREME = "xtreme"
XTREME_R = "xtreme_r"
BENCHMARKS = (XTREME, XTREME_R)

#: the benchmarks' task categories
CLASSIFICATION = "classification"
STRUCTURED_PREDICTION = "structured_prediction"
QA = "qa"
RETRIEVAL = "retrieval"
CATEGORIES = (CLASSIFICATION, STRUCTURED_PREDICTION, QA, RETRIEVAL)


@dataclass(frozen=True)
class TrainSet:
    name: str  # dataset id used in this project
    description: str
    size: int | None  # training examples (fact sheet 2.1), None where not stated


#: training sets several targets share
MNLI_TRAIN = TrainSet("mnli", "MultiNLI (English)", 392_702)
SQUAD_TRAIN = TrainSet("squad_v1", "SQuAD v1.1 (English)", 87_599)


def langs(text: str) -> tuple[str, ...]:
    """A language list written as one space-separated string."""
    return tuple(text.split())


@dataclass(frozen=True)
class Benchmark:
    """A task's place in one benchmark."""

    #: official evaluation languages (BUCC/Tatoeba: the non-English side of each pair)
    languages: tuple[str, ...]
    #: the English training set(s) the benchmark fine-tunes on; None: scored without target-task training
    train: tuple[TrainSet, ...] | None = None


@dataclass(frozen=True)
class Leaderboard:
    """How the benchmark's ``evaluate.py`` reads a target's test predictions (the leaderboard export)."""

    #: its ``get_suffix``: ``test-<lang>.<suffix>``
    suffix: str
    #: the lines its reader expects, one of stiltgrid.results.export.LAYOUTS (labels, tags, pairs, retrieved_lines,
    #: choices, by_id)
    layout: str


@dataclass(frozen=True)
class Published:
    """A hub dataset's published sizes, for costing a grid before its data is fetched (stiltgrid.plan.cost) and checking
    the rows once it is (stiltgrid.cli.fetch). Where a benchmark publishes a range of per-language test sizes, ``test``
    is the top of the range: an estimate from it errs high."""

    train: int | None = None  # English training examples
    test: int | None = None  # test examples per language (retrieval: gold pairs)
    train_sequences: int = 1  # sequences per training example (multiple choice: one per answer)
    test_sequences: int = 1
    sides: int = 1  # retrieval: both sides of every gold pair are encoded
    source: str = ""  # where the figures come from

    @property
    def test_encoded(self) -> int | None:
        """Sequences encoded per language at test time."""
        return None if self.test is None else self.test * self.sides


@dataclass(frozen=True)
class Task:
    name: str
    format: str
    metric: str
    #: label set for classification and tagging, in label-id order; None for tagging means "the tags seen in the
    #: English train/dev data".
    labels: tuple[str, ...] | None = None
    #: "intermediate" tasks are English training tasks; "target" tasks are trained in English and scored per language;
    #: "retrieval" targets are scored on the intermediate encoder without training.
    role: str = "target"
    #: XTREME category of a target task (classification, structured_prediction, qa, retrieval).
    category: str | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)
    #: retrieval sets that pair each language with English (BUCC, Tatoeba) have no English test set; query/pool
    #: retrieval (LAReQA, Mewsli-X) queries in English too.
    pairs_with_english: bool = True
    #: benchmark id (stiltgrid.data.xtreme.XTREME, XTREME_R) -> the task's place in it
    benchmarks: Mapping[str, Benchmark] = field(default_factory=dict)
    #: how XTREME's evaluate.py reads its test predictions; None: it reads none (LAReQA, tasks of no benchmark)
    leaderboard: Leaderboard | None = None
    #: the task's id in the benchmarks' own tables when it is not ``name`` (BUCC: bucc2018)
    xtreme_id: str | None = None
    #: other spellings :func:`stiltgrid.data.xtreme.canonical_task` accepts (the name and the id always are)
    aliases: tuple[str, ...] = ()
    #: published sizes of its hub data (English training set, test examples per language); None: unpublished
    published: Published | None = None
    #: hub sources that build the task's data (``stiltgrid.hub.base.Source``); the first is the default
    sources: tuple[Any, ...] = ()
    #: how the generated world renders the task (``stiltgrid.world.tasks.WorldData``); None: not generated
    world: Any = None

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"task {self.name}: unknown format '{self.format}'")
        if self.metric not in METRICS:
            raise ValueError(f"task {self.name}: unknown metric '{self.metric}'")
        if self.role not in ("intermediate", "target", "retrieval"):
            raise ValueError(f"task {self.name}: unknown role '{self.role}'")
        if self.category is not None and self.category not in CATEGORIES:
            raise ValueError(f"task {self.name}: unknown category '{self.category}'")
        for bench in self.benchmarks:
            if bench not in BENCHMARKS:
                raise ValueError(f"task {self.name}: unknown benchmark '{bench}'")

    @property
    def headline_metric(self) -> str:
        return get_metric(self.metric).headline

    @property
    def score_metrics(self) -> tuple[str, ...]:
        """The values whose language averages are averaged into the task's benchmark score (its metric's)."""
        return get_metric(self.metric).score_keys

    @property
    def trainable(self) -> bool:
        return self.format != "retrieval"

    @property
    def table_id(self) -> str:
        """The task's id in XTREME's tables."""
        return self.xtreme_id or self.name

    @property
    def paired_with_english(self) -> bool:
        """A retrieval set pairing each language with English: it has no English test set."""
        return self.format == "retrieval" and self.pairs_with_english

    def tested_languages(self, languages: Iterable[str]) -> list[str]:
        """The languages of ``languages`` the task has test files in."""
        return [lang for lang in languages if not (self.paired_with_english and lang == "en")]

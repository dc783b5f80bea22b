"""Benchmark metadata for XTREME (Hu et al. 2020) and XTREME-R (Ruder et al. 2021).

Each task's facts (languages, category, score metrics, English training sets per benchmark, id and spellings) are
declared in its module of :mod:`stiltgrid.tasks`; this module holds the benchmarks' vocabulary and derives the
benchmark tables from the task registry. What follows documents where the declared facts come from.

Task ids follow google-research/xtreme ``evaluate.py`` (``xnli``, ``pawsx``, ``udpos``, ``panx``, ``xquad``,
``mlqa``, ``tydiqa``, ``bucc2018``, ``tatoeba``, and for XTREME-R ``xcopa``, ``mewslix``, ``lareqa``);
:func:`canonical_task` maps common spellings (``PAWS-X``, ``UD-POS``, ``WikiANN``, ``TyDiQA-GoldP``, ``BUCC``...)
to them. Sources are those of the project fact sheet (``paper-facts.md`` sections 2 and 5).

Languages. XTREME task languages are the lists of ``evaluate.py`` (TASK2LANGS, fact sheet 2.1). XTREME-R extends
UD-POS (+lt pl uk wo ro), PAN-X (+qu pl uk az lt pa gu ro), Tatoeba (+az lt pl uk ro) and XQuAD (+ro), drops PAWS-X
and BUCC and adds XCOPA, Mewsli-X and LAReQA (fact sheet 5.2). BUCC and Tatoeba list the non-English side of
each pair with English. The LAReQA list (the 11 XQuAD languages of XQuAD-R) is **unverified**: the stored
``evaluate.py`` leaves it empty, and LAReQA retrieves from a pool spanning all its languages.

Categories. XTREME: classification (PAWS-X, XNLI), structured prediction (UD-POS, PAN-X), QA (XQuAD, MLQA, TyDiQA),
retrieval (BUCC, Tatoeba), as XTREME_GROUP2TASK. XTREME-R: classification (XNLI, XCOPA), structured prediction,
QA, retrieval (Tatoeba, Mewsli-X, LAReQA). The official XTREME-R grouping leaves LAReQA out of every group; we put
it in retrieval because it is a retrieval task scored like Mewsli-X (mAP@20) -- a choice of this project. The
code's extra "multi_choice" group (XCOPA alone) is not a category here.

Task score metric (:func:`score_metrics`): the per-language averages of these metrics are averaged to give the task's
value: QA tasks (mean of EM and F1), F1 for tagging and BUCC, accuracy for XNLI / PAWS-X / XCOPA / Tatoeba,
mAP@20 for LAReQA and Mewsli-X.

English training data (:func:`train_set`): XNLI <- MNLI, PAWS-X <- PAWS (English), UD-POS <- English UD v2.5,
PAN-X <- English WikiANN, XQuAD and MLQA <- SQuAD v1.1, TyDiQA <- English TyDiQA-GoldP; BUCC and Tatoeba have no
training data in XTREME (the encoder is used directly). In XTREME-R, Tatoeba uses a SQuAD v1.1 fine-tuned model,
LAReQA is trained on SQuAD v1.1 as a retrieval task (``scripts/train_lareqa.sh``), Mewsli-X on English Wikipedia
mention-entity pairs (``scripts/train_mewslix.sh``) and XCOPA on English SIQA then English COPA
(``scripts/train_xcopa.sh``); these three come from the XTREME repository scripts, not from the fact sheet.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The benchmarks' vocabulary is declared beside the Task it describes and the metric keys in the metric registry;
# re-exported here for the modules that read benchmark tables.
from stiltgrid.metrics.registry import ACCURACY, EXACT_MATCH, F1, MAP20, PRECISION, RECALL  # noqa: F401
from stiltgrid.tasks import all_tasks, get_task
from stiltgrid.tasks.base import (  # noqa: F401
    BENCHMARKS,
    CATEGORIES,
    CLASSIFICATION,
    MNLI_TRAIN,
    QA,
    RETRIEVAL,
    SQUAD_TRAIN,
    STRUCTURED_PREDICTION,
    XTREME,
    XTREME_R,
    TrainSet,
)

#: column order of each benchmark's own tables (XTREME_GROUP2TASK order); a task outside it follows in name order
TABLE_ORDER = {
    XTREME: ("pawsx", "xnli", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc2018", "tatoeba"),
    XTREME_R: ("xnli", "xcopa", "udpos", "panx", "xquad", "mlqa", "tydiqa", "tatoeba", "mewslix", "lareqa"),
}


def _key(name: str) -> str:
    return re.sub(r"[\s\-_.]", "", str(name).lower())


@lru_cache(maxsize=1)
def _members() -> dict:
    """Table id -> its task, for every registered task that is part of a benchmark."""
    return {task.table_id: task for task in all_tasks().values() if task.benchmarks}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for tid, task in _members().items():
        for spelling in (tid, task.name, *task.aliases):
            known = out.setdefault(_key(spelling), tid)
            if known != tid:
                raise ValueError(f"task spelling {spelling!r} names both {known!r} and {tid!r}")
    return out


def known_task(name: str) -> str | None:
    """The benchmark id a task spelling names (case, '-', '_', spaces ignored), or None when it names none."""
    return _aliases().get(_key(name))


def canonical_task(name: str) -> str:
    """Map a task spelling to its id, e.g. 'PAWS-X' -> 'pawsx'; raises ValueError for a task of no benchmark."""
    tid = known_task(name)
    if tid is None:
        raise ValueError(f"unknown XTREME task {name!r}; known: {', '.join(sorted(_members()))}")
    return tid


def score_metrics(task: str) -> tuple[str, ...]:
    """The metrics whose language averages are averaged into the task's value (the official rule)."""
    return _members()[canonical_task(task)].score_metrics


def _membership(task: str, benchmark: str):
    bench = benchmark_id(benchmark)
    tid = canonical_task(task)
    entry = _members()[tid].benchmarks.get(bench)
    if entry is None:
        raise ValueError(f"task {tid!r} is not part of {bench}")
    return entry


def benchmark_id(benchmark: str) -> str:
    """'xtreme' or 'xtreme_r' from a spelling such as 'XTREME-R'."""
    key = _key(benchmark)
    if key == "xtreme":
        return XTREME
    if key in ("xtremer", "xtreme2"):
        return XTREME_R
    raise ValueError(f"unknown benchmark {benchmark!r}; use '{XTREME}' or '{XTREME_R}'")


def benchmark_tasks(benchmark: str = XTREME) -> tuple[str, ...]:
    """The tasks of a benchmark, grouped by category in category order (each in the benchmark's column order)."""
    bench = benchmark_id(benchmark)
    order = TABLE_ORDER[bench]
    members = sorted(
        (tid for tid, task in _members().items() if bench in task.benchmarks),
        key=lambda tid: (order.index(tid) if tid in order else len(order), tid),
    )
    return tuple(tid for cat in CATEGORIES for tid in members if _members()[tid].category == cat)


def task_languages(task: str, benchmark: str = XTREME) -> tuple[str, ...]:
    return _membership(task, benchmark).languages


def benchmark_task_languages(benchmark: str = XTREME) -> dict[str, tuple[str, ...]]:
    """Task id -> official languages, for every task of a benchmark."""
    return {tid: task_languages(tid, benchmark) for tid in benchmark_tasks(benchmark)}


def task_category(task: str, benchmark: str = XTREME) -> str:
    _membership(task, benchmark)
    return _members()[canonical_task(task)].category


def benchmark_categories(benchmark: str = XTREME) -> dict[str, tuple[str, ...]]:
    """Category -> the benchmark's tasks in it."""
    tasks = benchmark_tasks(benchmark)
    return {cat: tuple(t for t in tasks if _members()[t].category == cat) for cat in CATEGORIES}


def train_set(task: str, benchmark: str = XTREME) -> tuple[TrainSet, ...] | None:
    return _membership(task, benchmark).train


def benchmark_languages(benchmark: str = XTREME) -> tuple[str, ...]:
    """All languages of a benchmark (40 for XTREME, 50 for XTREME-R), sorted; includes English."""
    langs = benchmark_task_languages(benchmark)
    return tuple(sorted({lang for task_langs in langs.values() for lang in task_langs} | {"en"}))


def language_tasks(lang: str, benchmark: str = XTREME) -> tuple[str, ...]:
    """The tasks of a benchmark that evaluate language ``lang``."""
    return tuple(task for task, langs in benchmark_task_languages(benchmark).items() if lang in langs)


# -- the leaderboard (evaluate.py) -----------------------------------------------------------------------------
def leaderboards() -> dict:
    """evaluate.py's task id -> how it reads the task's predictions (``Task.leaderboard``), for every task it reads."""
    return {
        task.table_id: task.leaderboard
        for task in all_tasks().values()
        if task.leaderboard is not None and not task.extra.get("local")
    }


def official_task(target: str) -> str | None:
    """The task id evaluate.py reads a target's predictions under, or None when it reads none for it."""
    if get_task(target).extra.get("local"):  # a declared task: not the benchmark's, whatever its name
        return None
    task = known_task(target)
    return task if task in leaderboards() else None

"""Benchmark metadata for XTREME (Hu et al. 2020) and XTREME-R (Ruder et al. 2021).

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

Task score metric (``SCORE_METRICS``): the per-language averages of these metrics are averaged to give the task's
value: QA tasks (mean of EM and F1), F1 for tagging and BUCC, accuracy for XNLI / PAWS-X / XCOPA / Tatoeba,
mAP@20 for LAReQA and Mewsli-X.

English training data (``TRAIN_SET``): XNLI <- MNLI, PAWS-X <- PAWS (English), UD-POS <- English UD v2.5,
PAN-X <- English WikiANN, XQuAD and MLQA <- SQuAD v1.1, TyDiQA <- English TyDiQA-GoldP; BUCC and Tatoeba have no
training data in XTREME (the encoder is used directly). In XTREME-R, Tatoeba uses a SQuAD v1.1 fine-tuned model,
LAReQA is trained on SQuAD v1.1 as a retrieval task (``scripts/train_lareqa.sh``), Mewsli-X on English Wikipedia
mention-entity pairs (``scripts/train_mewslix.sh``) and XCOPA on English SIQA then English COPA
(``scripts/train_xcopa.sh``); these three come from the XTREME repository scripts, not from the fact sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

XTREME = "xtreme"
XTREME_R = "xtreme_r"
BENCHMARKS = (XTREME, XTREME_R)

CLASSIFICATION = "classification"
STRUCTURED_PREDICTION = "structured_prediction"
QA = "qa"
RETRIEVAL = "retrieval"
CATEGORIES = (CLASSIFICATION, STRUCTURED_PREDICTION, QA, RETRIEVAL)


def _langs(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- XTREME (fact sheet 2.1; google-research/xtreme evaluate.py TASK2LANGS) ---------------------------------------
_XTREME_LANGS = {
    "xnli": _langs("ar bg de el en es fr hi ru sw th tr ur vi zh"),
    "pawsx": _langs("de en es fr ja ko zh"),
    "udpos": _langs("af ar bg de el en es et eu fa fi fr he hi hu id it ja kk ko mr nl pt ru ta te th tl tr ur vi "
                    "yo zh"),
    "panx": _langs("ar he vi id jv ms tl eu ml ta te af nl en de el bn hi mr ur fa fr it pt es bg ru ja ka ko th sw "
                   "yo my zh kk tr et fi hu"),
    "xquad": _langs("en es de el ru tr ar vi th zh hi"),
    "mlqa": _langs("en es de ar hi vi zh"),
    "tydiqa": _langs("en ar bn fi id ko ru sw te"),
    "bucc2018": _langs("de fr ru zh"),
    "tatoeba": _langs("ar he vi id jv tl eu ml ta te af nl de el bn hi mr ur fa fr it pt es bg ru ja ka ko th sw zh "
                      "kk tr et fi hu"),
}

# --- XTREME-R (fact sheet 5.2) -------------------------------------------------------------------------------------
_XTREME_R_LANGS = {
    "xnli": _XTREME_LANGS["xnli"],
    "xcopa": _langs("et ht id it qu sw ta th tr vi zh"),
    "udpos": _XTREME_LANGS["udpos"] + _langs("lt pl uk wo ro"),
    "panx": _XTREME_LANGS["panx"] + _langs("qu pl uk az lt pa gu ro"),
    "xquad": _XTREME_LANGS["xquad"] + _langs("ro"),
    "mlqa": _XTREME_LANGS["mlqa"],
    "tydiqa": _XTREME_LANGS["tydiqa"],
    "tatoeba": _XTREME_LANGS["tatoeba"] + _langs("az lt pl uk ro"),
    "mewslix": _langs("ar de en es fa ja pl ro ta tr uk"),
    # XQuAD-R = the 11 XQuAD languages: unverified (see module docstring)
    "lareqa": _XTREME_LANGS["xquad"],
}

TASK_LANGUAGES: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType({
    XTREME: MappingProxyType(_XTREME_LANGS),
    XTREME_R: MappingProxyType(_XTREME_R_LANGS),
})

TASK_CATEGORIES: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType({
    XTREME: MappingProxyType({
        CLASSIFICATION: ("pawsx", "xnli"),
        STRUCTURED_PREDICTION: ("udpos", "panx"),
        QA: ("xquad", "mlqa", "tydiqa"),
        RETRIEVAL: ("bucc2018", "tatoeba"),
    }),
    XTREME_R: MappingProxyType({
        CLASSIFICATION: ("xnli", "xcopa"),
        STRUCTURED_PREDICTION: ("udpos", "panx"),
        QA: ("xquad", "mlqa", "tydiqa"),
        # LAReQA is absent from the official XTREME_R grouping; placed in retrieval by this project (see docstring)
        RETRIEVAL: ("tatoeba", "mewslix", "lareqa"),
    }),
})

#: metric names as they appear in the tidy results table
ACCURACY, F1, EXACT_MATCH, PRECISION, RECALL, MAP20 = "accuracy", "f1", "exact_match", "precision", "recall", "map@20"

#: per task, the metrics whose language averages are averaged into the task's value (the official rule as a table)
SCORE_METRICS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "xnli": (ACCURACY,),
    "pawsx": (ACCURACY,),
    "xcopa": (ACCURACY,),
    "udpos": (F1,),
    "panx": (F1,),
    "xquad": (EXACT_MATCH, F1),
    "mlqa": (EXACT_MATCH, F1),
    "tydiqa": (EXACT_MATCH, F1),
    "bucc2018": (F1,),
    "tatoeba": (ACCURACY,),
    "mewslix": (MAP20,),
    "lareqa": (MAP20,),
})

#: every metric a task reports per language
REPORTED_METRICS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "xnli": (ACCURACY,), "pawsx": (ACCURACY,), "xcopa": (ACCURACY,),
    "udpos": (F1, PRECISION, RECALL), "panx": (F1, PRECISION, RECALL),
    "xquad": (EXACT_MATCH, F1), "mlqa": (EXACT_MATCH, F1), "tydiqa": (EXACT_MATCH, F1),
    "bucc2018": (F1, PRECISION, RECALL), "tatoeba": (ACCURACY,),
    "mewslix": (MAP20,), "lareqa": (MAP20,),
})

#: data format of each target task (see stiltgrid.formats); Mewsli-X / LAReQA are retrieval of another kind
TASK_FORMAT: Mapping[str, str] = MappingProxyType({
    "xnli": "pair_classification", "pawsx": "pair_classification", "xcopa": "multiple_choice",
    "udpos": "tagging", "panx": "tagging",
    "xquad": "span_qa", "mlqa": "span_qa", "tydiqa": "span_qa",
    "bucc2018": "retrieval", "tatoeba": "retrieval", "mewslix": "retrieval", "lareqa": "retrieval",
})

TASK_DISPLAY_NAME: Mapping[str, str] = MappingProxyType({
    "xnli": "XNLI", "pawsx": "PAWS-X", "xcopa": "XCOPA", "udpos": "UD-POS", "panx": "PAN-X",
    "xquad": "XQuAD", "mlqa": "MLQA", "tydiqa": "TyDiQA-GoldP", "bucc2018": "BUCC", "tatoeba": "Tatoeba",
    "mewslix": "Mewsli-X", "lareqa": "LAReQA",
})


@dataclass(frozen=True)
class TrainSet:
    name: str           # dataset id used in this project
    description: str
    size: int | None    # training examples (fact sheet 2.1), None where not stated


_MNLI = TrainSet("mnli", "MultiNLI (English)", 392_702)
_SQUAD = TrainSet("squad_v1", "SQuAD v1.1 (English)", 87_599)

#: English training set for each target task, per benchmark (None: evaluated without target-task training)
TRAIN_SET: Mapping[str, Mapping[str, tuple[TrainSet, ...] | None]] = MappingProxyType({
    XTREME: MappingProxyType({
        "xnli": (_MNLI,),
        "pawsx": (TrainSet("pawsx_en", "PAWS English train", 49_401),),
        "udpos": (TrainSet("udpos_en", "English Universal Dependencies v2.5", 21_253),),
        "panx": (TrainSet("panx_en", "English WikiANN", 20_000),),
        "xquad": (_SQUAD,),
        "mlqa": (_SQUAD,),
        "tydiqa": (TrainSet("tydiqa_en", "English TyDiQA-GoldP train", 3_696),),
        "bucc2018": None,
        "tatoeba": None,
    }),
    XTREME_R: MappingProxyType({
        "xnli": (_MNLI,),
        "xcopa": (TrainSet("siqa", "Social IQa (English), first stage", None),
                  TrainSet("copa_en", "COPA (English), second stage", None)),
        "udpos": (TrainSet("udpos_en", "English Universal Dependencies v2.5", 21_253),),
        "panx": (TrainSet("panx_en", "English WikiANN", 20_000),),
        "xquad": (_SQUAD,),
        "mlqa": (_SQUAD,),
        "tydiqa": (TrainSet("tydiqa_en", "English TyDiQA-GoldP train", 3_696),),
        "tatoeba": (_SQUAD,),
        "mewslix": (TrainSet("mewslix_wikipedia_pairs_en", "English Wikipedia mention-entity pairs", None),),
        "lareqa": (_SQUAD,),
    }),
})

_ALIASES = {
    "xnli": "xnli",
    "pawsx": "pawsx", "paws": "pawsx",
    "xcopa": "xcopa",
    "udpos": "udpos", "pos": "udpos", "ud": "udpos",
    "panx": "panx", "wikiann": "panx", "ner": "panx", "panxner": "panx", "wikiannner": "panx",
    "xquad": "xquad",
    "mlqa": "mlqa",
    "tydiqa": "tydiqa", "tydiqagoldp": "tydiqa", "tydiqagold": "tydiqa",
    "bucc2018": "bucc2018", "bucc": "bucc2018",
    "tatoeba": "tatoeba",
    "mewslix": "mewslix", "mewsli": "mewslix",
    "lareqa": "lareqa", "xquadr": "lareqa",
}


def canonical_task(name: str) -> str:
    """Map a task spelling (case, '-', '_', spaces ignored) to its id, e.g. 'PAWS-X' -> 'pawsx'."""
    key = re.sub(r"[\s\-_.]", "", str(name).lower())
    try:
        return _ALIASES[key]
    except KeyError:
        raise ValueError(f"unknown XTREME task {name!r}; known: {', '.join(sorted(set(_ALIASES.values())))}") from None


def benchmark_id(benchmark: str) -> str:
    """'xtreme' or 'xtreme_r' from a spelling such as 'XTREME-R'."""
    key = re.sub(r"[\s\-_.]", "", str(benchmark).lower())
    if key == "xtreme":
        return XTREME
    if key in ("xtremer", "xtreme2"):
        return XTREME_R
    raise ValueError(f"unknown benchmark {benchmark!r}; use '{XTREME}' or '{XTREME_R}'")


def benchmark_tasks(benchmark: str = XTREME) -> tuple[str, ...]:
    """The tasks of a benchmark, grouped by category in category order."""
    cats = TASK_CATEGORIES[benchmark_id(benchmark)]
    return tuple(task for cat in CATEGORIES for task in cats[cat])


def task_languages(task: str, benchmark: str = XTREME) -> tuple[str, ...]:
    task = canonical_task(task)
    langs = TASK_LANGUAGES[benchmark_id(benchmark)]
    if task not in langs:
        raise ValueError(f"task {task!r} is not part of {benchmark_id(benchmark)}")
    return langs[task]


def task_category(task: str, benchmark: str = XTREME) -> str:
    task = canonical_task(task)
    for cat, tasks in TASK_CATEGORIES[benchmark_id(benchmark)].items():
        if task in tasks:
            return cat
    raise ValueError(f"task {task!r} is not part of {benchmark_id(benchmark)}")


def train_set(task: str, benchmark: str = XTREME) -> tuple[TrainSet, ...] | None:
    task = canonical_task(task)
    sets = TRAIN_SET[benchmark_id(benchmark)]
    if task not in sets:
        raise ValueError(f"task {task!r} is not part of {benchmark_id(benchmark)}")
    return sets[task]


def benchmark_languages(benchmark: str = XTREME) -> tuple[str, ...]:
    """All languages of a benchmark (40 for XTREME, 50 for XTREME-R), sorted; includes English."""
    langs = TASK_LANGUAGES[benchmark_id(benchmark)]
    return tuple(sorted({lang for task_langs in langs.values() for lang in task_langs} | {"en"}))


def language_tasks(lang: str, benchmark: str = XTREME) -> tuple[str, ...]:
    """The tasks of a benchmark that evaluate language ``lang``."""
    langs = TASK_LANGUAGES[benchmark_id(benchmark)]
    return tuple(task for task in benchmark_tasks(benchmark) if lang in langs[task])

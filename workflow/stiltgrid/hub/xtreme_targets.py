"""The seven trainable XTREME targets, evaluated per language on ``google/xtreme`` (parquet since 2024).

English training sets (each task module's ``benchmarks``): XNLI <- MNLI (nyu-mll/glue), PAWS-X <- PAWS-X.en train,
UD-POS <- udpos.English train, PAN-X <- PAN-X.en train, XQuAD and MLQA <- SQuAD v1.1 (rajpurkar/squad), TyDiQA-GoldP <-
the English part of the ``tydiqa`` train split.

Hub schema of ``google/xtreme`` (config: columns; splits):
``XNLI``: language, sentence1, sentence2, gold_label (str); test, validation (all 15 languages in one table).
``PAWS-X.<lang>``: sentence1, sentence2, label (str "0"/"1"); train, validation, test.
``udpos.<English name>``: tokens, pos_tags [17 UPOS ClassLabel]; train/validation/test (kk: train+test; th, tl, yo:
test only).
``PAN-X.<lang>``: tokens, ner_tags [O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC], langs; train, validation, test.
``XQuAD.<lang>``: id, context, question, answers; validation (the whole XQuAD set).
``MLQA.<context lang>.<question lang>``: id, title, context, question, answers; test, validation.
``tydiqa``: id ("<language name>-..."), title, context, question, answers; train, validation (GoldP, all languages).

XTREME-R languages outside ``google/xtreme``: XQuAD ``ro`` from ``google/xquad`` ``xquad.ro`` (validation, same
columns as XQuAD.<lang>); PAN-X ``qu pl uk az lt pa gu ro`` from ``unimelb-nlp/wikiann`` ``<lang>`` (tokens, ner_tags
[the same 7 BIO names], langs, spans; train/validation/test: the Rahimi et al. splits PAN-X uses). A repository is
listed in a fetch's params only when one of the requested languages reads it. UD-POS ``lt pl uk wo ro`` and Tatoeba
``az lt pl uk ro`` (XTREME-R additions) have no hub source in XTREME's form here: a grid on the hub leaves them out.

Files: train.jsonl (English training set), dev.jsonl (English dev set for early stopping), test.<lang>.jsonl for each
requested language (XNLI/PAWS-X/UD-POS/PAN-X/MLQA: the test split; XQuAD: its only split; TyDiQA-GoldP: the
language's part of the GoldP dev set, as XTREME). Dev sets: XNLI English validation, PAWS-X.en validation,
udpos.English validation, PAN-X.en validation, SQuAD v1.1 validation (XQuAD/MLQA), English TyDiQA-GoldP dev (which is
also test.en: XTREME has no separate TyDiQA dev set).

REVISIONS ARE NOT PINNED (``main``): pin XTREME_REVISION (and glue / squad) to validated commits.
"""

from __future__ import annotations

from functools import partial

from stiltgrid.core.paths import split_file
from stiltgrid.hub import parsers
from stiltgrid.hub.base import HubRef, Part, Read
from stiltgrid.hub.glue import mnli_reads
from stiltgrid.hub.qa import squad_read

XTREME_REVISION = "main"  # UNPINNED: replace with a commit sha of google/xtreme
XTREME_HUB = HubRef("google/xtreme", XTREME_REVISION)
XQUAD_REVISION = "main"  # UNPINNED: replace with a commit sha of google/xquad
XQUAD_HUB = HubRef("google/xquad", XQUAD_REVISION)
WIKIANN_REVISION = "main"  # UNPINNED: replace with a commit sha of unimelb-nlp/wikiann
WIKIANN_HUB = HubRef("unimelb-nlp/wikiann", WIKIANN_REVISION)

#: UD-POS configs are named by English language name (google/xtreme ``udpos.<Name>``)
UDPOS_CONFIG = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "kk": "Kazakh",
    "ko": "Korean",
    "mr": "Marathi",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "yo": "Yoruba",
    "zh": "Chinese",
}
#: TyDiQA-GoldP ids start with the language's English name
TYDIQA_NAME = {
    "ar": "arabic",
    "bn": "bengali",
    "en": "english",
    "fi": "finnish",
    "id": "indonesian",
    "ko": "korean",
    "ru": "russian",
    "sw": "swahili",
    "te": "telugu",
}


def _x(config: str, split: str, parse, prefix: str, where=None, where_doc=None) -> Read:
    return Read(XTREME_HUB, config, split, parse, prefix, where, where_doc)


def _language_is(lang: str):
    return lambda row: row.get("language") == lang


def _tydiqa_language_is(lang: str):
    name = TYDIQA_NAME[lang]
    return lambda row: str(row.get("id", "")).split("-", 1)[0].lower() == name


# -- XNLI -------------------------------------------------------------------------------------------------------------
_xnli_rows = partial(parsers.pair, a="sentence1", b="sentence2", labels=parsers.NLI_LABELS, label_field="gold_label")


def xnli_plan(langs):
    return [
        Part(split_file("train"), (mnli_reads("train"),)),
        Part(
            split_file("dev"),
            (_x("XNLI", "validation", _xnli_rows, "xnli-dev-en", _language_is("en"), "language == en"),),
        ),
        *(
            Part(
                split_file("test", lang),
                (_x("XNLI", "test", _xnli_rows, f"xnli-test-{lang}", _language_is(lang), f"language == {lang}"),),
            )
            for lang in langs
        ),
    ]


# -- PAWS-X -----------------------------------------------------------------------------------------------------------
_pawsx_rows = partial(parsers.pair, a="sentence1", b="sentence2", labels=("0", "1"))


def pawsx_plan(langs):
    return [
        Part(split_file("train"), (_x("PAWS-X.en", "train", _pawsx_rows, "pawsx-train-en"),)),
        Part(split_file("dev"), (_x("PAWS-X.en", "validation", _pawsx_rows, "pawsx-dev-en"),)),
        *(
            Part(split_file("test", lang), (_x(f"PAWS-X.{lang}", "test", _pawsx_rows, f"pawsx-test-{lang}"),))
            for lang in langs
        ),
    ]


# -- UD-POS -----------------------------------------------------------------------------------------------------------
_udpos_rows = partial(parsers.tagging, tags="pos_tags")


def udpos_plan(langs):
    return [
        Part(split_file("train"), (_x("udpos.English", "train", _udpos_rows, "udpos-train-en"),)),
        Part(split_file("dev"), (_x("udpos.English", "validation", _udpos_rows, "udpos-dev-en"),)),
        *(
            Part(
                split_file("test", lang),
                (_x(f"udpos.{UDPOS_CONFIG[lang]}", "test", _udpos_rows, f"udpos-test-{lang}"),),
            )
            for lang in langs
        ),
    ]


# -- PAN-X ------------------------------------------------------------------------------------------------------------
def panx_read(lang: str, split: str, ours: str, from_wikiann: tuple[str, ...] = ()) -> Read:
    parse = partial(parsers.tagging, tags="ner_tags", strip_lang_prefix=lang)
    if lang in from_wikiann:
        return Read(WIKIANN_HUB, lang, split, parse, f"panx-{ours}-{lang}")
    return _x(f"PAN-X.{lang}", split, parse, f"panx-{ours}-{lang}")


def panx_plan(from_wikiann: tuple[str, ...]):
    """PAN-X's plan; ``from_wikiann``: the languages google/xtreme lacks (XTREME-R's additions, a fact of the task),
    read from WikiANN (same data and splits)."""

    def plan(langs):
        return [
            Part(split_file("train"), (panx_read("en", "train", "train"),)),
            Part(split_file("dev"), (panx_read("en", "validation", "dev"),)),
            *(Part(split_file("test", lang), (panx_read(lang, "test", "test", from_wikiann),)) for lang in langs),
        ]

    return plan


# -- XQuAD / MLQA / TyDiQA-GoldP ---------------------------------------------------------------------------------------
def squad_trained(test_read):
    def plan(langs):
        return [
            Part(split_file("train"), (squad_read("train"),)),
            Part(split_file("dev"), (squad_read("dev"),)),
            *(Part(split_file("test", lang), (test_read(lang),)) for lang in langs),
        ]

    return plan


def xquad_reader(in_xtreme: tuple[str, ...]):
    """XQuAD's test read of a language: from google/xtreme for ``in_xtreme`` (a fact of the task), from google/xquad
    for the languages added after XTREME (Romanian)."""

    def read(lang: str) -> Read:
        if lang not in in_xtreme:
            return Read(XQUAD_HUB, f"xquad.{lang}", "validation", parsers.squad, f"xquad-{lang}")
        return _x(f"XQuAD.{lang}", "validation", parsers.squad, f"xquad-{lang}")

    return read


def tydiqa_read(split: str, lang: str, ours: str) -> Read:
    return _x(
        "tydiqa",
        split,
        parsers.squad,
        f"tydiqa-{ours}-{lang}",
        _tydiqa_language_is(lang),
        f"id starts with '{TYDIQA_NAME[lang]}-'",
    )


def tydiqa_plan(langs):
    return [
        Part(split_file("train"), (tydiqa_read("train", "en", "train"),)),
        Part(split_file("dev"), (tydiqa_read("validation", "en", "dev"),)),
        *(Part(split_file("test", lang), (tydiqa_read("validation", lang, "test"),)) for lang in langs),
    ]


def mlqa_read(lang: str) -> Read:
    return _x(f"MLQA.{lang}.{lang}", "test", parsers.squad, f"mlqa-{lang}")

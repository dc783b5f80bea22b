"""The retrieval targets, scored without training: BUCC 2018 and Tatoeba, from ``google/xtreme``.

Hub schema: ``bucc18.<lang>`` (de, fr, ru, zh): source_sentence, target_sentence, source_lang, target_lang; splits
validation (the BUCC "sample" gold pairs) and test (the "training" gold pairs, as XTREME). Each row is one gold pair;
``source_lang`` / ``target_lang`` hold the BUCC sentence ids (e.g. ``de-000000012`` / ``en-000000345``), which we
keep in our ids. ``tatoeba.<iso639-3>``: the same four columns; split validation, 1,000 pairs (fewer for a few
languages); source = the language, target = English; sentences keep the source files' trailing newlines, stripped.

Files: BUCC ``dev.<lang>.jsonl`` (validation, for the mining threshold) and ``test.<lang>.jsonl``; Tatoeba
``test.<lang>.jsonl``. Retrieval format: src lines in the language, tgt lines in English, ``gold`` = the id of the
translation.

Known limit (recorded in task.json): the hub's ``bucc18`` configs hold only the gold pairs, not the full comparable
corpora, so our BUCC sets have no distractor sentences and are easier than BUCC 2018 proper; F1 is not comparable to
published BUCC numbers.

REVISIONS ARE NOT PINNED (``main``): pin xtreme_targets.XTREME_REVISION to a validated commit.
"""

from __future__ import annotations

from functools import partial

from stiltgrid.core.paths import split_file
from stiltgrid.hub import parsers
from stiltgrid.hub.base import Part, Read
from stiltgrid.hub.xtreme_targets import XTREME_HUB

#: google/xtreme names Tatoeba configs by ISO 639-3 code (Persian: pes, Swahili: swh, Chinese: cmn)
TATOEBA_CONFIG = {
    "af": "afr",
    "ar": "ara",
    "bg": "bul",
    "bn": "ben",
    "de": "deu",
    "el": "ell",
    "es": "spa",
    "et": "est",
    "eu": "eus",
    "fa": "pes",
    "fi": "fin",
    "fr": "fra",
    "he": "heb",
    "hi": "hin",
    "hu": "hun",
    "id": "ind",
    "it": "ita",
    "ja": "jpn",
    "jv": "jav",
    "ka": "kat",
    "kk": "kaz",
    "ko": "kor",
    "ml": "mal",
    "mr": "mar",
    "nl": "nld",
    "pt": "por",
    "ru": "rus",
    "sw": "swh",
    "ta": "tam",
    "te": "tel",
    "th": "tha",
    "tl": "tgl",
    "tr": "tur",
    "ur": "urd",
    "vi": "vie",
    "zh": "cmn",
}

_bucc_rows = partial(parsers.parallel_pairs, src_id="source_lang", tgt_id="target_lang")


def bucc_plan(langs):
    return [
        Part(split_file(ours, lang), (Read(XTREME_HUB, f"bucc18.{lang}", split, _bucc_rows, f"bucc-{ours}-{lang}"),))
        for lang in langs
        for ours, split in (("dev", "validation"), ("test", "test"))
    ]


def tatoeba_plan(langs):
    return [
        Part(
            split_file("test", lang),
            (
                Read(
                    XTREME_HUB,
                    f"tatoeba.{TATOEBA_CONFIG[lang]}",
                    "validation",
                    parsers.parallel_pairs,
                    f"tatoeba-{lang}",
                ),
            ),
        )
        for lang in langs
    ]

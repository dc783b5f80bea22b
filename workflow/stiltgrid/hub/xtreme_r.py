"""The XTREME-R additions on the hub: XCOPA (trained on English SIQA) and LAReQA (XQuAD-R).

Hub schemas (config: columns; splits):
XCOPA's repositories (English SIQA, ``cambridgeltl/xcopa``) and their facts are declared in stiltgrid.tasks.xcopa.
``google-research-datasets/xquad_r`` ``<lang>`` (ar de el en es hi ru th tr vi zh): id, context, question, answers
{text, answer_start}; validation (1,190 questions, the same ids in every language).

XCOPA files: ``train.jsonl`` / ``dev.jsonl`` = English SIQA train / validation (3 choices: the context, the question,
answers A-C), ``test.<lang>.jsonl`` = the XCOPA test split (2 choices; context = premise; the keyword becomes an
English question like SIQA's: cause -> "What was the cause?", effect -> "What happened as a result?").
XTREME-R trains on SIQA and then on English COPA; our grid trains one English set per target and uses SIQA, the
first and much larger stage (33k questions against COPA's 400).

LAReQA files: ``test.pool.jsonl`` holds the candidate pool shared by every query language: every sentence of every
XQuAD-R context in all 11 languages (tgt lines, ``lareqa-<lang>-c<context>-s<sentence>``). ``test.<lang>.jsonl`` holds
the questions of that language (src lines) whose ``gold`` lists the sentence holding the answer in each language of
the pool (11 relevant candidates per question). Known limit (recorded in task.json): the hub copy has no sentence
breaks (the LAReQA release annotates them), so contexts are split with a punctuation rule (after . ! ? ؟ । followed
by a space, after 。！？); Thai, written without sentence punctuation, keeps whole paragraphs, and an abbreviation
may split a sentence. Candidates are the sentences alone (LAReQA's encoder also sees the paragraph).

XQuAD-R is read at ``main``; the data lock (stiltgrid.hub.lock) pins the commit they resolved to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from stiltgrid.core.paths import POOL, split_file
from stiltgrid.hub import parsers
from stiltgrid.hub.base import Drops, HubRef, Part, Read

XQUAD_R_REVISION = "main"  # UNPINNED: replace with a commit sha of google-research-datasets/xquad_r
XQUAD_R_HUB = HubRef("google-research-datasets/xquad_r", XQUAD_R_REVISION)

#: XQuAD-R languages, as the configs are named; the LAReQA pool always spans all of them
XQUAD_R_LANGUAGES = ("ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh")


# -- XCOPA ------------------------------------------------------------------------------------------------------------
def _choice_label(value, n: int) -> int | None:
    """0-based label from an int (XCOPA) or a 1-based digit string (SIQA: "1".."3")."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None
        label = int(value) - 1
    else:
        label = int(value)
    return label if 0 <= label < n else None


def siqa_rows(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    for i, row in enumerate(rows):
        choices = [parsers._text(row.get(f"answer{k}")) for k in "ABC"]
        label = _choice_label(row.get("label"), 3)
        if label is None:
            drops.add("no gold label")
            continue
        if not all(choices):
            drops.add("empty choice")
            continue
        yield {
            "id": f"{prefix}-{i}",
            "context": parsers._text(row.get("context")),
            "question": parsers._text(row.get("question")),
            "choices": choices,
            "label": label,
        }


#: XCOPA's untranslated question keyword -> an English question, the form the SIQA-trained model has seen
COPA_QUESTIONS = {"cause": "What was the cause?", "effect": "What happened as a result?"}


def xcopa_rows(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    for i, row in enumerate(rows):
        label = row.get("label")
        label = None if isinstance(label, str) else _choice_label(label, 2)
        keyword = parsers._text(row.get("question")).lower()
        if keyword not in COPA_QUESTIONS:
            drops.add("question is neither cause nor effect")
            continue
        choices = [parsers._text(row.get("choice1")), parsers._text(row.get("choice2"))]
        if label is None:
            drops.add("no gold label")
            continue
        if not all(choices) or not parsers._text(row.get("premise")):
            drops.add("empty premise or choice")
            continue
        idx = row.get("idx")
        yield {
            "id": f"{prefix}-{idx if idx is not None else i}",
            "context": parsers._text(row.get("premise")),
            "question": COPA_QUESTIONS[keyword],
            "choices": choices,
            "label": label,
        }


def xcopa_plan(siqa: HubRef, xcopa: HubRef):
    """train/dev from English SIQA (``siqa``: its repository), test from XCOPA (``xcopa``)."""
    return lambda langs: _xcopa_parts(siqa, xcopa, langs)


def _xcopa_parts(siqa: HubRef, xcopa: HubRef, langs):
    return [
        Part(split_file("train"), (Read(siqa, None, "train", siqa_rows, "siqa-train"),)),
        Part(split_file("dev"), (Read(siqa, None, "validation", siqa_rows, "siqa-dev"),)),
        *(
            Part(split_file("test", lang), (Read(xcopa, lang, "test", xcopa_rows, f"xcopa-test-{lang}"),))
            for lang in langs
        ),
    ]


# -- LAReQA (XQuAD-R) -------------------------------------------------------------------------------------------------
# A boundary follows sentence-final punctuation and whitespace, or a full-width stop (no space in Chinese).
_BOUNDARY = re.compile(r"(?<=[.!?\u061f\u0964])\s+|(?<=[\u3002\uff01\uff1f])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of ``text``, surrounding whitespace excluded."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


class LareqaPool:
    """The pool part records, per language, which candidate holds each question's answer; the query parts that follow
    it in the plan read those records (a plan's parts are written in order, so the pool is complete by then)."""

    def __init__(self, pool_langs: tuple[str, ...]):
        self.pool_langs = pool_langs
        self.answer: dict[str, dict[str, str]] = {lang: {} for lang in pool_langs}

    def candidates(self, lang: str):
        def parse(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
            contexts: dict[str, int] = {}
            for row in rows:
                context = row.get("context") or ""
                if not context.strip():
                    drops.add("empty context")
                    continue
                new = context not in contexts
                c = contexts.setdefault(context, len(contexts))
                spans = sentence_spans(context)
                if new:
                    for s, (a, b) in enumerate(spans):
                        yield {"id": f"{prefix}-c{c:04d}-s{s:02d}", "side": "tgt", "text": context[a:b], "gold": None}
                answers = row.get("answers") or {}
                texts, starts = parsers.align_answers(
                    context, list(answers.get("text") or []), list(answers.get("answer_start") or []), drops
                )
                qid = parsers._text(row.get("id"))
                if not texts or not qid:
                    drops.add("question without answer")
                    continue
                hit = next((s for s, (a, b) in enumerate(spans) if a <= starts[0] < b), None)
                if hit is None:  # the answer starts in whitespace between two sentences
                    hit = next((s for s, (a, _) in enumerate(spans) if a >= starts[0]), len(spans) - 1)
                self.answer[lang][qid] = f"{prefix}-c{c:04d}-s{hit:02d}"

        return parse

    def queries(self, lang: str):
        def parse(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
            for row in rows:
                qid, question = parsers._text(row.get("id")), parsers._text(row.get("question"))
                gold = [self.answer[m][qid] for m in self.pool_langs if qid in self.answer[m]]
                if not question or qid not in self.answer[lang]:
                    drops.add("question without answer")
                    continue
                missing = len(self.pool_langs) - len(gold)
                if missing:
                    drops.add("answer sentence missing in another language", missing)
                yield {"id": f"{prefix}-{qid}", "side": "src", "text": question, "gold": gold}

        return parse


def lareqa_plan(langs):
    pool = LareqaPool(XQUAD_R_LANGUAGES)
    return [
        Part(
            split_file("test", POOL),
            tuple(Read(XQUAD_R_HUB, m, "validation", pool.candidates(m), f"lareqa-{m}") for m in XQUAD_R_LANGUAGES),
        ),
        *(
            Part(
                split_file("test", lang),
                (Read(XQUAD_R_HUB, lang, "validation", pool.queries(lang), f"lareqa-{lang}-q"),),
            )
            for lang in langs
        ),
    ]

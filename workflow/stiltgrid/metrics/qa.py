"""Extractive-QA exact match and F1: the SQuAD v1.1 rules and the language-aware MLQA rules.

XTREME scores XQuAD and TyDiQA-GoldP with the official SQuAD v1.1 script for *every* language (also zh and th:
whitespace tokens, English articles, ASCII punctuation) and MLQA with the official MLQA script, whose
normalisation depends on the language. :data:`TASK_QA_RULES` records that choice per task.

SQuAD v1.1 normalisation: lower-case; delete the characters of ``string.punctuation``; replace the words a / an /
the by a space; collapse whitespace. Tokens are the whitespace-separated pieces of the normalised string.

MLQA normalisation: lower-case; delete every character whose Unicode category starts with ``P`` and every character
of ``string.punctuation`` (which adds ASCII symbols such as ``$ + < = > ^ ` | ~``); replace the language's articles
(en: a an the; es: un una unos unas el la los las; de: ein eine einen einem eines einer der die das den dem des;
vi: của là cái chiếc những; ar: every occurrence of ال, also inside words, as the official regex does; hi, zh: none)
by a space; then tokenise: whitespace for en es hi vi de ar, and "mixed segmentation" for zh, where each CJK
character in U+4E00-U+9FA5 (and each punctuation character) is a token of its own and the remaining runs are split
on whitespace. The official script rejects any other language; here ``strict=False`` treats an unknown language as
article-free and whitespace-tokenised instead.

Per question: EM = normalised prediction equals a normalised gold answer; F1 = token-overlap F1 (multiset
intersection), 0 when nothing overlaps. Both take the max over the gold answers. A question missing from the
predictions scores 0 and still counts; predictions for unknown ids are ignored. Consequences of the official rules
that are kept on purpose: an empty prediction gets F1 0 even against a gold answer that normalises to the empty
string, but EM 1 in that case; a question with no gold answer makes the official scripts fail (max over nothing), so
it raises ``ValueError`` here.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

SQUAD = "squad"
MLQA = "mlqa"

#: which official script scores each QA task in XTREME's evaluate.py (English SQuAD dev uses the SQuAD rules too)
TASK_QA_RULES: dict[str, str] = {"xquad": SQUAD, "tydiqa": SQUAD, "mlqa": MLQA, "squad": SQUAD}

# ---------------------------------------------------------------------------------------------------------------
# SQuAD v1.1

_SQUAD_PUNCT = frozenset(string.punctuation)
_SQUAD_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_squad(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _SQUAD_PUNCT)
    text = _SQUAD_ARTICLES.sub(" ", text)
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------------------------
# MLQA


@cache
def _is_mlqa_punct(ch: str) -> bool:
    return ch in _SQUAD_PUNCT or unicodedata.category(ch).startswith("P")


MLQA_ARTICLES: dict[str, re.Pattern | None] = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "vi": re.compile(r"\b(của|là|cái|chiếc|những)\b"),
    # The official pattern is "\sال^|ال": its first branch can never match (a '^' after text), so in effect every
    # "ال" is replaced by a space, also inside words. Kept as is to reproduce the official numbers.
    "ar": re.compile("\\sال^|ال"),
    "hi": None,
    "zh": None,
}
MLQA_WHITESPACE_LANGS = frozenset({"en", "es", "hi", "vi", "de", "ar"})
MLQA_MIXED_SEGMENTATION_LANGS = frozenset({"zh"})
MLQA_LANGS = MLQA_WHITESPACE_LANGS | MLQA_MIXED_SEGMENTATION_LANGS
_CJK = re.compile("[\u4e00-\u9fa5]")


def mixed_segmentation(text: str) -> list[str]:
    """Split into tokens: every CJK character (U+4E00-U+9FA5) or punctuation character alone, other runs on spaces."""
    tokens: list[str] = []
    run: list[str] = []
    for ch in text:
        if _CJK.match(ch) or _is_mlqa_punct(ch):
            if run:
                tokens.extend("".join(run).split())
                run = []
            tokens.append(ch)
        else:
            run.append(ch)
    if run:
        tokens.extend("".join(run).split())
    return tokens


def _check_mlqa_lang(lang: str | None, strict: bool) -> str | None:
    if lang in MLQA_LANGS:
        return lang
    if strict:
        raise ValueError(
            f"MLQA rules are defined for {', '.join(sorted(MLQA_LANGS))}; got language {lang!r} "
            f"(pass strict=False to score it without articles and with whitespace tokens)"
        )
    return None


def normalize_mlqa(text: str, lang: str, strict: bool = True) -> str:
    known = _check_mlqa_lang(lang, strict)
    text = text.lower()
    text = "".join(ch for ch in text if not _is_mlqa_punct(ch))
    articles = MLQA_ARTICLES.get(known) if known else None
    if articles is not None:
        text = articles.sub(" ", text)
    tokens = mixed_segmentation(text) if known in MLQA_MIXED_SEGMENTATION_LANGS else text.split()
    return " ".join(t for t in tokens if t.strip())


# ---------------------------------------------------------------------------------------------------------------
# per-answer and per-set scores


def _normalizer(rules: str, lang: str | None, strict: bool):
    if rules == SQUAD:
        return normalize_squad
    if rules == MLQA:
        _check_mlqa_lang(lang, strict)
        return lambda text: normalize_mlqa(text, lang, strict)
    raise ValueError(f"unknown QA rules {rules!r}; use '{SQUAD}' or '{MLQA}'")


def _token_f1(prediction_norm: str, gold_norm: str) -> float:
    pred_tokens = prediction_norm.split()
    gold_tokens = gold_norm.split()
    overlap = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(pred_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_scores(
    predictions: Mapping[str, str],
    references: Mapping[str, Sequence[str]],
    lang: str | None = None,
    rules: str = SQUAD,
    strict: bool = True,
) -> dict[str, float]:
    """``{"exact_match", "f1"}`` in percent over the questions of ``references`` (id -> list of gold texts).

    ``rules="squad"`` (default) applies the SQuAD v1.1 script whatever ``lang`` is (that is what XTREME does for
    XQuAD and TyDiQA); ``rules="mlqa"`` applies the MLQA script for ``lang`` (see :func:`mlqa_scores`).
    """
    norm = _normalizer(rules, lang, strict)
    if not references:
        raise ValueError("QA scoring: no reference questions")
    em_total = f1_total = 0.0
    for qid, golds in references.items():
        if isinstance(golds, str):
            raise ValueError(f"QA scoring: gold answers of question {qid!r} must be a list of strings, got a string")
        golds = list(golds)
        if not golds:
            raise ValueError(
                f"QA scoring: question {qid!r} has no gold answer (the official SQuAD/MLQA scripts "
                f"take a max over the gold answers and fail on an empty list)"
            )
        if qid not in predictions:
            continue  # unanswered: 0 for both, still counted in the denominator
        pred = norm(predictions[qid])
        gold_norms = [norm(g) for g in golds]
        em_total += max(float(pred == g) for g in gold_norms)
        f1_total += max(_token_f1(pred, g) for g in gold_norms)
    n = len(references)
    return {"exact_match": 100.0 * em_total / n, "f1": 100.0 * f1_total / n}


def mlqa_scores(
    predictions: Mapping[str, str], references: Mapping[str, Sequence[str]], lang: str, strict: bool = True
) -> dict[str, float]:
    """MLQA's official EM/F1 for context language ``lang`` (en es de ar hi vi zh; others need ``strict=False``)."""
    return squad_scores(predictions, references, lang=lang, rules=MLQA, strict=strict)


def qa_scores(
    task: str,
    predictions: Mapping[str, str],
    references: Mapping[str, Sequence[str]],
    lang: str | None = None,
    strict: bool = True,
) -> dict[str, float]:
    """EM/F1 with the rules XTREME uses for ``task`` (xquad, mlqa, tydiqa, squad); see :data:`TASK_QA_RULES`."""
    try:
        rules = TASK_QA_RULES[task]
    except KeyError:
        raise ValueError(f"no QA rules for task {task!r}; known: {', '.join(sorted(TASK_QA_RULES))}") from None
    return squad_scores(predictions, references, lang=lang, rules=rules, strict=strict)


def references_from_examples(examples: Iterable[Mapping]) -> dict[str, list[str]]:
    """id -> gold answer texts from ``span_qa`` examples (see :mod:`stiltgrid.formats`)."""
    refs: dict[str, list[str]] = {}
    for ex in examples:
        if ex["id"] in refs:
            raise ValueError(f"QA references: duplicate question id {ex['id']!r}")
        refs[ex["id"]] = list(ex["answers"]["text"])
    return refs

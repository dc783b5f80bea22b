"""Synthetic cross-lingual augmentation of an English intermediate training set.

- :func:`mix_translations`: swap a share of the examples for their translation (translate-train style mixing).
- :func:`codeswitch` / :func:`codeswitch_with_stats`: CoSDA-ML-style code-switching through bilingual lexicons.

Both are deterministic given the seed, keep the training-set size and order, and check their output against the
task format (:mod:`stiltgrid.formats`), so a malformed translation is caught here rather than in training.
"""

from __future__ import annotations

import copy
import logging
import random
from collections import Counter
from dataclasses import dataclass, field

from stiltgrid.data.perturb import KeyedRandom, lookup, match_case, validate, word_rewriter
from stiltgrid.formats import Format, get_format, trainable_formats

log = logging.getLogger(__name__)


def _training_format(fmt: str, what: str) -> Format:
    form = get_format(fmt)
    if not form.trainable:
        raise ValueError(f"{what}: format {fmt!r} is not a training format; known: {', '.join(trainable_formats())}")
    return form


def _check_share(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")


def _sample(n: int, share: float, rng: random.Random) -> list[int]:
    """Exactly round(share * n) distinct indices, in increasing order."""
    return sorted(rng.sample(range(n), round(share * n)))


def _unique_ids(examples: list[dict]) -> None:
    """Make ids unique in place: a repeated id gets ``#2``, ``#3``, ... (first occurrence unchanged)."""
    seen: set[str] = {ex["id"] for ex in examples}
    counts: Counter[str] = Counter()
    for ex in examples:
        counts[ex["id"]] += 1
        if counts[ex["id"]] > 1:
            k = counts[ex["id"]]
            while f"{ex['id']}#{k}" in seen:
                k += 1
            ex["id"] = f"{ex['id']}#{k}"
            seen.add(ex["id"])


def mix_translations(
    english: list[dict], fmt: str, translations: dict[str, list[dict]], share: float, seed: int
) -> list[dict]:
    """Replace exactly round(share * n) randomly chosen English examples by their translation.

    ``translations[lang]`` is parallel to ``english`` (index i is a translation of example i; ids may differ). Each
    replaced example takes a language drawn uniformly from ``translations``; its id becomes the English id with
    ``@{lang}`` appended (made unique). Size and order are kept; the rest are copies of the English examples.
    """
    _check_share("share", share)
    n = len(english)
    for lang, rows in translations.items():
        if len(rows) != n:
            raise ValueError(
                f"mix_translations: translations[{lang!r}] has {len(rows)} examples, "
                f"the English set {n}; they must be parallel"
            )
    if not n:
        return []
    label = _training_format(fmt, "mix_translations").label_field  # agrees between an example and its translation
    validate(english, fmt, "mix_translations: english")
    for lang, rows in translations.items():
        validate(rows, fmt, f"mix_translations: translations[{lang!r}]")
        for i, (en, row) in enumerate(zip(english, rows)):
            if label and row[label] != en[label]:
                raise ValueError(
                    f"mix_translations: translations[{lang!r}][{i}] has {label} {row[label]!r}, the "
                    f"English example {en['id']!r} has {en[label]!r}; are they parallel?"
                )
    rng = random.Random(f"stiltgrid.augment.mix|{seed}")
    chosen = _sample(n, share, rng)
    if chosen and not translations:
        raise ValueError("mix_translations: share > 0 needs at least one language in translations")
    langs = sorted(translations)
    out = [copy.deepcopy(ex) for ex in english]
    used: Counter[str] = Counter()
    for i in chosen:
        lang = rng.choice(langs)
        out[i] = {**copy.deepcopy(translations[lang][i]), "id": f"{english[i]['id']}@{lang}"}
        used[lang] += 1
    _unique_ids(out)
    validate(out, fmt, "mix_translations: output")
    log.info(
        "mix_translations: %d of %d examples replaced by translations (%s)",
        len(chosen),
        n,
        ", ".join(f"{lang}: {k}" for lang, k in sorted(used.items())) or "none",
    )
    return out


@dataclass
class SwitchStats:
    """What :func:`codeswitch_with_stats` did: examples and words (tagging: tokens) switched, per language."""

    examples: int = 0
    selected: int = 0
    switched_examples: int = 0
    switched_words: int = 0
    by_language: dict[str, int] = field(default_factory=dict)  # language -> switched examples

    def as_dict(self) -> dict:
        return {
            "examples": self.examples,
            "selected": self.selected,
            "switched_examples": self.switched_examples,
            "switched_words": self.switched_words,
            "by_language": dict(sorted(self.by_language.items())),
        }


def codeswitch_with_stats(
    examples: list[dict], fmt: str, lexicons: dict[str, dict[str, str]], share: float, rate: float, seed: int
) -> tuple[list[dict], SwitchStats]:
    """:func:`codeswitch`, also returning its counts."""
    form = _training_format(fmt, "codeswitch")
    _check_share("share", share)
    _check_share("rate", rate)
    validate(examples, fmt, "codeswitch: input")
    stats = SwitchStats(examples=len(examples))
    rng = random.Random(f"stiltgrid.augment.codeswitch|{seed}")
    chosen = set(_sample(len(examples), share, rng))
    stats.selected = len(chosen)
    if chosen and not lexicons:
        raise ValueError(
            "codeswitch: share > 0 needs lexicons (language -> {English word: word}, "
            "see stiltgrid.core.lexicons.load_lexicon)"
        )
    langs = sorted(lexicons)
    out = []
    for i, ex in enumerate(examples):
        if i not in chosen:
            out.append(copy.deepcopy(ex))
            continue
        keyed = KeyedRandom(seed, "augment.codeswitch", f"{i}|{ex['id']}")
        lang = keyed("language").choice(langs)
        lexicon = lexicons[lang]

        def word_fn(key: str, word: str, lexicon=lexicon, keyed=keyed) -> str | None:
            new, via_lower = lookup(lexicon, word)
            if new is None or keyed(key).random() >= rate:
                return None
            return match_case(word, new, via_lower)

        new_ex, n_switched = form.rewrite(ex, *word_rewriter(word_fn))
        if n_switched:
            new_ex["id"] = f"{ex['id']}@cs-{lang}"
            stats.switched_examples += 1
            stats.switched_words += n_switched
            stats.by_language[lang] = stats.by_language.get(lang, 0) + 1
        out.append(new_ex)
    _unique_ids(out)
    validate(out, fmt, "codeswitch: output")
    log.info(
        "codeswitch: %d of %d examples selected, %d switched (%d words; %s)",
        stats.selected,
        stats.examples,
        stats.switched_examples,
        stats.switched_words,
        ", ".join(f"{lang}: {k}" for lang, k in sorted(stats.by_language.items())) or "no language",
    )
    return out, stats


def codeswitch(
    examples: list[dict], fmt: str, lexicons: dict[str, dict[str, str]], share: float, rate: float, seed: int
) -> list[dict]:
    """Code-switch exactly round(share * n) randomly chosen examples: each word found in the lexicon of a language
    drawn per example (lower-cased lookup; a capital initial is kept) is replaced by its translation with
    probability ``rate``. Text fields of every training format are switched; tagging switches inside tokens so
    tags stay aligned; span QA leaves answer spans intact and moves their offsets. A switched example's id gets
    ``@cs-{lang}``. Counts are logged (see :func:`codeswitch_with_stats` to get them)."""
    return codeswitch_with_stats(examples, fmt, lexicons, share, rate, seed)[0]

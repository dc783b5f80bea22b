"""The :class:`World`: languages built deterministically from a spec, plus corpus, task and retrieval generation."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from dataclasses import replace

from stiltgrid.world.language import Language, Tok, proto_lexicon
from stiltgrid.world.lexicon import LEXICON, LOCATIONS, PROFESSIONS, THING_NOUNS, VERBS, is_mass, verb_takes
from stiltgrid.world.meaning import NP, Clause, Profile, sample_clause, sample_person, sample_story
from stiltgrid.world.spec import validate_spec
from stiltgrid.world.tasks import ACQ_VERBS, acquirable, sample_question, use_verbs

CORPUS_PROFILE = Profile(p_neg=0.2, p_adj=0.45, p_num=0.2, p_loc=0.45, p_coord=0.1, p_rel=0.12, p_front=0.15,
                         p_cop=0.15)

_GENERIC_VERBS = tuple(v for v in VERBS if LEXICON[v].polarity == 0 and any(verb_takes(v, n) for n in THING_NOUNS))


class World:
    """A generated multilingual world. ``World(spec)`` validates a *full* spec (see :data:`DEFAULT_WORLD` and
    :func:`validate_spec`) and builds every language's lexicon and grammar deterministically from it."""

    def __init__(self, spec: dict):
        validate_spec(spec)
        self.spec = copy.deepcopy(spec)
        self.seed: int = spec["seed"]
        protos = {name: proto_lexicon(self.seed, name, fam) for name, fam in spec["families"].items()}
        self.languages: dict[str, Language] = {
            code: Language(code, lang, spec["families"][lang["family"]], protos[lang["family"]], self.seed)
            for code, lang in spec["languages"].items()}

    # -- languages ----------------------------------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        return list(self.languages)

    def language(self, code: str) -> Language:
        try:
            return self.languages[code]
        except KeyError:
            raise KeyError(f"unknown language {code!r}; this world has {', '.join(self.languages)}") from None

    def realise(self, meaning: Clause | list[Clause], lang: str = "en") -> list[Tok]:
        """Tokens (text, UPOS, NER BIO tag, CCG supertag, role) of a meaning in ``lang``."""
        return self.language(lang).realise(meaning)

    def translate(self, meaning: Clause | list[Clause], lang: str, noise: float = 0.0,
                  rng: random.Random | int | None = None) -> str:
        """The sentence(s) for ``meaning`` in ``lang``; with ``noise`` > 0 each plain word is, with that probability,
        dropped or replaced by a random word of the same part of speech (a deliberately noisy translation)."""
        if not isinstance(rng, random.Random):
            rng = random.Random(f"{self.seed}:translate:{rng}")
        language = self.language(lang)
        return " ".join(t.text for t in language.noisy(language.realise(meaning), noise, rng))

    def lexicon(self, lang: str) -> list[tuple[str, str, str]]:
        """Bilingual lexicon rows (English word, word in ``lang``, UPOS), for code-switching augmentation."""
        return self.language(lang).lexicon()

    def lexical_overlap(self, lang: str, ref: str = "en") -> float:
        """Share of (non-entity) lexicon word forms identical in ``lang`` and ``ref``: planted lexical distance."""
        a, b = self.language(lang), self.language(ref)
        keys = [k for k in a.forms if not k[0].startswith("#") and k[0] != "QPART"]
        return sum(a.forms[k] == b.forms[k] for k in keys) / len(keys)

    # -- corpus -------------------------------------------------------------------------------------------------
    def corpus_lines(self, lang: str, n: int) -> Iterator[str]:
        """``n`` lines of MLM pre-training text in ``lang`` (its own random stream: corpora are not parallel)."""
        language = self.language(lang)
        rng = random.Random(f"{self.seed}:corpus:{lang}")
        for _ in range(n):
            yield language.text(sample_corpus_line(rng))

    # -- tasks --------------------------------------------------------------------------------------------------
    def task_splits(self, task: str, split: str, n: int, langs: list[str], noise: float = 0.0
                    ) -> dict[str, list[dict]]:
        """One split of a task rendered in several languages, as the task's module declares (see
        :class:`~stiltgrid.world.tasks.WorldData`)."""
        from stiltgrid.tasks import world_tasks

        generated = world_tasks()
        if task not in generated:
            raise KeyError(f"unknown world task {task!r}; known: {', '.join(generated)}")
        return generated[task].world.splits(self, task, split, n, langs, noise)

    def task_examples(self, task: str, split: str, n: int, lang: str = "en", noise: float = 0.0) -> list[dict]:
        """``n`` examples of ``task``/``split`` in ``lang`` (any task can be generated in any language; the same
        split in two languages is parallel)."""
        return self.task_splits(task, split, n, [lang], noise)[lang]


def sample_corpus_line(rng: random.Random) -> list[Clause]:
    """One corpus line: a statement, a question, a short multi-sentence line, a generic or comparative sentence."""
    r = rng.random()
    if r < 0.48:
        c = sample_clause(rng, CORPUS_PROFILE)
        if c.verb is not None:
            x = rng.random()
            if x < 0.05:
                c = replace(c, then=True)
            elif x < 0.1:
                c = replace(c, adv="usually")
        return [c]
    if r < 0.68:
        return [sample_question(rng, CORPUS_PROFILE)]
    if r < 0.80:
        return sample_story(rng, rng.choice((2, 2, 3)), CORPUS_PROFILE)
    if r < 0.87:
        if rng.random() < 0.5:
            verb = rng.choice(_GENERIC_VERBS)
            obj = rng.choice([n for n in THING_NOUNS if verb_takes(verb, n)])
            c = Clause(subj=(NP("one"),), verb=verb, obj=NP(obj, pl=not is_mass(obj)), adv="usually")
            return [replace(c, wh="obj") if rng.random() < 0.4 else c]
        prof = rng.choice(sorted(PROFESSIONS))
        verb, objs = PROFESSIONS[prof]
        c = Clause(subj=(NP(prof),), verb=verb, obj=NP(rng.choice(objs)), adv="usually")
        return [replace(c, wh="subj") if rng.random() < 0.4 else c]
    if r < 0.93:
        verb = rng.choice(["buy", "purchase", "sell", "carry", "find", "eat", "read"])
        noun = rng.choice([n for n in THING_NOUNS if verb_takes(verb, n) and not is_mass(n)])
        subj = sample_person(rng, names_only=True)
        if rng.random() < 0.6:
            return [Clause(subj=(subj,), verb=verb, obj=NP(noun, num=rng.randint(2, 12),
                                                          quant=rng.choice(("over", "under"))))]
        return [Clause(subj=(subj,), verb=verb, obj=NP(noun, quant="more"), wh="subj")]
    acq = rng.choice(ACQ_VERBS)
    x = rng.choice(acquirable(acq))
    a = sample_person(rng, p_adj=0.0)
    loc = rng.choice(LOCATIONS) if rng.random() < 0.3 else None
    return [Clause(subj=(a,), verb=acq, obj=NP(x), loc=loc),
            Clause(subj=(a,), verb=rng.choice(use_verbs(x)), obj=NP(x), then=True)]

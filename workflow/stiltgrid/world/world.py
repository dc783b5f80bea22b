"""The :class:`World`: languages built deterministically from a spec, plus corpus, task and retrieval generation."""

from __future__ import annotations

import copy
import random
from dataclasses import replace
from typing import Iterator

from .language import Language, Tok, proto_lexicon
from .lexicon import LEXICON, LOCATIONS, PROFESSIONS, THING_NOUNS, VERBS, is_mass, verb_takes
from .meaning import NP, Clause, Profile, sample_clause, sample_person, sample_story
from .spec import validate_spec
from .tasks import (ACQ_VERBS, POOLED_TASKS, RETRIEVAL_TASKS, TASKS, WORLD_TASKS, acquirable, use_verbs,
                    abstract_examples, lareqa_abstracts, mewslix_entities, mewslix_mentions, retrieval_meanings,
                    sample_question)

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
        """One split of a task rendered in several languages: the same abstract examples (same meanings, labels and
        ids up to the language part) in each. Ids are ``{task}-{split}-{lang}-{index:06d}``."""
        if task not in WORLD_TASKS:
            raise KeyError(f"unknown world task {task!r}; known: {', '.join(WORLD_TASKS)}")
        if task in RETRIEVAL_TASKS:
            return {lang: self.retrieval(task, split, n, lang) for lang in langs}
        if task in POOLED_TASKS:
            return self.pooled_retrieval(task, split, n, langs)
        rng = random.Random(f"{self.seed}:task:{task}:{split}")
        abstracts = abstract_examples(task, rng, n)
        gen = TASKS[task]
        out: dict[str, list[dict]] = {}
        for lang in langs:
            language = self.language(lang)
            nrng = random.Random(f"{self.seed}:noise:{task}:{split}:{lang}")
            rows = []
            for i, ab in enumerate(abstracts):
                ex = {"id": f"{task}-{split}-{lang}-{i:06d}"}
                ex.update(gen.render(ab, language, noise, nrng))
                rows.append(ex)
            out[lang] = rows
        return out

    def task_examples(self, task: str, split: str, n: int, lang: str = "en", noise: float = 0.0) -> list[dict]:
        """``n`` examples of ``task``/``split`` in ``lang`` (any task can be generated in any language; the same
        split in two languages is parallel)."""
        return self.task_splits(task, split, n, [lang], noise)[lang]

    def retrieval(self, task: str, split: str, n: int, lang: str) -> list[dict]:
        """BUCC-style (``bucc``: ~70% of src lines have their translation among the English tgt lines, near-miss
        distractors on both sides) or Tatoeba-style (``tatoeba``: every src line has its English translation)
        examples for one language: src lines first, then tgt lines, each side shuffled. The meanings are the same
        for every language."""
        if task not in RETRIEVAL_TASKS:
            raise KeyError(f"{task!r} is not a retrieval task ({', '.join(RETRIEVAL_TASKS)})")
        en, language = self.language("en"), self.language(lang)
        rng = random.Random(f"{self.seed}:task:{task}:{split}")
        share = 0.7 if task == "bucc" else 1.0
        par, src_only, tgt_only = retrieval_meanings(rng, n, share, en)
        src = [(c, i) for i, c in enumerate(par)] + [(c, None) for c in src_only]
        tgt = list(enumerate(par)) + [(len(par) + j, c) for j, c in enumerate(tgt_only)]
        rng.shuffle(src)
        rng.shuffle(tgt)
        tgt_id = {}
        rows = []
        prefix = f"{task}-{split}-{lang}"
        tgt_rows = []
        for j, (key, c) in enumerate(tgt):
            tid = f"{prefix}-tgt-{j:06d}"
            tgt_id[key] = tid
            tgt_rows.append({"id": tid, "side": "tgt", "text": en.text(c), "gold": None})
        for i, (c, key) in enumerate(src):
            rows.append({"id": f"{prefix}-src-{i:06d}", "side": "src", "text": language.text(c),
                         "gold": tgt_id[key] if key is not None else None})
        return rows + tgt_rows


    def pooled_retrieval(self, task: str, split: str, n: int, langs: list[str]) -> dict[str, list[dict]]:
        """Query/pool retrieval, one file per language of ``langs`` (English included), each with its ``n`` queries
        (src lines, the same meanings in every language) and the whole candidate pool (tgt lines, the same in every
        file).

        ``lareqa``: questions about short stories; the pool holds every sentence of every story in every language of
        ``langs``; a question's gold is its answer sentence in each of them. ``mewslix``: ``<mention> | <sentence>``
        contexts naming a person; the pool holds English descriptions of several entities per name; the gold is
        the one entity the context fits."""
        if task not in POOLED_TASKS:
            raise KeyError(f"{task!r} is not a query/pool retrieval task ({', '.join(POOLED_TASKS)})")
        rng = random.Random(f"{self.seed}:task:{task}:{split}")
        prefix = f"{task}-{split}"
        queries: dict[str, list[dict]] = {}
        if task == "lareqa":
            abstracts = lareqa_abstracts(rng, n)
            pool = [{"id": f"{prefix}-{m}-c{i:06d}-s{t}", "side": "tgt", "text": self.language(m).text(c),
                     "gold": None}
                    for m in langs for i, ab in enumerate(abstracts) for t, c in enumerate(ab.context)]
            for lang in langs:
                language = self.language(lang)
                queries[lang] = [{"id": f"{prefix}-{lang}-q{i:06d}", "side": "src",
                                  "text": language.text(ab.question),
                                  "gold": [f"{prefix}-{m}-c{i:06d}-s{ab.sentence}" for m in langs]}
                                 for i, ab in enumerate(abstracts)]
        else:
            entities = mewslix_entities(rng)
            mentions = mewslix_mentions(rng, entities, n)
            en = self.language("en")
            pool = [{"id": f"{prefix}-e{k:04d}", "side": "tgt", "text": en.text(e.description()), "gold": None}
                    for k, e in enumerate(entities)]
            for lang in langs:
                language = self.language(lang)
                queries[lang] = [{"id": f"{prefix}-{lang}-m{i:06d}", "side": "src",
                                  "text": f"{' '.join(t.text for t in language.np(c.subj[0], '', bare=True))} | "
                                          f"{language.text(c)}",
                                  "gold": f"{prefix}-e{k:04d}"}
                                 for i, (k, c) in enumerate(mentions)]
        return {lang: queries[lang] + pool for lang in langs}


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

"""Task generators of the generated world, per format; a task's module says which one renders it and with which
parameters (:class:`WorldData`).

Each task draws *abstract* examples (meanings, labels, which role a question asks about) from its own seeded stream,
then renders them in a language. Abstract examples never depend on the language, so a test set is the same meanings
in every language (like XNLI / XQuAD), English training data and a translated training set are parallel, and every
label follows from the meaning, not from a surface form.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from stiltgrid.world.language import Language, Tok
from stiltgrid.world.lexicon import (
    ADJECTIVES,
    LEXICON,
    LOCATIONS,
    PERSON_NOUNS,
    PERSONS,
    PROFESSIONS,
    THING_NOUNS,
    VERBS,
    adj_applies,
    adjectives_for,
    is_mass,
    verb_takes,
)
from stiltgrid.world.meaning import (
    CONTRADICTION,
    ENTAILMENT,
    NEUTRAL,
    NP,
    Clause,
    Profile,
    apply_ops,
    canonical,
    concept_of,
    is_person,
    nli_label,
    op_synonym,
    same_meaning,
    sample_clause,
    sample_person,
    sample_story,
)

NLI_LABELS = (ENTAILMENT, NEUTRAL, CONTRADICTION)


@dataclass(frozen=True)
class WorldData:
    """How the world generates one task (declared in the task's module): the generator of its format and the label
    order the balanced label schedule cycles through (task.json lists it; for tagging, the tag set)."""

    generator: Generator
    labels: tuple[str, ...] | None = None

    @property
    def n_choices(self) -> int | None:
        return self.generator.n_choices or None

    def abstract_examples(self, rng: random.Random, n: int) -> list[Any]:
        if self.labels and self.generator.fmt != "tagging":
            schedule: list[Any] = [self.labels[i % len(self.labels)] for i in range(n)]
            rng.shuffle(schedule)
        elif self.generator.n_choices:
            schedule = [i % self.generator.n_choices for i in range(n)]
            rng.shuffle(schedule)
        else:
            schedule = [None] * n
        return [self.generator.abstract(rng, target) for target in schedule]

    def splits(
        self, world, task: str, split: str, n: int, langs: list[str], noise: float = 0.0
    ) -> dict[str, list[dict]]:
        """One split rendered in several languages: the same abstract examples (same meanings, labels and ids up to
        the language part) in each. Ids are ``{task}-{split}-{lang}-{index:06d}``."""
        if self.generator.fmt == "retrieval":
            return self.generator.splits(world, task, split, n, langs)
        rng = random.Random(f"{world.seed}:task:{task}:{split}")
        abstracts = self.abstract_examples(rng, n)
        out: dict[str, list[dict]] = {}
        for lang in langs:
            language = world.language(lang)
            nrng = random.Random(f"{world.seed}:noise:{task}:{split}:{lang}")
            rows = []
            for i, ab in enumerate(abstracts):
                ex = {"id": f"{task}-{split}-{lang}-{i:06d}"}
                ex.update(self.generator.render(ab, language, noise, nrng))
                rows.append(ex)
            out[lang] = rows
        return out


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _text(toks: list[Tok]) -> str:
    return " ".join(t.text for t in toks)


def _rendered(lang: Language, clauses, noise: float, rng: random.Random) -> str:
    return _text(lang.noisy(lang.realise(clauses), noise, rng))


E_OPS = ["drop_adj", "drop_loc", "drop_num", "drop_rel", "drop_coord", "synonym", "toggle_front"]
C_OPS = ["negate", "antonym", "change_subj", "change_obj", "change_loc", "change_num", "role_swap"]
N_OPS = ["add_adj", "add_loc", "add_rel"]


def _strip(c: Clause) -> Clause:
    return replace(c, then=False, adv=None, wh=None)


# ---------------------------------------------------------------------------------------------------------------
# task generators: abstract(rng, target) -> abstract example; render(ab, lang, noise, rng) -> example dict


class Generator:
    fmt: str
    n_choices: int = 0  # answer positions of a multiple-choice generator

    def abstract(self, rng: random.Random, target: Any) -> Any:
        raise NotImplementedError

    def render(self, ab: Any, lang: Language, noise: float, rng: random.Random) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class PairAb:
    a: tuple[Clause, ...]
    b: tuple[Clause, ...]
    label: str


class PairGenerator(Generator):
    fmt = "pair_classification"

    def render(self, ab: PairAb, lang: Language, noise: float, rng: random.Random) -> dict:
        return {
            "text_a": _rendered(lang, list(ab.a), noise, rng),
            "text_b": _rendered(lang, list(ab.b), noise, rng),
            "label": ab.label,
        }


class NLIGenerator(PairGenerator):
    def __init__(self, profile: Profile, p_two: float, e_ops: list[str], c_ops: list[str], n_ops: list[str]):
        self.profile, self.p_two = profile, p_two
        self.ops = {ENTAILMENT: e_ops, CONTRADICTION: c_ops, NEUTRAL: n_ops}

    def _ops(self, rng: random.Random, label: str) -> list[str]:
        if label == ENTAILMENT:
            return rng.sample(self.ops[ENTAILMENT], rng.choice((1, 1, 2)))
        extra = [rng.choice(E_OPS)] if rng.random() < 0.35 else []
        return [rng.choice(self.ops[label])] + extra

    def abstract(self, rng: random.Random, label: str) -> PairAb:
        while True:
            if rng.random() < self.p_two:
                premise = sample_story(rng, 2, self.profile)
            else:
                premise = [sample_clause(rng, self.profile)]
            base = rng.choice(premise)
            for _ in range(12):
                hyp = apply_ops(rng, base, self._ops(rng, label))
                if hyp == base:
                    continue
                if nli_label(premise, hyp) == label:
                    return PairAb(tuple(premise), (hyp,), label)


class ANLIGenerator(PairGenerator):
    """Harder NLI: number comparison, relative clauses and role reasoning, negation monotonicity, symmetric verbs,
    coordination, and full-lexical-overlap traps."""

    KINDS = ("num", "rel", "negmono", "sym", "coord", "cross")

    def _premise(self, rng: random.Random, kind: str) -> list[Clause]:
        if kind == "num":
            while True:
                c = sample_clause(rng, Profile(p_num=1.0, p_cop=0.0, p_rel=0.0, p_neg=0.0, p_coord=0.1))
                if c.obj is not None and c.obj.num is not None:
                    if rng.random() < 0.3:
                        c = replace(c, obj=replace(c.obj, num=None, pl=True))
                    return [c]
        if kind == "rel":
            while True:
                c = sample_clause(rng, Profile(p_rel=1.0, p_cop=0.0, p_coord=0.0, p_org=0.0, p_neg=0.15))
                if c.rel is not None:
                    return [c]
        if kind == "negmono":
            c = sample_clause(rng, Profile(p_cop=0.3, p_adj=0.6, p_rel=0.0))
            return [replace(c, neg=True)]
        if kind == "sym":
            verb = rng.choice(["meet", "meet", "see", "help", "call", "follow", "thank", "pay"])
            c = sample_clause(rng, Profile(p_rel=0.0, p_coord=0.0, p_org=0.0, p_pnoun=0.2, p_neg=0.15), verb=verb)
            while not is_person(c.obj):
                c = sample_clause(rng, Profile(p_rel=0.0, p_coord=0.0, p_org=0.0, p_neg=0.15), verb=verb)
            return [c]
        if kind == "coord":
            c = sample_clause(rng, Profile(p_coord=1.0, p_org=0.0, p_cop=0.0, p_rel=0.0, p_neg=0.1))
            return [c]
        return sample_story(rng, 2, Profile(p_org=0.0, p_coord=0.0, p_rel=0.0, p_neg=0.1))

    def _hyp(self, rng: random.Random, kind: str, premise: list[Clause]) -> Clause | None:
        p = premise[0]
        extra = rng.choice([[], [], ["synonym"], ["drop_loc"], ["add_loc"], ["negate"], ["drop_adj"], ["add_adj"]])
        if kind == "num":
            return (
                apply_ops(rng, p, ["quant"] + extra)
                if p.obj.num is not None
                else apply_ops(rng, p, ["add_num", "quant"] + extra)
            )
        if kind == "rel":
            op = rng.choice(["rel_extract", "rel_swap", "rel_cross", "subj_relobj_swap", "rel_obj_swap", "drop_rel"])
            return apply_ops(rng, p, [op] + extra)
        if kind == "negmono":
            ops = rng.choice(
                [
                    ["add_adj"],
                    ["drop_adj"],
                    ["negate", "add_adj"],
                    ["negate", "drop_adj"],
                    ["add_loc"],
                    ["drop_loc"],
                    ["negate"],
                    ["antonym"],
                    ["negate", "antonym"],
                ]
            )
            return apply_ops(rng, p, ops)
        if kind == "sym":
            return apply_ops(rng, p, ["role_swap"] + extra)
        if kind == "coord":
            op = rng.choice(["drop_coord", "change_subj", "swap_coord"])
            c = apply_ops(rng, p, [op] + extra)
            if op == "change_subj" and len(c.subj) > 1:
                c = replace(c, subj=(c.subj[0], sample_person(rng, c.subj, names_only=True)))
            return c
        a, b = premise
        if b.verb is None or a.verb is None:
            return None
        mixed = replace(b, subj=a.subj, rel=None)
        return apply_ops(rng, mixed, extra)

    def abstract(self, rng: random.Random, label: str) -> PairAb:
        while True:
            kind = rng.choice(self.KINDS)
            premise = self._premise(rng, kind)
            for _ in range(10):
                hyp = self._hyp(rng, kind, premise)
                if hyp is None or hyp in premise:
                    continue
                if nli_label(premise, hyp) == label:
                    return PairAb(tuple(premise), (replace(hyp, loc_front=False),), label)


def sample_question(
    rng: random.Random, profile: Profile, roles=("subj", "obj", "loc", "num"), weights=(3, 4, 3, 1)
) -> Clause:
    while True:
        c = sample_clause(rng, profile, copular=False)
        avail = [
            (r, w)
            for r, w in zip(roles, weights)
            if (r != "loc" or c.loc) and (r != "num" or (c.obj is not None and c.obj.num is not None))
        ]
        role = rng.choices([r for r, _ in avail], [w for _, w in avail])[0]
        q = replace(c, wh=role, rel=None if role == "subj" else c.rel)
        if role == "loc":
            q = replace(q, loc_front=False)
        return q


class QQPGenerator(PairGenerator):
    PROFILE = Profile(p_neg=0.05, p_rel=0.05, p_coord=0.05, p_front=0.1)

    def abstract(self, rng: random.Random, label: str) -> PairAb:
        while True:
            q1 = sample_question(rng, self.PROFILE)
            for _ in range(10):
                if label == "duplicate":
                    ops = rng.sample(["synonym", "toggle_front", "synonym"], rng.choice((1, 2)))
                    q2 = apply_ops(rng, q1, ops)
                    if q2 == q1 and rng.random() < 0.9:
                        break
                elif rng.random() < 0.25:
                    q2 = sample_question(rng, self.PROFILE)
                elif rng.random() < 0.2:
                    q2 = replace(q1, wh=rng.choice([r for r in ("subj", "obj", "loc") if r != q1.wh]))
                    if q2.wh == "loc" and not q2.loc:
                        continue
                    if q2.wh == "loc":
                        q2 = replace(q2, loc_front=False)
                else:
                    op = rng.choice(
                        [
                            "change_subj",
                            "change_obj",
                            "change_loc",
                            "change_num",
                            "add_loc",
                            "drop_loc",
                            "add_adj",
                            "antonym",
                        ]
                    )
                    ops = [op] + (["synonym"] if rng.random() < 0.3 else [])
                    q2 = apply_ops(rng, q1, ops)
                    if q2.wh == "loc" and not q2.loc:
                        continue
                got = "duplicate" if same_meaning(q1, q2) else "not_duplicate"
                if got == label:
                    return PairAb((q1,), (q2,), label)


class PAWSGenerator(PairGenerator):
    """Adversarial paraphrases: same words, different roles ("Anna sees Tom" / "Tom sees Anna") vs same meaning
    with moved or swapped words ("Anna and Tom ..." / "Tom and Anna ...", symmetric verbs, fronted locations)."""

    PROFILE = Profile(p_rel=0.4, p_coord=0.25, p_loc=0.5, p_neg=0.1, p_org=0.0, p_cop=0.0, p_front=0.2)
    PERSON_VERBS = tuple(v for v in VERBS if "person" in LEXICON[v].classes)

    def abstract(self, rng: random.Random, label: str) -> PairAb:
        while True:
            verb = rng.choice(self.PERSON_VERBS) if rng.random() < 0.6 else None
            s1 = sample_clause(rng, self.PROFILE, verb=verb)
            for _ in range(10):
                if label == "1":
                    ops = rng.sample(["toggle_front", "swap_coord", "synonym", "role_swap"], rng.choice((1, 2)))
                else:
                    ops = [rng.choice(["role_swap", "rel_obj_swap", "subj_relobj_swap", "role_swap"])]
                    if rng.random() < 0.3:
                        ops.append(rng.choice(["toggle_front", "swap_coord"]))
                    if rng.random() < 0.25:  # so that "different words" does not give "paraphrase" away
                        ops.append("synonym")
                s2 = apply_ops(rng, s1, ops)
                if s2 == s1:
                    continue
                got = "1" if same_meaning(s1, s2) else "0"
                if got == label:
                    return PairAb((s1,), (s2,), label)


# ---------------------------------------------------------------------------------------------------------------


def polarity(c: Clause) -> int:
    """Sentiment of a clause with one evaluative element (predicate adjective, evaluative verb, object adjective);
    negation flips the predicate / verb. 0 when nothing is evaluative."""
    sign = -1 if c.neg else 1
    if c.verb is None:
        return sign * LEXICON[c.pred].polarity
    vp = LEXICON[c.verb].polarity
    if vp:
        return sign * vp
    if c.obj is not None and c.obj.adj and not c.neg:
        return LEXICON[c.obj.adj].polarity
    return 0


def _neutral_adj(rng: random.Random, noun: str) -> str | None:
    cands = [a for a in adjectives_for(noun) if LEXICON[a].polarity == 0]
    return rng.choice(cands) if cands and rng.random() < 0.4 else None


@dataclass(frozen=True)
class SingleAb:
    clauses: tuple[Clause, ...]
    label: str


class SSTGenerator(Generator):
    fmt = "classification"

    def _polar(self, rng: random.Random) -> Clause:
        kind = rng.choice(("cop", "cop", "verb", "adj"))
        if kind == "cop":
            noun = rng.choice(THING_NOUNS)
            preds = [a for a in ADJECTIVES if adj_applies(a, noun) and LEXICON[a].polarity]
            return Clause(subj=(NP(noun, _neutral_adj(rng, noun)),), pred=rng.choice(preds), neg=rng.random() < 0.4)
        if kind == "verb":
            verb = rng.choice([v for v in VERBS if LEXICON[v].polarity])
            c = sample_clause(rng, Profile(p_adj=0.0, p_rel=0.0, p_neg=0.4, p_org=0.0), verb=verb)
            if (
                c.obj is not None
                and LEXICON.get(c.obj.head)
                and LEXICON[c.obj.head].cat == "NOUN"
                and not is_person(c.obj)
            ):
                c = replace(c, obj=replace(c.obj, adj=_neutral_adj(rng, c.obj.head)))
            return c
        while True:
            verb = rng.choice([v for v in VERBS if not LEXICON[v].polarity])
            c = sample_clause(rng, Profile(p_adj=0.0, p_rel=0.0, p_neg=0.0, p_org=0.1), verb=verb)
            if c.obj is not None and LEXICON[c.obj.head].cat == "NOUN":
                adjs = [a for a in ADJECTIVES if LEXICON[a].polarity and adj_applies(a, c.obj.head)]
                if adjs:
                    return replace(c, obj=replace(c.obj, adj=rng.choice(adjs)))

    def abstract(self, rng: random.Random, label: str) -> SingleAb:
        want = 1 if label == "positive" else -1
        while True:
            c = self._polar(rng)
            if polarity(c) != want:
                continue
            if rng.random() < 0.2:
                filler = sample_clause(rng, Profile(p_adj=0.0, p_cop=0.0, p_rel=0.0))
                if polarity(filler) == 0:
                    both = [filler, c] if rng.random() < 0.5 else [c, filler]
                    return SingleAb(tuple(both), label)
                continue
            return SingleAb((c,), label)

    def render(self, ab: SingleAb, lang: Language, noise: float, rng: random.Random) -> dict:
        return {"text": _rendered(lang, list(ab.clauses), noise, rng), "label": ab.label}


# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QAAb:
    context: tuple[Clause, ...]
    question: Clause
    sentence: int
    role: str


def answer_indices(toks: list[Tok], sentence: int, role: str) -> list[int]:
    prefix = f"{sentence}:"
    if role == "subj":
        keep = [i for i, t in enumerate(toks) if t.role == prefix + "subj"]
    elif role == "obj":
        keep = [i for i, t in enumerate(toks) if t.role in (prefix + "obj", prefix + "obj.num")]
    elif role == "loc":
        keep = [i for i, t in enumerate(toks) if t.role == prefix + "loc"]
    else:
        keep = [i for i, t in enumerate(toks) if t.role == prefix + "obj.num"]
    assert keep and keep == list(range(keep[0], keep[-1] + 1)), (role, toks)
    return keep


class QAGenerator(Generator):
    fmt = "span_qa"

    def __init__(
        self, n_sent: tuple[int, ...], weights: dict[str, float], profile: Profile, p_syn: float, p_drop_adj: float
    ):
        self.n_sent, self.weights, self.profile = n_sent, weights, profile
        self.p_syn, self.p_drop_adj = p_syn, p_drop_adj

    def abstract(self, rng: random.Random, target: Any) -> QAAb:
        story = sample_story(rng, rng.choice(self.n_sent), self.profile)
        t = rng.randrange(len(story))
        c = story[t]
        avail = {
            r: w
            for r, w in self.weights.items()
            if (r != "loc" or c.loc) and (r != "num" or (c.obj is not None and c.obj.num is not None))
        }
        role = rng.choices(list(avail), list(avail.values()))[0]
        q = replace(c, wh=role, loc_front=False, rel=None if role == "subj" else c.rel)
        if q.rel is not None and rng.random() < 0.7:
            q = replace(q, rel=None)
        if rng.random() < self.p_syn:
            syn = op_synonym(rng, replace(q, obj=None) if role in ("obj", "num") else q)
            if syn is not None and syn.verb != q.verb:
                q = replace(q, verb=syn.verb)
        if role not in ("obj", "num") and q.obj is not None and q.obj.adj and rng.random() < self.p_drop_adj:
            q = replace(q, obj=replace(q.obj, adj=None))
        return QAAb(tuple(story), q, t, role)

    def render(self, ab: QAAb, lang: Language, noise: float, rng: random.Random) -> dict:
        toks = lang.realise(list(ab.context))
        keep = answer_indices(toks, ab.sentence, ab.role)
        if noise > 0:
            protect = set(keep)
            marked = [t._replace(role=("ANS" if i in protect else "")) for i, t in enumerate(toks)]
            toks = lang.noisy(marked, noise, rng, protect=frozenset(protect))
            keep = [i for i, t in enumerate(toks) if t.role == "ANS"]
        starts, pos = [], 0
        for t in toks:
            starts.append(pos)
            pos += len(t.text) + 1
        context = _text(toks)
        start = starts[keep[0]]
        end = starts[keep[-1]] + len(toks[keep[-1]].text)
        question = _rendered(lang, ab.question, noise, rng)
        return {
            "context": context,
            "question": question,
            "answers": {"text": [context[start:end]], "answer_start": [start]},
        }


# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MCAb:
    context: tuple[Clause, ...]
    question: Clause | None
    choices: tuple[Any, ...]  # Clause (a full ending) or NP (a bare answer)
    label: int


class MCGenerator(Generator):
    fmt = "multiple_choice"

    def render(self, ab: MCAb, lang: Language, noise: float, rng: random.Random) -> dict:
        context = _rendered(lang, list(ab.context), noise, rng) if ab.context else ""
        question = _rendered(lang, ab.question, noise, rng) if ab.question is not None else ""
        choices = []
        for ch in ab.choices:
            if isinstance(ch, Clause):
                choices.append(_rendered(lang, ch, noise, rng))
            else:
                choices.append(_text(lang.np(ch, "", bare=True)))
        return {"context": context, "question": question, "choices": choices, "label": ab.label}

    @staticmethod
    def _place(rng: random.Random, correct: Any, wrong: list[Any], label: int) -> tuple[Any, ...]:
        wrong = list(wrong)
        rng.shuffle(wrong)
        return tuple(wrong[:label] + [correct] + wrong[label:])


USE_VERBS = tuple(v for v in VERBS if "use" in LEXICON[v].flags)
ACQ_VERBS = tuple(v for v in VERBS if "acq" in LEXICON[v].flags)


@cache
def use_verbs(noun: str) -> tuple[str, ...]:
    return tuple(v for v in USE_VERBS if verb_takes(v, noun))


@cache
def acquirable(acq: str) -> tuple[str, ...]:
    """Things ``acq`` can take that some use verb fits."""
    return tuple(n for n in THING_NOUNS if verb_takes(acq, n) and use_verbs(n))


@cache
def unrelated_things(acq: str, x: str) -> tuple[str, ...]:
    """Acquirable things whose use verbs do not fit ``x`` and whose own fit no use verb of ``x``."""
    return tuple(
        n
        for n in acquirable(acq)
        if not any(verb_takes(u, x) for u in use_verbs(n)) and not any(verb_takes(u, n) for u in use_verbs(x))
    )


class HellaSwagGenerator(MCGenerator):
    """Context: someone acquires a thing; the plausible ending uses *that* thing with a verb that fits it."""

    n_choices = 4

    def abstract(self, rng: random.Random, label: int) -> MCAb:
        while True:
            acq = rng.choice(ACQ_VERBS)
            x = rng.choice(acquirable(acq))
            a = sample_person(rng, names_only=rng.random() < 0.8, p_adj=0.0)
            ctx = [
                Clause(
                    subj=(a,),
                    verb=acq,
                    obj=NP(x, _neutral_adj(rng, x)),
                    loc=rng.choice(LOCATIONS) if rng.random() < 0.4 else None,
                )
            ]
            y = None
            if rng.random() < 0.5:
                ys = unrelated_things(acq, x)
                if ys:
                    y = rng.choice(ys)
                    b = sample_person(rng, (a,), p_adj=0.0)
                    ctx.append(
                        Clause(subj=(b,), verb=rng.choice([v for v in ACQ_VERBS if verb_takes(v, y)]), obj=NP(y))
                    )
            correct = Clause(subj=(a,), verb=rng.choice(use_verbs(x)), obj=NP(x), then=True)
            wrong: list[Clause] = []
            bad = [v for v in USE_VERBS if not verb_takes(v, x)]
            if y is not None:
                wrong.append(Clause(subj=(a,), verb=rng.choice(use_verbs(y)), obj=NP(y), then=True))
            if rng.random() < 0.4:
                z = rng.choice(acquirable("buy"))
                while z in (x, y) or concept_of(z) == concept_of(x):
                    z = rng.choice(acquirable("buy"))
                wrong.append(Clause(subj=(a,), verb=rng.choice(use_verbs(z)), obj=NP(z), then=True))
            for v in rng.sample(bad, len(bad)):
                if len(wrong) >= 3:
                    break
                if all(concept_of(v) != concept_of(w.verb) or w.obj.head != x for w in wrong):
                    wrong.append(Clause(subj=(a,), verb=v, obj=NP(x), then=True))
            if len(wrong) < 3:
                continue
            if rng.random() < 0.5:
                ctx = ctx[::-1]
            return MCAb(tuple(ctx), None, self._place(rng, correct, wrong[:3], label), label)


class CosmosGenerator(MCGenerator):
    """Context + question needing a small inference: who uses what they acquired, who has more, negation,
    symmetric verbs, who does what in a sentence with a relative clause. Answers are person names."""

    n_choices = 4
    KINDS = ("use", "more", "neg", "sym", "rel")

    def abstract(self, rng: random.Random, label: int) -> MCAb:
        people = rng.sample(PERSONS, 4)
        a, b = NP(people[0]), NP(people[1])
        kind = rng.choice(self.KINDS)
        if kind == "use":
            acq = rng.choice(ACQ_VERBS)
            x = rng.choice(acquirable(acq))
            y = rng.choice(unrelated_things(acq, x))
            ctx = [Clause(subj=(a,), verb=acq, obj=NP(x)), Clause(subj=(b,), verb=acq, obj=NP(y))]
            q = Clause(subj=(a,), verb=rng.choice(use_verbs(x)), obj=NP(x), wh="subj")
        elif kind == "more":
            verb = rng.choice(["buy", "purchase", "sell", "carry", "find", "eat", "read"])
            x = rng.choice([n for n in THING_NOUNS if verb_takes(verb, n) and not is_mass(n)])
            n1, n2 = rng.sample(range(2, 13), 2)
            ctx = [Clause(subj=(a,), verb=verb, obj=NP(x, num=n1)), Clause(subj=(b,), verb=verb, obj=NP(x, num=n2))]
            q = Clause(subj=(a,), verb=verb, obj=NP(x, quant="more"), wh="subj")
            if n2 > n1:
                a, b = b, a
        elif kind == "neg":
            c = sample_clause(rng, Profile(p_org=0.0, p_coord=0.0, p_rel=0.0, p_neg=0.0, p_cop=0.0))
            while is_person(c.obj) and c.obj.head in people:
                c = sample_clause(rng, Profile(p_org=0.0, p_coord=0.0, p_rel=0.0, p_neg=0.0, p_cop=0.0))
            ctx = [replace(c, subj=(b,), neg=True), replace(c, subj=(a,), loc_front=False)]
            q = replace(c, subj=(a,), wh="subj", loc_front=False)
        elif kind == "sym":
            # "A meets B (in L) ." -> "who does B meet ?" -> A
            loc = rng.choice(LOCATIONS) if rng.random() < 0.5 else None
            ctx = [Clause(subj=(a,), verb="meet", obj=b, loc=loc)]
            q = Clause(subj=(b,), verb="meet", obj=a, wh="obj")
        else:
            rverb = rng.choice([v for v in VERBS if "person" in LEXICON[v].classes and v not in ("meet",)])
            c = sample_clause(rng, Profile(p_org=0.0, p_coord=0.0, p_rel=0.0, p_neg=0.0, p_cop=0.0))
            while concept_of(c.verb) == concept_of(rverb) or (is_person(c.obj) and c.obj.head in people):
                c = sample_clause(rng, Profile(p_org=0.0, p_coord=0.0, p_rel=0.0, p_neg=0.0, p_cop=0.0))
            ctx = [replace(c, subj=(a,), rel=Clause(verb=rverb, obj=b))]
            q = replace(c, subj=(a,), wh="subj", loc_front=False)
        if len(ctx) > 1 and rng.random() < 0.5:
            ctx = ctx[::-1]
        wrong = [NP(p) for p in people if p != a.head]
        return MCAb(tuple(ctx), q, self._place(rng, a, wrong[:3], label), label)


class CommonsenseGenerator(MCGenerator):
    """No context: "what does one usually eat ?" -> a food; "who usually drives the bus ?" -> driver."""

    n_choices = 5
    NARROW = (
        "eat",
        "cook",
        "bake",
        "drink",
        "drive",
        "ride",
        "fly",
        "read",
        "write",
        "wear",
        "sew",
        "play",
        "feed",
        "build",
    )

    def abstract(self, rng: random.Random, label: int) -> MCAb:
        if rng.random() < 0.6:
            verb = rng.choice(self.NARROW)
            good = [n for n in THING_NOUNS if verb_takes(verb, n)]
            answer = rng.choice(good)
            bad = sorted({concept_of(n) for n in THING_NOUNS if not verb_takes(verb, n)})
            wrong = [NP(n) for n in rng.sample(bad, 4)]
            q = Clause(subj=(NP("one"),), verb=verb, obj=NP(answer), adv="usually", wh="obj")
            return MCAb((), q, self._place(rng, NP(answer), wrong, label), label)
        prof = rng.choice(sorted(PROFESSIONS))
        verb, objs = PROFESSIONS[prof]
        x = rng.choice(objs)
        others = [p for p in PERSON_NOUNS if PROFESSIONS.get(p, ("",))[0] != verb and p != prof]
        wrong = [NP(p) for p in rng.sample(others, 4)]
        q = Clause(subj=(NP(prof),), verb=verb, obj=NP(x), adv="usually", wh="subj")
        return MCAb((), q, self._place(rng, NP(prof), wrong, label), label)


@dataclass(frozen=True)
class COPAAb:
    premise: Clause
    kind: str  # "cause" | "effect": which alternative the question asks for
    choices: tuple[Clause, Clause]
    label: int


class COPAGenerator(MCGenerator):
    """XCOPA-style: a premise and two alternatives, pick the more plausible cause or effect. Effect: someone acquires
    a thing, then uses *that* thing (not an unrelated thing, not with a verb that does not fit it). Cause: someone uses
    a thing because *they* acquired it (not an unrelated thing, not someone else). The question is the untranslated
    keyword ``cause`` / ``effect`` in every language, as in XCOPA."""

    n_choices = 2

    def abstract(self, rng: random.Random, label: int) -> COPAAb:
        while True:
            acq = rng.choice(ACQ_VERBS)
            x = rng.choice(acquirable(acq))
            ys = unrelated_things(acq, x)
            if not ys:
                continue
            y = rng.choice(ys)
            a = sample_person(rng, names_only=rng.random() < 0.8, p_adj=0.0)
            loc = rng.choice(LOCATIONS) if rng.random() < 0.3 else None
            bought = Clause(subj=(a,), verb=acq, obj=NP(x), loc=loc)
            used = Clause(subj=(a,), verb=rng.choice(use_verbs(x)), obj=NP(x))
            if rng.random() < 0.5:
                bad = [v for v in USE_VERBS if not verb_takes(v, x)]
                if rng.random() < 0.5 or not bad:
                    wrong = Clause(subj=(a,), verb=rng.choice(use_verbs(y)), obj=NP(y), then=True)
                else:
                    wrong = Clause(subj=(a,), verb=rng.choice(bad), obj=NP(x), then=True)
                premise, kind, correct = bought, "effect", replace(used, then=True)
            else:
                if rng.random() < 0.5:
                    wrong = Clause(subj=(a,), verb=acq, obj=NP(y), loc=loc)
                else:
                    wrong = Clause(subj=(sample_person(rng, (a,), p_adj=0.0),), verb=acq, obj=NP(x), loc=loc)
                premise, kind, correct = used, "cause", bought
            choices = (correct, wrong) if label == 0 else (wrong, correct)
            return COPAAb(premise, kind, choices, label)

    def render(self, ab: COPAAb, lang: Language, noise: float, rng: random.Random) -> dict:
        return {
            "context": _rendered(lang, [ab.premise], noise, rng),
            "question": ab.kind,
            "choices": [_rendered(lang, [c], noise, rng) for c in ab.choices],
            "label": ab.label,
        }


# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagAb:
    clauses: tuple[Clause, ...]


class TaggingGenerator(Generator):
    fmt = "tagging"

    def __init__(self, attr: str, profile: Profile, p_question: float):
        self.attr, self.profile, self.p_question = attr, profile, p_question

    def abstract(self, rng: random.Random, target: Any) -> TagAb:
        if rng.random() < self.p_question:
            return TagAb((sample_question(rng, self.profile),))
        c = sample_clause(rng, self.profile)
        if rng.random() < 0.05:
            c = replace(c, then=True)
        return TagAb((c,))

    def render(self, ab: TagAb, lang: Language, noise: float, rng: random.Random) -> dict:
        toks = lang.noisy(lang.realise(list(ab.clauses)), noise, rng)
        return {"tokens": [t.text for t in toks], "tags": [getattr(t, self.attr) for t in toks]}


# ---------------------------------------------------------------------------------------------------------------
# retrieval


def near_miss(rng: random.Random, c: Clause) -> Clause:
    """The same sentence with one element changed (a different meaning with almost the same words)."""
    ops = ["change_obj", "change_subj", "change_loc", "change_num", "antonym", "negate", "role_swap"]
    rng.shuffle(ops)
    for op in ops:
        new = apply_ops(rng, c, [op])
        if new != c and not same_meaning(c, new):
            return new
    return replace(c, neg=not c.neg)


RETRIEVAL_PROFILE = Profile(p_adj=0.5, p_loc=0.5, p_num=0.25, p_rel=0.12, p_coord=0.1, p_cop=0.1)


def retrieval_meanings(
    rng: random.Random, n: int, parallel_share: float, en: Language
) -> tuple[list[Clause], list[Clause], list[Clause]]:
    """(parallel meanings, src-only near-miss meanings, tgt-only near-miss meanings), all with distinct English
    realisations."""
    seen: set[str] = set()

    def fresh(c: Clause) -> bool:
        key = en.text(canonical(c))
        if key in seen:
            return False
        seen.add(key)
        return True

    n_par = round(parallel_share * n)
    par: list[Clause] = []
    while len(par) < n_par:
        c = sample_clause(rng, RETRIEVAL_PROFILE)
        if fresh(c):
            par.append(c)
    src_only: list[Clause] = []
    tgt_only: list[Clause] = []
    for bucket in (src_only, tgt_only):
        while len(bucket) < n - n_par:
            base = rng.choice(par) if par else sample_clause(rng, RETRIEVAL_PROFILE)
            c = near_miss(rng, base)
            if fresh(c):
                bucket.append(c)
    return par, src_only, tgt_only


# ---------------------------------------------------------------------------------------------------------------
# query/pool retrieval (XTREME-R's LAReQA and Mewsli-X)

LAREQA_QA = QAGenerator((2, 3, 4), {"subj": 3, "obj": 3, "loc": 2.5, "num": 1}, Profile(p_num=0.25), 0.2, 0.3)


def lareqa_abstracts(rng: random.Random, n: int) -> list[QAAb]:
    """``n`` (story, question, answer sentence) triples: each question's answer sentence is one of the pool."""
    return [LAREQA_QA.abstract(rng, None) for _ in range(n)]


@dataclass(frozen=True)
class Entity:
    name: str
    home: str
    profession: str

    def description(self) -> Clause:
        """English description: "<name> usually <verb>s <things> in <home> ." """
        verb, objs = PROFESSIONS[self.profession]
        return Clause(
            subj=(NP(self.name),), verb=verb, obj=NP(objs[0], pl=not is_mass(objs[0])), loc=self.home, adv="usually"
        )


ENTITIES_PER_NAME = 4


def mewslix_entities(rng: random.Random) -> list[Entity]:
    """Several entities per person name, each with its own home and profession among those sharing the name: a
    mention is ambiguous by its name alone and resolved by what its context says (what they do, where)."""
    out = []
    for name in PERSONS:
        homes = rng.sample(LOCATIONS, ENTITIES_PER_NAME)
        jobs = rng.sample(sorted(PROFESSIONS), ENTITIES_PER_NAME)
        out.extend(Entity(name, home, job) for home, job in zip(homes, jobs))
    return out


def mewslix_mentions(rng: random.Random, entities: list[Entity], n: int) -> list[tuple[int, Clause]]:
    """``n`` (entity index, context) pairs; the context names the entity and says what it does, where it lives, or
    both (never something that fits another entity of the same name)."""
    out = []
    for _ in range(n):
        k = rng.randrange(len(entities))
        e = entities[k]
        verb, objs = PROFESSIONS[e.profession]
        kind = rng.choice(("job", "home", "both"))
        if kind == "home":
            acq = rng.choice(ACQ_VERBS)
            clause = Clause(subj=(NP(e.name),), verb=acq, obj=NP(rng.choice(acquirable(acq))), loc=e.home)
        else:
            obj = rng.choice(objs)
            clause = Clause(
                subj=(NP(e.name),),
                verb=verb,
                obj=NP(obj),
                loc=e.home if kind == "both" else None,
                loc_front=kind == "both" and rng.random() < 0.3,
            )
        out.append((k, clause))
    return out


# ---------------------------------------------------------------------------------------------------------------
# retrieval generators: splits(world, task, split, n, langs) -> {lang: rows}


class RetrievalGenerator(Generator):
    fmt = "retrieval"

    def splits(self, world, task: str, split: str, n: int, langs: list[str]) -> dict[str, list[dict]]:
        raise NotImplementedError


class PairedRetrieval(RetrievalGenerator):
    """BUCC-style (a share of src lines has its translation among the English tgt lines, near-miss distractors on
    both sides) or Tatoeba-style (``parallel_share`` 1: every src line has its English translation) sets, one per
    language: src lines first, then tgt lines, each side shuffled. The meanings are the same for every language."""

    def __init__(self, parallel_share: float):
        self.parallel_share = parallel_share

    def splits(self, world, task: str, split: str, n: int, langs: list[str]) -> dict[str, list[dict]]:
        return {lang: self._rows(world, task, split, n, lang) for lang in langs}

    def _rows(self, world, task: str, split: str, n: int, lang: str) -> list[dict]:
        en, language = world.language("en"), world.language(lang)
        rng = random.Random(f"{world.seed}:task:{task}:{split}")
        par, src_only, tgt_only = retrieval_meanings(rng, n, self.parallel_share, en)
        src = [(c, i) for i, c in enumerate(par)] + [(c, None) for c in src_only]
        tgt = list(enumerate(par)) + [(len(par) + j, c) for j, c in enumerate(tgt_only)]
        rng.shuffle(src)
        rng.shuffle(tgt)
        tgt_id = {}
        prefix = f"{task}-{split}-{lang}"
        tgt_rows = []
        for j, (key, c) in enumerate(tgt):
            tid = f"{prefix}-tgt-{j:06d}"
            tgt_id[key] = tid
            tgt_rows.append({"id": tid, "side": "tgt", "text": en.text(c), "gold": None})
        rows = [
            {
                "id": f"{prefix}-src-{i:06d}",
                "side": "src",
                "text": language.text(c),
                "gold": tgt_id[key] if key is not None else None,
            }
            for i, (c, key) in enumerate(src)
        ]
        return rows + tgt_rows


class PooledRetrieval(RetrievalGenerator):
    """Query/pool retrieval, one file per language (English included), each with its ``n`` queries (src lines, the
    same meanings in every language) and the whole candidate pool (tgt lines, the same in every file)."""

    def splits(self, world, task: str, split: str, n: int, langs: list[str]) -> dict[str, list[dict]]:
        rng = random.Random(f"{world.seed}:task:{task}:{split}")
        queries, pool = self.queries_and_pool(world, rng, f"{task}-{split}", n, langs)
        return {lang: queries[lang] + pool for lang in langs}

    def queries_and_pool(
        self, world, rng: random.Random, prefix: str, n: int, langs: list[str]
    ) -> tuple[dict[str, list[dict]], list[dict]]:
        raise NotImplementedError


class LAReQAPool(PooledRetrieval):
    """Questions about short stories; the pool holds every sentence of every story in every language; a question's
    gold is its answer sentence in each of them."""

    def queries_and_pool(self, world, rng, prefix, n, langs):
        abstracts = lareqa_abstracts(rng, n)
        pool = [
            {"id": f"{prefix}-{m}-c{i:06d}-s{t}", "side": "tgt", "text": world.language(m).text(c), "gold": None}
            for m in langs
            for i, ab in enumerate(abstracts)
            for t, c in enumerate(ab.context)
        ]
        queries = {
            lang: [
                {
                    "id": f"{prefix}-{lang}-q{i:06d}",
                    "side": "src",
                    "text": world.language(lang).text(ab.question),
                    "gold": [f"{prefix}-{m}-c{i:06d}-s{ab.sentence}" for m in langs],
                }
                for i, ab in enumerate(abstracts)
            ]
            for lang in langs
        }
        return queries, pool


class MewsliXPool(PooledRetrieval):
    """``<mention> | <sentence>`` contexts naming a person; the pool holds English descriptions of several entities
    per name; the gold is the one entity the context fits."""

    def queries_and_pool(self, world, rng, prefix, n, langs):
        entities = mewslix_entities(rng)
        mentions = mewslix_mentions(rng, entities, n)
        en = world.language("en")
        pool = [
            {"id": f"{prefix}-e{k:04d}", "side": "tgt", "text": en.text(e.description()), "gold": None}
            for k, e in enumerate(entities)
        ]
        queries = {}
        for lang in langs:
            language = world.language(lang)
            queries[lang] = [
                {
                    "id": f"{prefix}-{lang}-m{i:06d}",
                    "side": "src",
                    "text": f"{' '.join(t.text for t in language.np(c.subj[0], '', bare=True))} | {language.text(c)}",
                    "gold": f"{prefix}-e{k:04d}",
                }
                for i, (k, c) in enumerate(mentions)
            ]
        return queries, pool

"""Sentence meanings of the generated world, their random sampling, edits, and the semantics that labels follow from.

A :class:`Clause` is language-independent: it names lexemes (by English key) and grammatical choices (negation,
location fronting, question role). Realising it in a language is the job of :mod:`stiltgrid.world.language`.

Semantics (used for NLI / paraphrase labels): a clause asserts one event (plus one for a subject relative clause).
Under the usual NLI "same event" convention, a hypothesis is compared with the premise event that has the same verb
concept; each role is compared as a set of possible values (an unspecified role allows anything, ``3 apples`` is
exactly 3, ``over 5 apples`` is 6 or more, a bare plural is 2 or more, a singular is 1).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from stiltgrid.world.lexicon import (
    ADJECTIVES,
    LEXICON,
    LOCATIONS,
    ORGANISATIONS,
    PERSON_NOUNS,
    PERSONS,
    THING_NOUNS,
    VERBS,
    adj_applies,
    adjectives_for,
    is_mass,
    nouns_of,
    synonyms,
    verb_takes,
)

INF = 10**9


@dataclass(frozen=True)
class NP:
    head: str  # noun key, entity name, "one", or a wh placeholder
    adj: str | None = None
    num: int | None = None
    quant: str | None = None  # "over" / "under" (with num) or "more" (without)
    pl: bool = False  # bare plural ("apples")

    @property
    def plural(self) -> bool:
        return self.num is not None or self.pl or self.quant == "more"


@dataclass(frozen=True)
class Clause:
    subj: tuple[NP, ...] = ()
    verb: str | None = None  # None: copular clause "subj is pred"
    obj: NP | None = None
    pred: str | None = None
    loc: str | None = None
    neg: bool = False
    rel: Clause | None = None  # relative clause on subj[0] ("Anna , who sees Tom , ..."); its subj is ()
    adv: str | None = None  # "usually"
    then: bool = False  # sentence-initial "then"
    loc_front: bool = False  # "in Paris , Anna ..."
    wh: str | None = None  # question about: "subj" | "obj" | "loc" | "num"


def cat(key: str) -> str:
    lx = LEXICON.get(key)
    return lx.cat if lx is not None else "?"


def concept_of(key: str) -> str:
    lx = LEXICON.get(key)
    return lx.concept if lx is not None else key


def is_person(np: NP) -> bool:
    c = cat(np.head)
    return c == "PER" or (c == "NOUN" and "person" in LEXICON[np.head].classes) or np.head == "one"


def wh_key(np: NP) -> str:
    """The question word asking for ``np``: "who" for people and organisations, "what" otherwise."""
    return "who" if is_person(np) or cat(np.head) == "ORG" else "what"


# ---------------------------------------------------------------------------------------------------------------
# sampling


@dataclass(frozen=True)
class Profile:
    """Probabilities used when sampling a statement."""

    p_neg: float = 0.2
    p_adj: float = 0.45
    p_num: float = 0.2
    p_loc: float = 0.45
    p_coord: float = 0.1
    p_rel: float = 0.1
    p_front: float = 0.15
    p_cop: float = 0.12
    p_org: float = 0.15
    p_pnoun: float = 0.3


DEFAULT_PROFILE = Profile()


def sample_person(
    rng: random.Random, exclude=(), p_noun: float = 0.3, p_adj: float = 0.25, names_only: bool = False
) -> NP:
    heads = {np.head for np in exclude}
    if not names_only and rng.random() < p_noun:
        noun = rng.choice([n for n in PERSON_NOUNS if n not in heads])
        adj = None
        if rng.random() < p_adj:
            adj = rng.choice(adjectives_for(noun))
        return NP(noun, adj)
    return NP(rng.choice([p for p in PERSONS if p not in heads]))


def sample_thing(rng: random.Random, noun: str, p_adj: float, p_num: float) -> NP:
    adj = None
    if rng.random() < p_adj:
        cands = adjectives_for(noun)
        if cands:
            adj = rng.choice(cands)
    num = None
    if not is_mass(noun) and rng.random() < p_num:
        num = rng.randint(2, 12)
    return NP(noun, adj, num)


def object_classes(verb: str) -> list[str]:
    return sorted(LEXICON[verb].classes)


def sample_object(
    rng: random.Random, verb: str, exclude=(), p_adj: float = 0.45, p_num: float = 0.2, cls: str | None = None
) -> NP:
    cls = cls or rng.choice(object_classes(verb))
    if cls == "person":
        return sample_person(rng, exclude, p_adj=p_adj)
    if cls == "org":
        return NP(rng.choice(ORGANISATIONS))
    if cls == "place":
        return NP(rng.choice(LOCATIONS))
    return sample_thing(rng, rng.choice(nouns_of(cls)), p_adj, p_num)


def sample_clause(
    rng: random.Random,
    profile: Profile = DEFAULT_PROFILE,
    *,
    verb: str | None = None,
    avoid_verbs=(),
    copular: bool | None = None,
) -> Clause:
    """A random statement; ``avoid_verbs`` are verb concepts not to use (main or relative clause)."""
    pr = profile
    avoid = {LEXICON[v].concept if v in LEXICON else v for v in avoid_verbs}
    if copular is None:
        copular = verb is None and rng.random() < pr.p_cop
    if copular:
        noun = rng.choice(THING_NOUNS)
        pred = rng.choice(adjectives_for(noun))
        adj = None
        if rng.random() < pr.p_adj * 0.5:
            cands = [
                a for a in adjectives_for(noun) if LEXICON[a].group != LEXICON[pred].group and LEXICON[a].polarity == 0
            ]
            adj = rng.choice(cands) if cands else None
        return Clause(subj=(NP(noun, adj),), pred=pred, neg=rng.random() < pr.p_neg)
    if verb is None:
        verb = rng.choice([v for v in VERBS if LEXICON[v].concept not in avoid] if avoid else VERBS)
    flags = LEXICON[verb].flags
    if "org" in flags and rng.random() < pr.p_org:
        subj: tuple[NP, ...] = (NP(rng.choice(ORGANISATIONS)),)
    elif rng.random() < pr.p_coord:
        a = sample_person(rng, names_only=True)
        subj = (a, sample_person(rng, (a,), names_only=True))
    else:
        subj = (sample_person(rng, p_noun=pr.p_pnoun, p_adj=pr.p_adj * 0.5),)
    obj = sample_object(rng, verb, subj, pr.p_adj, pr.p_num)
    loc = None
    if "noloc" not in flags and rng.random() < pr.p_loc:
        loc = rng.choice(LOCATIONS)
    rel = None
    if len(subj) == 1 and is_person(subj[0]) and rng.random() < pr.p_rel:
        rverbs = [
            v
            for v in VERBS
            if LEXICON[v].concept not in avoid
            and LEXICON[v].concept != LEXICON[verb].concept
            and "person" in LEXICON[v].classes
        ]
        rverb = rng.choice(rverbs)
        robj = sample_person(rng, subj + (obj,), p_adj=0.0)
        rel = Clause(verb=rverb, obj=robj)
    return Clause(
        subj=subj,
        verb=verb,
        obj=obj,
        loc=loc,
        neg=rng.random() < pr.p_neg,
        rel=rel,
        loc_front=loc is not None and rng.random() < pr.p_front,
    )


def verb_concepts(clause: Clause) -> set[str]:
    out = {LEXICON[clause.verb].concept if clause.verb else "BE"}
    if clause.rel is not None:
        out.add(LEXICON[clause.rel.verb].concept)
    return out


def sample_story(rng: random.Random, n: int, profile: Profile = DEFAULT_PROFILE) -> list[Clause]:
    """``n`` statements with pairwise distinct verb concepts (so questions about one of them are unambiguous)."""
    out: list[Clause] = []
    used: set[str] = set()
    while len(out) < n:
        c = sample_clause(rng, profile, avoid_verbs=used, copular=False)
        vc = verb_concepts(c)
        if vc & used:
            continue
        used |= vc
        out.append(c)
    return out


# ---------------------------------------------------------------------------------------------------------------
# semantics


def _interval(np: NP) -> tuple[int, int]:
    if cat(np.head) != "NOUN":
        return (1, 1)
    if np.quant == "over":
        return (np.num + 1, INF)
    if np.quant == "under":
        return (0, np.num - 1)
    if np.num is not None:
        return (np.num, np.num)
    if np.plural:
        return (2, INF)
    return (1, 1)


def cmp_np(p: NP, h: NP) -> tuple[bool, bool, bool]:
    """(p implies h, h implies p, p and h conflict) for two descriptions of the same participant."""
    if concept_of(p.head) != concept_of(h.head):
        return False, False, True
    pe = he = True
    cf = False
    a, b = p.adj, h.adj
    if a is not None or b is not None:
        if b is None:
            he = False
        elif a is None:
            pe = False
        elif concept_of(a) != concept_of(b):
            pe = he = False
            if LEXICON[a].group == LEXICON[b].group:
                cf = True
    pi, hi = _interval(p), _interval(h)
    if pi != hi:
        if not (hi[0] <= pi[0] and pi[1] <= hi[1]):
            pe = False
        if not (pi[0] <= hi[0] and hi[1] <= pi[1]):
            he = False
        if pi[1] < hi[0] or hi[1] < pi[0]:
            cf = True
    return pe, he, cf


def _cmp_agents(p: tuple[NP, ...], h: tuple[NP, ...]) -> tuple[bool, bool, bool]:
    if len(p) == 1 and len(h) == 1:
        return cmp_np(p[0], h[0])
    ps, hs = {concept_of(x.head) for x in p}, {concept_of(x.head) for x in h}
    if ps == hs:
        return True, True, False
    if hs < ps:
        return True, False, False
    if ps < hs:
        return False, True, False
    return False, False, True


def _cmp_opt(p, h, cmp) -> tuple[bool, bool, bool]:
    if p is None and h is None:
        return True, True, False
    if h is None:
        return True, False, False
    if p is None:
        return False, True, False
    return cmp(p, h)


def _cmp_loc(p: str, h: str) -> tuple[bool, bool, bool]:
    return (True, True, False) if p == h else (False, False, True)


def _cmp_adj(a: str, b: str) -> tuple[bool, bool, bool]:
    if concept_of(a) == concept_of(b):
        return True, True, False
    return False, False, LEXICON[a].group == LEXICON[b].group


@dataclass(frozen=True)
class Event:
    verb: str  # verb concept, or "BE"
    agent: tuple[NP, ...]
    theme: NP | None
    loc: str | None
    pred: str | None
    neg: bool


def events(clause: Clause) -> list[Event]:
    if clause.verb is None:
        main = Event("BE", (), clause.subj[0], clause.loc, clause.pred, clause.neg)
    else:
        main = Event(LEXICON[clause.verb].concept, clause.subj, clause.obj, clause.loc, None, clause.neg)
    out = [main]
    if clause.rel is not None:
        out.append(Event(LEXICON[clause.rel.verb].concept, (clause.subj[0],), clause.rel.obj, None, None, False))
    return out


def _combine(*parts: tuple[bool, bool, bool]) -> tuple[bool, bool, bool]:
    return all(p[0] for p in parts), all(p[1] for p in parts), any(p[2] for p in parts)


def cmp_event(p: Event, h: Event) -> tuple[bool, bool, bool] | None:
    """None when the two events are not about the same thing (different verb / copular subject)."""
    if p.verb != h.verb:
        return None
    if p.verb == "BE":
        if concept_of(p.theme.head) != concept_of(h.theme.head):
            return None
        return _combine(cmp_np(p.theme, h.theme), _cmp_adj(p.pred, h.pred), _cmp_opt(p.loc, h.loc, _cmp_loc))
    res = _combine(_cmp_agents(p.agent, h.agent), _cmp_opt(p.theme, h.theme, cmp_np), _cmp_opt(p.loc, h.loc, _cmp_loc))
    if LEXICON[p.verb].flags & {"sym"} and len(h.agent) == 1 and h.theme is not None:
        swapped = replace(h, agent=(h.theme,), theme=h.agent[0])
        alt = _combine(
            _cmp_agents(p.agent, swapped.agent),
            _cmp_opt(p.theme, swapped.theme, cmp_np),
            _cmp_opt(p.loc, swapped.loc, _cmp_loc),
        )
        res = max(res, alt, key=lambda r: (r[0] and r[1], r[0], r[1], not r[2]))
    return res


ENTAILMENT, NEUTRAL, CONTRADICTION = "entailment", "neutral", "contradiction"


def _event_label(p: Event, h: Event) -> str | None:
    r = cmp_event(p, h)
    if r is None:
        return None
    pe, he, cf = r
    if not p.neg and not h.neg:
        return ENTAILMENT if pe and not cf else CONTRADICTION if cf else NEUTRAL
    if p.neg and not h.neg:
        return CONTRADICTION if he else NEUTRAL
    if not p.neg and h.neg:
        return CONTRADICTION if pe else NEUTRAL
    return ENTAILMENT if he else NEUTRAL


def nli_label(premise: list[Clause], hypothesis: Clause) -> str:
    """entailment / neutral / contradiction of ``hypothesis`` given the premise clauses (same-event convention)."""
    p_events = [e for c in premise for e in events(c)]
    results = []
    for h in events(hypothesis):
        labels = [lab for p in p_events if (lab := _event_label(p, h)) is not None]
        if ENTAILMENT in labels:
            results.append(ENTAILMENT)
        elif CONTRADICTION in labels:
            results.append(CONTRADICTION)
        else:
            results.append(NEUTRAL)
    if CONTRADICTION in results:
        return CONTRADICTION
    if all(r == ENTAILMENT for r in results):
        return ENTAILMENT
    return NEUTRAL


def _blank_wh(c: Clause) -> Clause:
    if c.wh == "subj":
        return replace(c, subj=(NP("?" + wh_key(c.subj[0])),), wh=None, rel=None)
    if c.wh == "obj":
        return replace(c, obj=NP("?" + wh_key(c.obj)), wh=None)
    if c.wh == "loc":
        return replace(c, loc="?where", wh=None)
    if c.wh == "num":
        return replace(c, obj=NP(c.obj.head, pl=True), wh=None)
    return c


def same_meaning(a: Clause, b: Clause) -> bool:
    """Paraphrase: mutual entailment (questions: same questioned role and same remaining content)."""
    if a.wh != b.wh:
        return False
    a, b = _blank_wh(a), _blank_wh(b)
    if len(events(a)) != len(events(b)):
        return False
    return nli_label([a], b) == ENTAILMENT and nli_label([b], a) == ENTAILMENT


def canonical(c: Clause) -> Clause:
    """One representative per meaning: primary synonyms, no fronting, sorted coordination / symmetric roles."""

    def np_(np: NP | None) -> NP | None:
        if np is None:
            return None
        return replace(np, head=concept_of(np.head), adj=concept_of(np.adj) if np.adj else None)

    subj = tuple(np_(s) for s in c.subj)
    if len(subj) > 1:
        subj = tuple(sorted(subj, key=lambda s: s.head))
    obj = np_(c.obj)
    verb = concept_of(c.verb) if c.verb else None
    if (
        verb
        and "sym" in LEXICON[verb].flags
        and len(subj) == 1
        and obj is not None
        and c.wh is None
        and c.rel is None
        and obj.head < subj[0].head
    ):
        subj, obj = (obj,), subj[0]
    rel = canonical(c.rel) if c.rel is not None else None
    return replace(
        c, subj=subj, obj=obj, verb=verb, pred=concept_of(c.pred) if c.pred else None, rel=rel, loc_front=False
    )


# ---------------------------------------------------------------------------------------------------------------
# edits (each returns a new clause, or None when it does not apply)


def _syn_choice(rng: random.Random, key: str) -> str | None:
    others = [s for s in synonyms(key) if s != key]
    return rng.choice(others) if others else None


def op_synonym(rng, c: Clause) -> Clause | None:
    slots = []
    if c.verb and _syn_choice(rng, c.verb):
        slots.append("verb")
    if c.obj is not None and cat(c.obj.head) == "NOUN" and _syn_choice(rng, c.obj.head):
        slots.append("obj")
    if c.obj is not None and c.obj.adj and _syn_choice(rng, c.obj.adj):
        slots.append("adj")
    if c.pred and _syn_choice(rng, c.pred):
        slots.append("pred")
    if not slots:
        return None
    slot = rng.choice(slots)
    if slot == "verb":
        return replace(c, verb=_syn_choice(rng, c.verb))
    if slot == "obj":
        return replace(c, obj=replace(c.obj, head=_syn_choice(rng, c.obj.head)))
    if slot == "adj":
        return replace(c, obj=replace(c.obj, adj=_syn_choice(rng, c.obj.adj)))
    return replace(c, pred=_syn_choice(rng, c.pred))


def op_toggle_front(rng, c: Clause) -> Clause | None:
    return replace(c, loc_front=not c.loc_front) if c.loc else None


def op_negate(rng, c: Clause) -> Clause | None:
    return replace(c, neg=not c.neg)


def op_drop_adj(rng, c: Clause) -> Clause | None:
    if c.obj is not None and c.obj.adj:
        return replace(c, obj=replace(c.obj, adj=None))
    if c.subj and c.subj[0].adj:
        return replace(c, subj=(replace(c.subj[0], adj=None),) + c.subj[1:])
    return None


def op_drop_loc(rng, c: Clause) -> Clause | None:
    return replace(c, loc=None, loc_front=False) if c.loc else None


def op_drop_num(rng, c: Clause) -> Clause | None:
    if c.obj is not None and c.obj.num is not None and c.obj.quant is None:
        return replace(c, obj=replace(c.obj, num=None, pl=True))
    return None


def op_drop_rel(rng, c: Clause) -> Clause | None:
    return replace(c, rel=None) if c.rel else None


def op_drop_coord(rng, c: Clause) -> Clause | None:
    return replace(c, subj=(rng.choice(c.subj),)) if len(c.subj) > 1 else None


def op_swap_coord(rng, c: Clause) -> Clause | None:
    return replace(c, subj=c.subj[::-1]) if len(c.subj) > 1 else None


def op_add_adj(rng, c: Clause) -> Clause | None:
    if c.obj is not None and c.obj.adj is None and cat(c.obj.head) == "NOUN":
        cands = adjectives_for(c.obj.head)
        if cands:
            return replace(c, obj=replace(c.obj, adj=rng.choice(cands)))
    return None


def op_add_loc(rng, c: Clause) -> Clause | None:
    if c.loc is None and c.verb and "noloc" not in LEXICON[c.verb].flags:
        return replace(c, loc=rng.choice(LOCATIONS))
    return None


def op_add_num(rng, c: Clause) -> Clause | None:
    if c.obj is not None and c.obj.pl and c.obj.num is None:
        return replace(c, obj=replace(c.obj, num=rng.randint(2, 12), pl=False))
    return None


def op_add_rel(rng, c: Clause) -> Clause | None:
    if c.rel is None and len(c.subj) == 1 and is_person(c.subj[0]) and c.subj[0].head != "one" and c.verb:
        used = verb_concepts(c)
        verbs = [v for v in VERBS if "person" in LEXICON[v].classes and LEXICON[v].concept not in used]
        rverb = rng.choice(verbs)
        return replace(
            c, rel=Clause(verb=rverb, obj=sample_person(rng, c.subj + ((c.obj,) if c.obj else ()), p_adj=0.0))
        )
    return None


def op_antonym(rng, c: Clause) -> Clause | None:
    def other(adj: str, noun: str) -> str | None:
        g = LEXICON[adj].group
        cands = [
            a for a in ADJECTIVES if LEXICON[a].group == g and concept_of(a) != concept_of(adj) and adj_applies(a, noun)
        ]
        return rng.choice(cands) if cands else None

    if c.pred:
        a = other(c.pred, c.subj[0].head)
        return replace(c, pred=a) if a else None
    if c.obj is not None and c.obj.adj:
        a = other(c.obj.adj, c.obj.head)
        return replace(c, obj=replace(c.obj, adj=a)) if a else None
    return None


def op_change_subj(rng, c: Clause) -> Clause | None:
    if len(c.subj) != 1 or not is_person(c.subj[0]) or c.verb is None:
        return None
    others = c.subj + ((c.obj,) if c.obj else ()) + ((c.rel.obj,) if c.rel else ())
    new = sample_person(rng, others, p_adj=0.0, names_only=cat(c.subj[0].head) == "PER")
    return replace(c, subj=(new,))


def op_change_obj(rng, c: Clause) -> Clause | None:
    if c.obj is None or c.verb is None:
        return None
    o = c.obj
    kind = cat(o.head)
    if kind == "NOUN" and not is_person(o):
        cands = [
            n
            for n in THING_NOUNS
            if verb_takes(c.verb, n)
            and concept_of(n) != concept_of(o.head)
            and (o.num is None or not is_mass(n))
            and (o.adj is None or adj_applies(o.adj, n))
        ]
        return replace(c, obj=replace(o, head=rng.choice(cands))) if cands else None
    if is_person(o):
        new = sample_person(rng, c.subj + (o,) + ((c.rel.obj,) if c.rel else ()), p_adj=0.0, names_only=kind == "PER")
        return replace(c, obj=new)
    pool = LOCATIONS if kind == "LOC" else ORGANISATIONS
    return replace(c, obj=NP(rng.choice([x for x in pool if x != o.head])))


def op_change_loc(rng, c: Clause) -> Clause | None:
    return replace(c, loc=rng.choice([x for x in LOCATIONS if x != c.loc])) if c.loc else None


def op_change_num(rng, c: Clause) -> Clause | None:
    if c.obj is not None and c.obj.num is not None and c.obj.quant is None:
        return replace(c, obj=replace(c.obj, num=rng.choice([n for n in range(2, 13) if n != c.obj.num])))
    return None


def op_role_swap(rng, c: Clause) -> Clause | None:
    if (
        c.verb
        and len(c.subj) == 1
        and c.obj is not None
        and is_person(c.obj)
        and is_person(c.subj[0])
        and c.subj[0].head != "one"
        and c.rel is None
    ):
        return replace(c, subj=(c.obj,), obj=c.subj[0])
    return None


def op_quant(rng, c: Clause) -> Clause | None:
    if c.obj is None or c.obj.num is None or c.obj.quant is not None:
        return None
    n = c.obj.num
    quant = rng.choice(["over", "under"])
    m = rng.choice([x for x in range(max(2, n - 4), n + 5) if x != n or rng.random() < 0.3])
    if quant == "under" and m <= 1:
        quant = "over"
    return replace(c, obj=replace(c.obj, quant=quant, num=m))


def op_rel_extract(rng, c: Clause) -> Clause | None:
    if c.rel is None:
        return None
    return Clause(subj=(c.subj[0],), verb=c.rel.verb, obj=c.rel.obj)


def op_rel_swap(rng, c: Clause) -> Clause | None:
    if c.rel is None or not is_person(c.rel.obj):
        return None
    return Clause(subj=(c.rel.obj,), verb=c.rel.verb, obj=c.subj[0])


def op_rel_cross(rng, c: Clause) -> Clause | None:
    """The relative clause's object as the main clause's subject: full lexical overlap, different agent."""
    if c.rel is None or c.verb is None:
        return None
    return replace(c, subj=(c.rel.obj,), rel=None)


def op_rel_obj_swap(rng, c: Clause) -> Clause | None:
    """Swap the objects of the relative and the main clause (both persons)."""
    if c.rel is None or c.obj is None or not is_person(c.obj) or not is_person(c.rel.obj):
        return None
    if not ("person" in LEXICON[c.verb].classes and "person" in LEXICON[c.rel.verb].classes):
        return None
    if "learner" in LEXICON[c.verb].classes or "learner" in LEXICON[c.rel.verb].classes:
        return None
    return replace(c, obj=c.rel.obj, rel=replace(c.rel, obj=c.obj))


def op_subj_relobj_swap(rng, c: Clause) -> Clause | None:
    if c.rel is None or not is_person(c.rel.obj) or c.subj[0].head == "one":
        return None
    return replace(c, subj=(c.rel.obj,), rel=replace(c.rel, obj=c.subj[0]))


OPS = {name[3:]: fn for name, fn in dict(globals()).items() if name.startswith("op_")}


def apply_ops(rng: random.Random, c: Clause, names: list[str]) -> Clause:
    for name in names:
        new = OPS[name](rng, c)
        if new is not None:
            c = new
    return c

"""Labels follow from meaning: NLI under the same-event convention, paraphrase, sentiment."""

from __future__ import annotations

import random
from dataclasses import replace

from stiltgrid.tasks import get_task
from stiltgrid.world import NP, Clause, nli_label, same_meaning
from stiltgrid.world.tasks import polarity

E, N, C = "entailment", "neutral", "contradiction"
ANNA, TOM = NP("Anna"), NP("Tom")
P = Clause(subj=(ANNA,), verb="eat", obj=NP("apple", adj="red"), loc="Paris")


def test_nli_basic():
    assert nli_label([P], replace(P, loc=None)) == E  # drop a modifier
    assert nli_label([P], replace(P, obj=NP("apple"))) == E
    assert nli_label([P], replace(P, loc_front=True)) == E
    assert nli_label([P], replace(P, obj=NP("apple", adj="red"), verb="eat")) == E
    assert nli_label([P], replace(P, neg=True)) == C  # negation
    assert nli_label([P], replace(P, obj=NP("apple", adj="green"))) == C  # incompatible adjective
    assert nli_label([P], replace(P, loc="Rome")) == C  # changed role filler
    assert nli_label([P], replace(P, subj=(TOM,))) == C
    assert nli_label([replace(P, loc=None)], P) == N  # added information
    assert nli_label([P], replace(P, obj=NP("apple", adj="big"))) == N
    assert nli_label([P], Clause(subj=(ANNA,), verb="read", obj=NP("book"))) == N  # unrelated event


def test_nli_synonyms_and_numbers():
    p = Clause(subj=(ANNA,), verb="buy", obj=NP("car", num=7))
    assert nli_label([p], replace(p, verb="purchase", obj=NP("automobile", num=7))) == E
    assert nli_label([p], replace(p, obj=NP("car", num=7, quant="over"))) == C
    assert nli_label([p], replace(p, obj=NP("car", num=5, quant="over"))) == E
    assert nli_label([p], replace(p, obj=NP("car", num=9, quant="under"))) == E
    assert nli_label([p], replace(p, obj=NP("car", num=3))) == C
    assert nli_label([p], replace(p, obj=NP("car", pl=True))) == E
    assert nli_label([replace(p, obj=NP("car", pl=True))], replace(p, obj=NP("car", num=5, quant="over"))) == N


def test_nli_negation_monotonicity_and_roles():
    neg = replace(P, neg=True, obj=NP("apple"))
    assert nli_label([neg], replace(neg, obj=NP("apple", adj="red"))) == E  # downward entailing
    assert nli_label([replace(neg, obj=NP("apple", adj="red"))], neg) == N
    assert nli_label([neg], replace(neg, neg=False, obj=NP("apple", adj="red"))) == C
    sees = Clause(subj=(ANNA,), verb="see", obj=TOM)
    assert nli_label([sees], Clause(subj=(TOM,), verb="see", obj=ANNA)) == C
    meets = Clause(subj=(ANNA,), verb="meet", obj=TOM)
    assert nli_label([meets], Clause(subj=(TOM,), verb="meet", obj=ANNA)) == E  # symmetric verb
    rel = Clause(subj=(ANNA,), verb="eat", obj=NP("cake"), rel=Clause(verb="help", obj=TOM))
    assert nli_label([rel], Clause(subj=(ANNA,), verb="help", obj=TOM)) == E
    assert nli_label([rel], Clause(subj=(TOM,), verb="eat", obj=NP("cake"))) == C
    both = Clause(subj=(ANNA, TOM), verb="eat", obj=NP("cake"))
    assert nli_label([both], Clause(subj=(TOM,), verb="eat", obj=NP("cake"))) == E
    assert nli_label([Clause(subj=(TOM,), verb="eat", obj=NP("cake"))], both) == N


def test_paraphrase():
    s = Clause(subj=(ANNA, TOM), verb="see", obj=NP("Paul"), loc="Rome")
    assert same_meaning(s, replace(s, subj=(TOM, ANNA), loc_front=True))
    assert not same_meaning(Clause(subj=(ANNA,), verb="see", obj=TOM), Clause(subj=(TOM,), verb="see", obj=ANNA))
    assert same_meaning(Clause(subj=(ANNA,), verb="meet", obj=TOM), Clause(subj=(TOM,), verb="meet", obj=ANNA))
    q = Clause(subj=(ANNA,), verb="eat", obj=NP("apple"), loc="Paris", wh="obj")
    assert same_meaning(q, replace(q, obj=NP("cake"), loc_front=True))  # the asked-for filler is irrelevant
    assert not same_meaning(q, replace(q, wh="loc"))
    assert not same_meaning(q, replace(q, loc="Rome"))


def test_polarity():
    assert polarity(Clause(subj=(NP("cake"),), pred="tasty")) == 1
    assert polarity(Clause(subj=(NP("cake"),), pred="tasty", neg=True)) == -1
    assert polarity(Clause(subj=(ANNA,), verb="hate", obj=NP("car", adj="red"))) == -1
    assert polarity(Clause(subj=(ANNA,), verb="buy", obj=NP("car", adj="ugly"))) == -1
    assert polarity(Clause(subj=(ANNA,), verb="buy", obj=NP("car", adj="red"))) == 0


def test_generated_labels_agree_with_semantics():
    for task in ("mnli", "anli", "xnli"):
        for ab in get_task(task).world.abstract_examples(random.Random(1), 60):
            assert nli_label(list(ab.a), ab.b[0]) == ab.label
    for ab in get_task("pawsx").world.abstract_examples(random.Random(2), 40):
        assert same_meaning(ab.a[0], ab.b[0]) == (ab.label == "1")
    for ab in get_task("sst2").world.abstract_examples(random.Random(3), 40):
        assert {polarity(c) for c in ab.clauses} - {0} == {1 if ab.label == "positive" else -1}

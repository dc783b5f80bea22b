"""Test-set perturbations: identity at strength 0, determinism per example id, label preservation, exact offsets."""

from __future__ import annotations

import copy
import json
import random
import re
import unicodedata

import pytest

from stiltgrid.core.lexicons import load_entities, load_lexicon
from stiltgrid.data.perturb import (
    PERTURBATIONS,
    char_noise,
    codeswitch,
    entity_swap,
    perturb,
    script_of,
    word_shuffle,
    word_spans,
)
from stiltgrid.formats import FORMATS, get_format, read_jsonl, write_jsonl
from stiltgrid.formats.base import apply_edits

# the test language "xx" and two others; "en" keys throughout
LEXICONS = {
    "xx": {
        "the": "da",
        "dog": "hundo",
        "cat": "kato",
        "sees": "vidas",
        "eats": "mangas",
        "big": "granda",
        "small": "malgranda",
        "fish": "fiso",
        "in": "en",
        "and": "kaj",
        "where": "kie",
        "lives": "logas",
        "who": "kiu",
        "red": "ruga",
        "car": "auto",
        "buys": "acetas",
        "Anna": "Anna",
    },
    "yy": {
        "the": "le",
        "dog": "chien",
        "cat": "chat",
        "sees": "voit",
        "eats": "mange",
        "big": "grand",
        "fish": "poisson",
        "in": "dans",
        "and": "et",
        "where": "ou",
        "lives": "habite",
        "red": "rouge",
        "car": "voiture",
        "Anna": "Анна",
    },
    "zz": {"the": "der", "dog": "hund", "sees": "sieht", "fish": "fisch", "in": "en", "car": "wagen"},
}
ENTITIES = {
    "PER": ["Anna", "Tom", "Maria", "Peter", "Анна", "Том", "Мариа"],
    "LOC": ["Paris", "New York", "Cape Town", "Rome", "Hong Kong", "Парис", "Рим"],
    "ORG": ["Acme Bank", "Globex"],
}

CLS = [
    {"id": "c1", "text": "Da granda hundo vidas Anna en Paris .", "label": "pos"},
    {"id": "c2", "text": "Tom's kato, da malgranda, mangas fiso!", "label": "neg"},
    {"id": "c3", "text": "Kiu logas en New York? 42 hundo kaj 7 kato.", "label": "pos"},
]
PAIR = [
    {"id": "p1", "text_a": "Anna vidas Tom en Paris .", "text_b": "Tom vidas Anna en Rome .", "label": "neutral"},
    {"id": "p2", "text_a": "Da ruga auto en New York .", "text_b": "Maria acetas da auto .", "label": "entailment"},
]
NER = [
    {
        "id": "t1",
        "tokens": ["Anna'ek", "logas", "en", "New", "York", "kaj", "Tom", "vidas", "Anna", "."],
        "tags": ["B-PER", "O", "O", "B-LOC", "I-LOC", "O", "B-PER", "O", "B-PER", "O"],
    },
    {
        "id": "t2",
        "tokens": ["Maria", "acetas", "da", "ruga", "auto", "en", "Cape", "Town", "."],
        "tags": ["B-PER", "O", "O", "O", "O", "O", "B-LOC", "I-LOC", "O"],
    },
    {"id": "t3", "tokens": ["Da", "hundo", "mangas", "fiso", "."], "tags": ["O", "O", "O", "O", "O"]},
]
POS = [
    {
        "id": "u1",
        "tokens": ["Anna", "vidas", "da", "granda", "hundo", "en", "Hong", "Kong", "."],
        "tags": ["PROPN", "VERB", "DET", "ADJ", "NOUN", "ADP", "PROPN", "PROPN", "PUNCT"],
    },
    {"id": "u2", "tokens": ["Kiu", "mangas", "fiso", "?"], "tags": ["PRON", "VERB", "NOUN", "PUNCT"]},
]
QA_CONTEXT = "Anna vidas Tom en Paris. Tom acetas da ruga auto en New York, kaj Anna mangas fiso."
QA = [
    {
        "id": "q1",
        "context": QA_CONTEXT,
        "question": "Kie Tom acetas da auto?",
        "answers": {
            "text": ["New York", "en New York"],
            "answer_start": [QA_CONTEXT.index("New York"), QA_CONTEXT.index("en New York")],
        },
    },
    {
        "id": "q2",
        "context": QA_CONTEXT,
        "question": "Kiu mangas fiso?",
        "answers": {"text": ["Anna"], "answer_start": [QA_CONTEXT.rindex("Anna")]},
    },
    {
        "id": "q3",
        "context": QA_CONTEXT,
        "question": "Kiu vidas Tom?",
        "answers": {"text": ["Anna vidas"], "answer_start": [0]},
    },
]
MC = [
    {
        "id": "m1",
        "context": "Anna acetas da ruga auto en Paris .",
        "question": "Kiu acetas da auto ?",
        "choices": ["Anna", "Tom", "da hundo", "Maria"],
        "label": 0,
    },
    {"id": "m2", "context": "", "question": "Da hundo mangas ...", "choices": ["fiso .", "auto ."], "label": 0},
]
RET = [
    {"id": "s1", "side": "src", "text": "Da hundo vidas da kato en Paris .", "gold": "g1"},
    {"id": "s2", "side": "src", "text": "Anna mangas fiso .", "gold": None},
    {"id": "g1", "side": "tgt", "text": "The dog sees the cat in Paris .", "gold": None},
]
DATA = {
    "classification": CLS,
    "pair_classification": PAIR,
    "tagging": NER,
    "span_qa": QA,
    "multiple_choice": MC,
    "retrieval": RET,
}
LABEL_FIELDS = {
    "classification": ["label"],
    "pair_classification": ["label"],
    "multiple_choice": ["label"],
    "retrieval": ["side", "gold"],
    "tagging": ["tags"],
    "span_qa": [],
}


def _run(kind, fmt, strength, seed=0, examples=None):
    examples = DATA[fmt] if examples is None else examples
    return perturb(examples, fmt, kind, strength, seed, lang="xx", lexicons=LEXICONS, entities=ENTITIES)


def _cases():
    for kind in PERTURBATIONS:
        for fmt in DATA:
            if not (kind == "entity_swap" and fmt == "retrieval"):
                yield kind, fmt


CASES = list(_cases())


def _valid(examples, fmt):
    for ex in examples:
        get_format(fmt).check(ex, ex["id"])


def _answers_exact(ex):
    for text, start in zip(ex["answers"]["text"], ex["answers"]["answer_start"]):
        assert ex["context"][start : start + len(text)] == text


# -- helpers ---------------------------------------------------------------------------------------------------------
def test_word_spans():
    text = "Hello, world! 42 a1 l'homme -- Анна'ек"
    assert [text[s:e] for s, e in word_spans(text)] == ["Hello", "world", "a1", "l", "homme", "Анна", "ек"]
    deva = "किताब पढ़ो"  # vowel signs and nukta are combining marks, part of the word
    assert [deva[s:e] for s, e in word_spans(deva)] == ["किताब", "पढ़ो"]


def test_apply_edits_maps_offsets():
    text = "abc def ghi"
    new, mapper = apply_edits(text, [(4, 7, "XXXXX"), (0, 3, "A")])
    assert new == "A XXXXX ghi"
    assert [mapper(p) for p in (0, 3, 4, 7, 8, 11)] == [0, 1, 2, 7, 8, 11]
    with pytest.raises(AssertionError):
        apply_edits(text, [(0, 5, "x"), (4, 7, "y")])


# -- invariants for every perturbation and format --------------------------------------------------------------------
@pytest.mark.parametrize("kind, fmt", CASES)
def test_strength_zero_is_identity(kind, fmt):
    out = _run(kind, fmt, 0.0)
    assert out == DATA[fmt]
    out[0]["id"] = "mutated"
    assert DATA[fmt][0]["id"] != "mutated"  # copies, not the input objects


@pytest.mark.parametrize("kind, fmt", CASES)
@pytest.mark.parametrize("strength", [0.3, 1.0])
def test_labels_ids_and_format_preserved(kind, fmt, strength):
    before = copy.deepcopy(DATA[fmt])
    out = _run(kind, fmt, strength)
    assert DATA[fmt] == before  # input untouched
    assert [ex["id"] for ex in out] == [ex["id"] for ex in before]
    _valid(out, fmt)
    for a, b in zip(before, out):
        assert set(a) == set(b)
        if fmt == "tagging" and kind == "word_shuffle":
            assert sorted(zip(a["tokens"], a["tags"])) == sorted(zip(b["tokens"], b["tags"]))
        else:
            for name in LABEL_FIELDS[fmt]:
                assert a[name] == b[name], name
        if fmt == "tagging":
            assert len(a["tokens"]) == len(b["tokens"])
        if fmt == "span_qa":
            _answers_exact(b)
            assert len(b["answers"]["text"]) == len(a["answers"]["text"])
            if kind != "entity_swap":
                assert b["answers"]["text"] == a["answers"]["text"]
        if fmt == "multiple_choice":
            assert len(b["choices"]) == len(a["choices"])
        if fmt == "retrieval" and a["side"] == "tgt":
            assert a == b


@pytest.mark.parametrize("kind, fmt", CASES)
def test_deterministic_and_independent_of_order(kind, fmt):
    first = _run(kind, fmt, 0.6, seed=3)
    assert _run(kind, fmt, 0.6, seed=3) == first
    shuffled = list(DATA[fmt])
    random.Random(1).shuffle(shuffled)
    shuffled.reverse()
    by_id = {ex["id"]: ex for ex in _run(kind, fmt, 0.6, seed=3, examples=shuffled)}
    assert [by_id[ex["id"]] for ex in first] == first


@pytest.mark.parametrize("kind, fmt", [c for c in CASES if c[0] != "entity_swap"])
def test_seed_matters(kind, fmt):
    outs = {json.dumps(_run(kind, fmt, 0.5, seed=s), ensure_ascii=False) for s in range(6)}
    assert len(outs) > 1


@pytest.mark.parametrize("kind, fmt", CASES)
def test_output_round_trips_through_read_jsonl(kind, fmt, tmp_path):
    out = _run(kind, fmt, 1.0)
    write_jsonl(tmp_path / "x.jsonl", out)
    assert read_jsonl(tmp_path / "x.jsonl", fmt) == out


def test_errors():
    with pytest.raises(ValueError, match="unknown perturbation 'blur'.*char_noise"):
        perturb(CLS, "classification", "blur", 0.5, 0, lang="xx")
    with pytest.raises(ValueError, match="unknown task format"):
        perturb(CLS, "sentiment", "char_noise", 0.5, 0, lang="xx")
    for bad in (-0.1, 1.5, True, "0.5"):
        with pytest.raises(ValueError, match="strength"):
            perturb(CLS, "classification", "char_noise", bad, 0, lang="xx")
    with pytest.raises(ValueError, match="'codeswitch' needs lexicons"):
        perturb(CLS, "classification", "codeswitch", 0.5, 0, lang="xx")
    with pytest.raises(ValueError, match="no lexicon for the test language 'qq'"):
        perturb(CLS, "classification", "codeswitch", 0.5, 0, lang="qq", lexicons=LEXICONS)
    with pytest.raises(ValueError, match="at least one other"):
        perturb(CLS, "classification", "codeswitch", 0.5, 0, lang="xx", lexicons={"xx": LEXICONS["xx"]})
    with pytest.raises(ValueError, match="needs entities"):
        perturb(CLS, "classification", "entity_swap", 0.5, 0, lang="xx")
    with pytest.raises(ValueError, match="needs entities"):
        perturb(POS, "tagging", "entity_swap", 0.5, 0, lang="xx")  # no BIO tags to find entities
    with pytest.raises(ValueError, match="retrieval"):
        perturb(RET, "retrieval", "entity_swap", 0.5, 0, lang="xx", entities=ENTITIES)
    with pytest.raises(Exception, match="tags"):  # malformed input is caught up front
        perturb([{"id": "x", "tokens": ["a"], "tags": []}], "tagging", "char_noise", 0.5, 0, lang="xx")


# -- char_noise ------------------------------------------------------------------------------------------------------
def _one_edit(a: str, b: str) -> bool:
    """Exactly one insertion, deletion, substitution or adjacent transposition apart."""
    if a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = sorted((a, b), key=len)
    return len(long_) == len(short) + 1 and any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def test_char_noise_full_strength_edits_every_word_once():
    ex = {"id": "n", "text": "Da granda hundo vidas Anna en Paris, 42 fojojn!", "label": "pos"}
    out = char_noise([ex], "classification", 1.0, 5)[0]["text"]
    before, after = ex["text"].split(" "), out.split(" ")
    assert len(before) == len(after)
    for a, b in zip(before, after):
        wa, wb = a.rstrip(",!"), b.rstrip(",!")
        if wa == "42":
            assert wb == "42"  # numbers untouched
        else:
            assert _one_edit(wa, wb), (a, b)
        assert a[len(wa) :] == b[len(wb) :]  # punctuation untouched


def test_char_noise_letters_from_the_word_script():
    ex = {"id": "cyr", "text": "Собака видит кошку в Париже и Анна ест рыбу", "label": "pos"}
    out = char_noise([ex], "classification", 1.0, 2)[0]["text"]
    assert out != ex["text"]
    assert {script_of(c) for c in out if c.isalpha()} == {"CYRILLIC"}
    geo = {"id": "ka", "text": "ძენ ლემტერელტყ ტერ მტუტორ ზენით", "label": "pos"}
    out = char_noise([geo], "classification", 1.0, 2)[0]["text"]
    assert {script_of(c) for c in out if c.isalpha()} == {"GEORGIAN"}


def test_char_noise_strength_scales():
    words = " ".join(f"vorto{chr(97 + i % 26)}" for i in range(400))
    ex = {"id": "long", "text": words, "label": "pos"}
    changed = []
    for strength in (0.1, 0.5, 0.9):
        out = char_noise([ex], "classification", strength, 0)[0]["text"].split(" ")
        changed.append(sum(a != b for a, b in zip(words.split(" "), out)) / 400)
    assert changed[0] < changed[1] < changed[2]
    assert abs(changed[1] - 0.5) < 0.1


@pytest.mark.parametrize("kind", ["char_noise", "codeswitch"])
def test_weaker_strength_is_contained_in_stronger(kind):
    ex = {"id": "nest", "text": " ".join(["hundo vidas fiso kaj kato"] * 40), "label": "pos"}
    words = ex["text"].split()
    weak, strong = (_run(kind, "classification", st, examples=[ex])[0]["text"].split() for st in (0.3, 0.7))
    changed_weak = {i for i, (a, b) in enumerate(zip(words, weak)) if a != b}
    assert changed_weak and len(changed_weak) < sum(a != b for a, b in zip(words, strong))
    assert all(weak[i] == strong[i] for i in changed_weak)  # same edit, whatever the strength


def test_char_noise_devanagari_marks():
    ex = {"id": "deva", "text": "किताब पढ़ो और लिखो", "label": "pos"}
    out = char_noise([ex], "classification", 1.0, 0)[0]["text"]
    assert len(out.split()) == 4 and out != ex["text"]
    assert {script_of(c) for c in out if not c.isspace()} == {"DEVANAGARI"}


def test_char_noise_tagging_keeps_tokens_nonempty():
    ex = {"id": "t", "tokens": ["a", "b", ".", "Anna'ek", "7"], "tags": ["O", "O", "O", "B-PER", "O"]}
    out = char_noise([ex], "tagging", 1.0, 0)[0]
    assert all(out["tokens"]) and out["tokens"][2] == "." and out["tokens"][4] == "7"
    assert out["tags"] == ex["tags"] and out["tokens"][:2] != ["a", "b"]


def test_char_noise_span_qa_leaves_answers_alone():
    out = char_noise(QA, "span_qa", 1.0, 0)
    for a, b in zip(QA, out):
        assert b["answers"]["text"] == a["answers"]["text"]
        _answers_exact(b)
        assert b["context"] != a["context"] and b["question"] != a["question"]


# -- codeswitch ------------------------------------------------------------------------------------------------------
def test_codeswitch_expected_output():
    lexicons = {"xx": LEXICONS["xx"], "zz": LEXICONS["zz"]}
    ex = {"id": "e", "text": "Da hundo vidas fiso, en Paris.", "label": "pos"}
    out = codeswitch([ex], "classification", 1.0, 0, lang="xx", lexicons=lexicons)[0]
    # "en" is "en" in zz too, so it cannot switch; capital initial kept through the lower-cased lookup
    assert out["text"] == "Der hund sieht fisch, en Paris."


def test_codeswitch_case_into_uncased_script():
    lexicons = {"xx": {"dog": "hundo"}, "ka": {"dog": "ძაღლი"}, "ru": {"dog": "собака"}}
    out = codeswitch(
        [{"id": "k", "text": "Hundo", "label": "pos"}],
        "classification",
        1.0,
        0,
        lang="xx",
        lexicons={"xx": lexicons["xx"], "ka": lexicons["ka"]},
    )[0]["text"]
    assert out == "ძაღლი"  # no Mtavruli capitals invented
    out = codeswitch(
        [{"id": "k", "text": "Hundo", "label": "pos"}],
        "classification",
        1.0,
        0,
        lang="xx",
        lexicons={"xx": lexicons["xx"], "ru": lexicons["ru"]},
    )[0]["text"]
    assert out == "Собака"


def test_codeswitch_draws_other_languages_per_word():
    text = " ".join(["hundo"] * 200)
    out = codeswitch(
        [{"id": "w", "text": text, "label": "pos"}], "classification", 1.0, 0, lang="xx", lexicons=LEXICONS
    )[0]["text"].split()
    assert set(out) == {"chien", "hund"}  # never the test language's own word


def test_codeswitch_strength_and_unknown_words():
    ex = {"id": "s", "text": "hundo " * 300 + "xyzzy", "label": "pos"}
    out = codeswitch([ex], "classification", 0.5, 1, lang="xx", lexicons=LEXICONS)[0]["text"].split()
    assert out[-1] == "xyzzy"
    assert 0.4 < sum(w != "hundo" for w in out[:-1]) / 300 < 0.6


def test_codeswitch_tagging_token_aligned():
    out = codeswitch(NER, "tagging", 1.0, 0, lang="xx", lexicons=LEXICONS)
    for a, b in zip(NER, out):
        assert b["tags"] == a["tags"] and len(b["tokens"]) == len(a["tokens"])
    assert out[2]["tokens"][1] in ("chien", "hund") and out[2]["tokens"][-1] == "."


def test_codeswitch_multiword_translation_not_put_in_a_token():
    lexicons = {"xx": {"dog": "hundo"}, "yy": {"dog": "big dog"}}
    ex = {"id": "t", "tokens": ["hundo", "."], "tags": ["NOUN", "PUNCT"]}
    assert codeswitch([ex], "tagging", 1.0, 0, lang="xx", lexicons=lexicons)[0] == ex
    cls = {"id": "c", "text": "hundo .", "label": "pos"}
    assert codeswitch([cls], "classification", 1.0, 0, lang="xx", lexicons=lexicons)[0]["text"] == "big dog ."


def test_codeswitch_multiple_choice_switches_every_field():
    out = codeswitch(MC, "multiple_choice", 1.0, 0, lang="xx", lexicons=LEXICONS)[0]
    assert out["context"] != MC[0]["context"] and out["question"] != MC[0]["question"]
    assert out["choices"][2] != "da hundo" and out["label"] == 0


def test_codeswitch_retrieval_src_only():
    out = codeswitch(RET, "retrieval", 1.0, 0, lang="xx", lexicons=LEXICONS)
    assert out[0]["text"] != RET[0]["text"] and out[2] == RET[2]
    assert [ex["gold"] for ex in out] == [ex["gold"] for ex in RET]


# -- word_shuffle ----------------------------------------------------------------------------------------------------
def test_word_shuffle_full_strength_swaps_pairs():
    ex = {"id": "w", "text": "a b c d e .", "label": "pos"}
    assert word_shuffle([ex], "classification", 1.0, 0)[0]["text"] == "b a d c e ."


def test_word_shuffle_keeps_whitespace_and_punctuation():
    ex = {"id": "w", "text": "  one two\tthree , four  ", "label": "pos"}
    out = word_shuffle([ex], "classification", 1.0, 0)[0]["text"]
    assert out == "  two one\tthree , four  "


def test_word_shuffle_tagging_moves_entities_as_units():
    ex = {
        "id": "t",
        "tokens": ["Anna", "logas", "en", "New", "York", "."],
        "tags": ["B-PER", "O", "O", "B-LOC", "I-LOC", "O"],
    }
    out = word_shuffle([ex], "tagging", 1.0, 0)[0]
    assert out["tokens"] == ["logas", "Anna", "New", "York", "en", "."]
    assert out["tags"] == ["O", "B-PER", "B-LOC", "I-LOC", "O", "O"]


def test_word_shuffle_bio_stays_valid():
    for ex in word_shuffle(NER, "tagging", 0.7, 4):
        for prev, tag in zip(["O"] + ex["tags"], ex["tags"]):
            if tag.startswith("I-"):
                assert prev[2:] == tag[2:] and prev[:2] in ("B-", "I-")


def test_word_shuffle_span_qa_answers_contiguous():
    out = word_shuffle(QA, "span_qa", 1.0, 0)
    for a, b in zip(QA, out):
        _answers_exact(b)
        assert b["answers"] == a["answers"]  # the swaps elsewhere keep the length
        assert b["context"] != a["context"]
        assert sorted(b["context"].split()) == sorted(a["context"].split())


def test_word_shuffle_answer_inside_a_token():
    context = "Born (1990), she moved to Rome in 2001 and then to Oslo."
    ex = {
        "id": "mid",
        "context": context,
        "question": "When was she born?",
        "answers": {"text": ["1990", "Rome in 2001"], "answer_start": [6, context.index("Rome")]},
    }
    out = word_shuffle([ex], "span_qa", 1.0, 0)[0]
    _answers_exact(out)
    assert out["answers"]["text"] == ex["answers"]["text"] and out["context"] != context
    assert "(1990)," in out["context"] and "Rome in 2001" in out["context"]


def test_word_shuffle_strength_one_moves_most_words():
    words = [f"w{i}" for i in range(101)]
    out = word_shuffle([{"id": "x", "text": " ".join(words), "label": "pos"}], "classification", 1.0, 0)
    moved = sum(a != b for a, b in zip(words, out[0]["text"].split()))
    assert moved >= 100


# -- entity_swap -----------------------------------------------------------------------------------------------------
def _names_in(text, names):
    return {n for n in names if n in text}


def test_entity_swap_consistent_across_fields():
    out = entity_swap(PAIR, "pair_classification", 1.0, 0, entities=ENTITIES)[0]
    # Anna, Tom, Paris, Rome are all renamed, the same way in both texts
    a = re.fullmatch(r"(\S+) vidas (\S+) en (.+) \.", out["text_a"]).groups()
    b = re.fullmatch(r"(\S+) vidas (\S+) en (.+) \.", out["text_b"]).groups()
    assert (a[0], a[1]) == (b[1], b[0])
    assert a[0] != "Anna" and a[1] != "Tom" and a[0] != a[1]
    assert a[2] != "Paris" and b[2] != "Rome" and a[2] != b[2]
    assert {a[0], a[1]} <= set(ENTITIES["PER"]) and {a[2], b[2]} <= set(ENTITIES["LOC"])


def test_entity_swap_same_script_and_type():
    ex = {"id": "cyr", "text": "Анна видит Том в Рим .", "label": "pos"}
    out = entity_swap([ex], "classification", 1.0, 0, entities=ENTITIES)[0]["text"]
    per, _, per2, _, loc, _ = out.split()
    # the only free Cyrillic PER is Мариа: it goes to Анна, and Том keeps its name rather than merge or go Latin
    assert (per, per2) == ("Мариа", "Том")
    assert loc == "Парис"


def test_entity_swap_no_candidate_no_rename():
    ents = {"PER": ["Anna"], "ORG": ["Globex"]}
    ex = {"id": "x", "text": "Anna at Globex", "label": "pos"}
    assert entity_swap([ex], "classification", 1.0, 0, entities=ents)[0] == ex


def test_entity_swap_multiple_choice_renames_choices():
    out = entity_swap(MC, "multiple_choice", 1.0, 0, entities=ENTITIES)[0]
    new_anna = out["context"].split()[0]
    assert new_anna != "Anna" and out["choices"][0] == new_anna and out["label"] == 0
    assert len(set(out["choices"])) == 4  # Tom / Maria never collide with it


def test_entity_swap_span_qa_renames_answers_consistently():
    out = entity_swap(QA, "span_qa", 1.0, 0, entities=ENTITIES)
    for _a, b in zip(QA, out):
        _answers_exact(b)
        assert _names_in(b["context"], {"Anna", "Tom", "Paris", "New York"}) <= set(ENTITIES["PER"] + ["New York"])
    q1 = out[0]
    assert "New York" not in q1["context"]
    new_loc = q1["answers"]["text"][0]
    assert new_loc in ENTITIES["LOC"] and q1["answers"]["text"][1] == "en " + new_loc
    assert q1["question"].split()[1] == q1["context"].split()[2]  # Tom renamed alike in question
    q2 = out[1]
    assert q2["answers"]["text"][0] == q2["context"].split()[0]


def test_entity_swap_keeps_span_qa_answer_boundaries():
    context = "Visit New York today."
    ex = {
        "id": "cut",
        "context": context,
        "question": "Where?",
        "answers": {"text": ["New"], "answer_start": [6]},
    }  # answer cuts the entity
    out = entity_swap([ex], "span_qa", 1.0, 0, entities=ENTITIES)[0]
    assert out == ex


def test_entity_swap_tagging_from_tags_without_gazetteer():
    out = entity_swap(NER, "tagging", 1.0, 0)
    for a, b in zip(NER, out):
        assert b["tags"] == a["tags"] and len(a["tokens"]) == len(b["tokens"])
    t1 = out[0]
    # the three PER names of the data set: Anna, Tom, Maria; Anna and Tom become each other or Maria, consistently
    assert t1["tokens"][0].endswith("'ek") and t1["tokens"][0][:-3] == t1["tokens"][8]
    assert t1["tokens"][0][:-3] != "Anna" or t1["tokens"][6] != "Tom"
    assert t1["tokens"][3:5] == ["Cape", "Town"]  # the only other LOC of the data set


def test_entity_swap_tagging_with_gazetteer():
    out = entity_swap(NER, "tagging", 1.0, 0, entities=ENTITIES)
    t1 = out[0]
    assert t1["tokens"][3:5] != ["New", "York"] and " ".join(t1["tokens"][3:5]) in ENTITIES["LOC"]
    assert t1["tokens"][0][:-3] == t1["tokens"][8] != "Anna"
    pos = entity_swap(POS, "tagging", 1.0, 0, entities=ENTITIES)[0]  # no BIO: gazetteer mentions
    assert pos["tokens"][0] != "Anna" and pos["tokens"][6:8] != ["Hong", "Kong"]
    assert len(pos["tokens"]) == len(POS[0]["tokens"]) and pos["tags"] == POS[0]["tags"]


def test_entity_swap_suffix_and_apostrophe_names():
    ents = {"PER": ["O'Brien", "Smith", "Anna", "Tom"]}
    ex = {"id": "s", "text": "O'Brien and Anna'ek met.", "label": "pos"}
    out = entity_swap([ex], "classification", 1.0, 0, entities=ents)[0]["text"]
    first, _, second, _ = out.split()
    assert first in ("Smith", "Tom") and second.endswith("'ek") and second[:-3] in ("Smith", "Tom")
    assert first != second[:-3]


def test_entity_swap_strength_fraction():
    names = [f"Name{chr(65 + i)}{chr(65 + j)}" for i in range(10) for j in range(10)]
    ents = {"PER": names + [f"Other{i}" for i in range(200)]}
    ex = {"id": "many", "text": " ".join(names), "label": "pos"}
    out = entity_swap([ex], "classification", 0.5, 0, entities=ents)[0]["text"].split()
    renamed = sum(a != b for a, b in zip(names, out))
    assert 30 < renamed < 70


# -- the generated world ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    from stiltgrid.data.world import generate_world
    from stiltgrid.world import DEFAULT_WORLD

    out = tmp_path_factory.mktemp("perturbworld")
    tasks = {
        "panx": {"test": 12},
        "udpos": {"test": 12},
        "xquad": {"test": 12},
        "xnli": {"test": 12},
        "xcopa": {"test": 12},
        "tatoeba": {"test": 12},
    }
    generate_world(DEFAULT_WORLD, out, tasks=tasks, corpus_sentences=0, test_langs=list(DEFAULT_WORLD["languages"]))
    return out


def test_world_test_sets(world_dir):
    from stiltgrid.tasks import get_task
    from stiltgrid.world import DEFAULT_WORLD

    langs = list(DEFAULT_WORLD["languages"])
    lexicons = {code: load_lexicon(world_dir / "lexicon" / f"{code}.tsv") for code in langs}
    entities = load_entities(world_dir / "entities.tsv")
    for task in ("panx", "udpos", "xquad", "xnli", "xcopa", "tatoeba"):
        fmt, labels = get_task(task).format, get_task(task).world.labels
        for lang in ("en", "ea", "ka"):
            name = f"test.{lang}.jsonl"
            if fmt == "retrieval" and lang == "en":
                continue  # no English retrieval file
            rows = read_jsonl(world_dir / "tasks" / task / name, fmt, labels)
            for kind in PERTURBATIONS:
                if kind == "entity_swap" and fmt == "retrieval":
                    continue
                out = perturb(rows, fmt, kind, 0.5, 11, lang=lang, lexicons=lexicons, entities=entities)
                path = world_dir / "perturbed" / task / kind / name
                write_jsonl(path, out)
                assert read_jsonl(path, fmt, labels) == out
                pairs = list(zip(rows, out))
                if fmt == "retrieval":
                    assert all(a == b for a, b in pairs if a["side"] == "tgt")
                    pairs = [(a, b) for a, b in pairs if a["side"] == "src"]
                changed = sum(a != b for a, b in pairs)
                # entity_swap only touches sentences with names
                assert changed >= (1 if kind == "entity_swap" else len(pairs) // 2), (task, lang, kind)
                if kind == "entity_swap":
                    scripts = {
                        script_of(c)
                        for ex in out
                        for c in json.dumps(ex, ensure_ascii=False)
                        if unicodedata.category(c).startswith("L")
                    }
                    assert scripts == {
                        script_of(c)
                        for ex in rows
                        for c in json.dumps(ex, ensure_ascii=False)
                        if unicodedata.category(c).startswith("L")
                    }


def test_world_codeswitch_uses_other_languages(world_dir):
    lexicons = {code: load_lexicon(world_dir / "lexicon" / f"{code}.tsv") for code in ("ka", "ea", "wa")}
    rows = read_jsonl(world_dir / "tasks" / "xnli" / "test.ka.jsonl", "pair_classification")
    out = perturb(rows, "pair_classification", "codeswitch", 1.0, 0, lang="ka", lexicons=lexicons)
    scripts = {script_of(c) for ex in out for c in ex["text_a"] + ex["text_b"] if c.isalpha()}
    assert {"CYRILLIC", "LATIN"} <= scripts


def test_all_formats_covered():
    assert set(DATA) == set(FORMATS)

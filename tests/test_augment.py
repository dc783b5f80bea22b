"""Cross-lingual augmentation of English training sets: translation mixing and lexicon code-switching."""

from __future__ import annotations

import copy
import logging
from collections import Counter

import pytest

from stiltgrid.data.augment import SwitchStats, codeswitch, codeswitch_with_stats, mix_translations
from stiltgrid.formats import get_format, read_jsonl, trainable_formats, write_jsonl

TRAINABLE_FORMATS = trainable_formats()

LEX = {
    "fr": {
        "the": "le",
        "dog": "chien",
        "cat": "chat",
        "sees": "voit",
        "eats": "mange",
        "big": "grand",
        "fish": "poisson",
        "in": "dans",
        "and": "et",
        "who": "qui",
        "where": "ou",
        "car": "voiture",
        "buys": "achete",
        "red": "rouge",
        "lives": "habite",
    },
    "ru": {
        "the": "этот",
        "dog": "собака",
        "cat": "кошка",
        "sees": "видит",
        "eats": "ест",
        "big": "большой",
        "fish": "рыба",
        "in": "в",
        "and": "и",
        "who": "кто",
        "where": "где",
        "car": "машина",
        "buys": "покупает",
        "red": "красный",
        "lives": "живёт",
    },
}

CONTEXT = "Anna lives in Paris. The dog eats fish and Tom buys a red car in New York."
ENGLISH = {
    "classification": [
        {"id": f"c{i}", "text": f"The big dog sees the cat {i} times!", "label": "pos" if i % 2 else "neg"}
        for i in range(10)
    ],
    "pair_classification": [
        {"id": f"p{i}", "text_a": "The dog eats fish.", "text_b": "Who eats the fish?", "label": "entailment"}
        for i in range(6)
    ],
    "tagging": [
        {
            "id": f"t{i}",
            "tokens": ["The", "dog", "sees", "Anna", "in", "New", "York", "."],
            "tags": ["O", "O", "O", "B-PER", "O", "B-LOC", "I-LOC", "O"],
        }
        for i in range(6)
    ],
    "span_qa": [
        {
            "id": f"q{i}",
            "context": CONTEXT,
            "question": "Where does the dog eat fish?",
            "answers": {
                "text": ["red car", "The dog eats"],
                "answer_start": [CONTEXT.index("red car"), CONTEXT.index("The dog eats")],
            },
        }
        for i in range(6)
    ],
    "multiple_choice": [
        {
            "id": f"m{i}",
            "context": "The dog sees the fish.",
            "question": "What then?",
            "choices": ["The dog eats the fish.", "The car eats."],
            "label": 0,
        }
        for i in range(6)
    ],
}


def _valid(examples, fmt):
    for ex in examples:
        get_format(fmt).check(ex, ex["id"])


def _translate(ex, lang):
    """A stand-in translation: the same example with words mapped through LEX (labels, tags kept)."""

    def tr(text):
        return " ".join(LEX[lang].get(w, w) for w in text.split(" "))

    out = copy.deepcopy(ex)
    out["id"] = ex["id"].replace("en", lang) + f"-{lang}"
    if "tokens" in ex:
        out["tokens"] = [LEX[lang].get(t.lower(), t) for t in ex["tokens"]]
    for key in ("text", "text_a", "text_b", "question"):
        if key in ex:
            out[key] = tr(ex[key])
    if "choices" in ex:
        out["choices"] = [tr(c) for c in ex["choices"]]
        out["context"] = tr(ex["context"])
    if "answers" in ex:
        out["context"] = tr(ex["context"])
        texts = [tr(t) for t in ex["answers"]["text"]]
        out["answers"] = {"text": texts, "answer_start": [out["context"].index(t) for t in texts]}
    return out


def _translations(fmt, langs=("fr", "ru")):
    return {lang: [_translate(ex, lang) for ex in ENGLISH[fmt]] for lang in langs}


# -- mix_translations ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("share, expected", [(0.0, 0), (0.25, 2), (0.5, 5), (0.55, 6), (1.0, 10)])
def test_mix_exact_count(share, expected):
    english = ENGLISH["classification"]
    out = mix_translations(english, "classification", _translations("classification"), share, seed=1)
    assert len(out) == len(english) == 10
    replaced = [ex for ex in out if "@" in ex["id"]]
    assert len(replaced) == expected == round(share * 10)
    _valid(out, "classification")


@pytest.mark.parametrize("fmt", TRAINABLE_FORMATS)
def test_mix_every_format(fmt):
    english, translations = ENGLISH[fmt], _translations(fmt)
    out = mix_translations(english, fmt, translations, 0.5, seed=3)
    _valid(out, fmt)
    assert len(out) == len(english)
    ids = [ex["id"] for ex in out]
    assert len(set(ids)) == len(ids)
    for i, (en, ex) in enumerate(zip(english, out)):
        if "@" in ex["id"]:
            base, lang = ex["id"].rsplit("@", 1)
            assert base == en["id"] and lang in translations
            assert {k: v for k, v in ex.items() if k != "id"} == {
                k: v for k, v in translations[lang][i].items() if k != "id"
            }
        else:
            assert ex == en


def test_mix_deterministic_and_seeded():
    english, translations = ENGLISH["classification"], _translations("classification")
    a = mix_translations(english, "classification", translations, 0.5, seed=7)
    assert mix_translations(english, "classification", dict(reversed(list(translations.items()))), 0.5, seed=7) == a
    assert (
        len(
            {
                tuple(ex["id"] for ex in mix_translations(english, "classification", translations, 0.5, seed=s))
                for s in range(8)
            }
        )
        > 1
    )


def test_mix_languages_drawn_uniformly():
    english = [{"id": f"e{i}", "text": "the dog", "label": "pos"} for i in range(2000)]
    translations = {
        lang: [{"id": f"{lang}{i}", "text": f"{lang} dog", "label": "pos"} for i in range(2000)]
        for lang in ("fr", "ru", "de", "ka")
    }
    out = mix_translations(english, "classification", translations, 0.8, seed=0)
    counts = Counter(ex["id"].rsplit("@", 1)[1] for ex in out if "@" in ex["id"])
    assert sum(counts.values()) == 1600 and set(counts) == set(translations)
    assert all(350 < k < 450 for k in counts.values())


def test_mix_unique_ids_even_with_repeated_english_ids():
    english = [{"id": "same", "text": "the dog", "label": "pos"} for _ in range(4)]
    translations = {"fr": [{"id": "x", "text": "le chien", "label": "pos"} for _ in range(4)]}
    out = mix_translations(english, "classification", translations, 1.0, seed=0)
    ids = [ex["id"] for ex in out]
    assert len(set(ids)) == 4 and all(i.startswith("same@fr") for i in ids)


def test_mix_errors():
    english = ENGLISH["classification"]
    with pytest.raises(ValueError, match=r"translations\['fr'\] has 9 examples, the English set 10"):
        mix_translations(english, "classification", {"fr": _translations("classification")["fr"][:9]}, 0.5, seed=0)
    with pytest.raises(ValueError, match="share"):
        mix_translations(english, "classification", _translations("classification"), 1.2, seed=0)
    with pytest.raises(ValueError, match="at least one language"):
        mix_translations(english, "classification", {}, 0.5, seed=0)
    wrong = _translations("classification")
    wrong["fr"] = [{**ex, "label": "pos"} for ex in wrong["fr"]]
    with pytest.raises(ValueError, match="parallel"):
        mix_translations(english, "classification", wrong, 1.0, seed=0)
    bad = _translations("tagging")
    bad["fr"][0] = {**bad["fr"][0], "tags": ["O"]}
    with pytest.raises(ValueError, match=r"translations\['fr'\]"):
        mix_translations(ENGLISH["tagging"], "tagging", bad, 0.5, seed=0)
    assert mix_translations([], "classification", {"fr": []}, 0.5, seed=0) == []
    with pytest.raises(ValueError, match="parallel"):
        mix_translations([], "classification", {"fr": english[:1]}, 0.5, seed=0)
    assert mix_translations(english, "classification", {}, 0.0, seed=0) == english


# -- codeswitch ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", TRAINABLE_FORMATS)
def test_codeswitch_every_format(fmt):
    english = ENGLISH[fmt]
    before = copy.deepcopy(english)
    out, stats = codeswitch_with_stats(english, fmt, LEX, share=0.5, rate=1.0, seed=2)
    assert english == before
    _valid(out, fmt)
    assert len(out) == len(english)
    assert stats.selected == round(0.5 * len(english)) == stats.switched_examples
    assert sum(stats.by_language.values()) == stats.switched_examples and set(stats.by_language) <= set(LEX)
    assert stats.switched_words > 0
    ids = [ex["id"] for ex in out]
    assert len(set(ids)) == len(ids)
    switched = [ex for ex in out if "@cs-" in ex["id"]]
    assert len(switched) == stats.switched_examples
    for en, ex in zip(english, out):
        if "@cs-" not in ex["id"]:
            assert ex == en
            continue
        assert ex["id"].startswith(en["id"] + "@cs-")
        if fmt == "tagging":
            assert ex["tags"] == en["tags"] and len(ex["tokens"]) == len(en["tokens"])
            assert ex["tokens"][-1] == "." and ex["tokens"][1] in (LEX["fr"]["dog"], LEX["ru"]["dog"])
        elif fmt == "span_qa":
            assert ex["answers"]["text"] == en["answers"]["text"]  # answers untouched
            for text, start in zip(ex["answers"]["text"], ex["answers"]["answer_start"]):
                assert ex["context"][start : start + len(text)] == text
            assert ex["question"] != en["question"] and ex["context"] != en["context"]
        elif fmt == "multiple_choice":
            assert ex["label"] == en["label"]
            assert all(a != b for a, b in zip(ex["choices"], en["choices"]))
            assert ex["context"] != en["context"]
        else:
            assert ex["label"] == en["label"]


def test_codeswitch_expected_text():
    ex = {"id": "e", "text": "The dog, the CAT and Tom eat fish!", "label": "pos"}
    out = codeswitch([ex], "classification", {"fr": LEX["fr"]}, share=1.0, rate=1.0, seed=0)[0]
    # capital initial kept; "CAT" is switched through its lower-case form; punctuation and unknown words stay
    assert out == {"id": "e@cs-fr", "text": "Le chien, le Chat et Tom eat poisson!", "label": "pos"}


def test_codeswitch_one_language_per_example():
    english = [{"id": f"x{i}", "text": "the dog sees the cat and the fish", "label": "pos"} for i in range(40)]
    out, stats = codeswitch_with_stats(english, "classification", LEX, 1.0, 1.0, seed=0)
    for ex in out:
        lang = ex["id"].rsplit("@cs-", 1)[1]
        assert ex["text"] == " ".join(LEX[lang][w] for w in "the dog sees the cat and the fish".split())
    assert set(stats.by_language) == {"fr", "ru"}


def test_codeswitch_rate():
    text = " ".join(["dog"] * 500)
    out, stats = codeswitch_with_stats(
        [{"id": "r", "text": text, "label": "pos"}], "classification", {"fr": LEX["fr"]}, 1.0, 0.3, seed=0
    )
    words = out[0]["text"].split()
    assert len(words) == 500 and set(words) == {"dog", "chien"}
    assert 0.24 < words.count("chien") / 500 < 0.36 and stats.switched_words == words.count("chien")


def test_codeswitch_rate_zero_and_share_zero_are_identity():
    for share, rate in ((0.0, 1.0), (1.0, 0.0)):
        out, stats = codeswitch_with_stats(ENGLISH["span_qa"], "span_qa", LEX, share, rate, seed=0)
        assert out == ENGLISH["span_qa"] and stats.switched_words == 0


def test_codeswitch_deterministic():
    a = codeswitch(ENGLISH["tagging"], "tagging", LEX, 0.5, 0.5, seed=9)
    assert codeswitch(ENGLISH["tagging"], "tagging", LEX, 0.5, 0.5, seed=9) == a
    outs = {repr(codeswitch(ENGLISH["classification"], "classification", LEX, 0.5, 0.5, seed=s)) for s in range(5)}
    assert len(outs) > 1


def test_codeswitch_multiword_translation_only_outside_tagging():
    lex = {"fr": {"dog": "chien de garde"}}
    tag = codeswitch(ENGLISH["tagging"][:1], "tagging", lex, 1.0, 1.0, seed=0)[0]
    assert tag == ENGLISH["tagging"][0]  # one token stays one token
    cls = codeswitch([{"id": "c", "text": "the dog", "label": "pos"}], "classification", lex, 1.0, 1.0, seed=0)[0]
    assert cls["text"] == "the chien de garde"


def test_codeswitch_span_qa_answer_inside_switched_context():
    context = "the dog eats the fish in the car"
    ex = {
        "id": "a",
        "context": context,
        "question": "what does the dog eat",
        "answers": {"text": ["fish", "the car"], "answer_start": [context.index("fish"), context.index("the car")]},
    }
    out = codeswitch([ex], "span_qa", {"ru": LEX["ru"]}, 1.0, 1.0, seed=0)[0]
    assert out["context"] == "этот собака ест этот fish в the car"
    assert out["answers"] == {"text": ["fish", "the car"], "answer_start": [21, 28]}


def test_codeswitch_logs_and_stats(caplog):
    with caplog.at_level(logging.INFO, logger="stiltgrid.data.augment"):
        codeswitch(ENGLISH["classification"], "classification", LEX, 0.3, 1.0, seed=0)
    assert "codeswitch: 3 of 10 examples selected, 3 switched" in caplog.text
    assert SwitchStats(examples=2).as_dict()["examples"] == 2


def test_codeswitch_errors():
    with pytest.raises(ValueError, match="not a training format"):
        codeswitch([{"id": "r", "side": "src", "text": "x", "gold": None}], "retrieval", LEX, 0.5, 0.5, seed=0)
    with pytest.raises(ValueError, match="share"):
        codeswitch(ENGLISH["classification"], "classification", LEX, 2.0, 0.5, seed=0)
    with pytest.raises(ValueError, match="rate"):
        codeswitch(ENGLISH["classification"], "classification", LEX, 0.5, -1, seed=0)
    with pytest.raises(ValueError, match="needs lexicons"):
        codeswitch(ENGLISH["classification"], "classification", {}, 0.5, 0.5, seed=0)
    with pytest.raises(Exception, match="label"):
        codeswitch([{"id": "x", "text": "a"}], "classification", LEX, 0.5, 0.5, seed=0)


# -- the generated world ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world():
    from stiltgrid.data.world import World
    from stiltgrid.world import DEFAULT_WORLD

    return World(DEFAULT_WORLD)


@pytest.fixture(scope="module")
def world_lexicons(world, tmp_path_factory):
    from stiltgrid.core.lexicons import load_lexicon

    root = tmp_path_factory.mktemp("lex")
    lexicons = {}
    for code in world.codes:
        if code == "en":
            continue
        path = root / f"{code}.tsv"
        path.write_text(
            "\n".join(["english\tword\tpos"] + ["\t".join(r) for r in world.lexicon(code)]) + "\n", encoding="utf-8"
        )
        lexicons[code] = load_lexicon(path)
    return lexicons


@pytest.mark.parametrize("task", ["sst2", "mnli", "ccg", "squad", "hellaswag", "cosmosqa"])
def test_world_training_sets(world, world_lexicons, task, tmp_path):
    from stiltgrid.tasks import get_task

    fmt, labels = get_task(task).format, get_task(task).world.labels
    splits = world.task_splits(task, "train", 30, world.codes)
    english = splits.pop("en")
    mixed = mix_translations(english, fmt, splits, 0.4, seed=1)
    switched, stats = codeswitch_with_stats(english, fmt, world_lexicons, 0.5, 0.5, seed=1)
    for name, rows in (("mixed", mixed), ("switched", switched)):
        write_jsonl(tmp_path / f"{name}.jsonl", rows)
        assert read_jsonl(tmp_path / f"{name}.jsonl", fmt, labels) == rows
        assert len(rows) == 30
    assert sum("@" in ex["id"] for ex in mixed) == 12
    assert stats.selected == 15 and stats.switched_examples >= 12 and stats.switched_words > 30

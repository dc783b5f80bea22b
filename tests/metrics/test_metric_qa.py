import pytest

from stiltgrid.metrics.qa import (
    mixed_segmentation,
    mlqa_scores,
    normalize_mlqa,
    normalize_squad,
    qa_scores,
    references_from_examples,
    squad_scores,
)


def test_squad_normalisation():
    # lower, drop ASCII punctuation, drop a/an/the, collapse spaces
    assert normalize_squad("The  Quick, Brown fox!") == "quick brown fox"
    assert normalize_squad("An apple a day") == "apple day"
    # not an article inside a word
    assert normalize_squad("Theory") == "theory"


def test_squad_golden():
    refs = {"q1": ["the Eiffel Tower"], "q2": ["1889", "in 1889"], "q3": ["Paris France"]}
    preds = {"q1": "Eiffel Tower.", "q2": "in the year 1889", "q3": "France", "extra": "ignored"}
    # q1: "eiffel tower" == "eiffel tower"                  EM 1, F1 1
    # q2: pred "in year 1889"; vs "1889": P 1/3 R 1 F1 0.5; vs "in 1889": P 2/3 R 1 F1 0.8  -> EM 0, F1 0.8
    # q3: "france" vs "paris france": P 1 R 1/2 F1 2/3     EM 0
    # EM = 1/3 = 33.33 %, F1 = (1 + 0.8 + 2/3) / 3 = 82.22 %
    scores = squad_scores(preds, refs)
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(100 * (1 + 0.8 + 2 / 3) / 3)


def test_missing_prediction_counts_as_zero():
    # q2 unanswered: EM = F1 = 1/2
    scores = squad_scores({"q1": "Paris"}, {"q1": ["Paris"], "q2": ["Rome"]})
    assert scores == {"exact_match": 50.0, "f1": 50.0}


def test_empty_prediction_and_empty_gold():
    # empty prediction vs "Paris": no overlap -> 0 / 0
    assert squad_scores({"q": ""}, {"q": ["Paris"]}) == {"exact_match": 0.0, "f1": 0.0}
    # official quirk: a gold that normalises to "" matches an empty prediction exactly, but F1 is 0 (no tokens)
    assert squad_scores({"q": ""}, {"q": ["The"]}) == {"exact_match": 100.0, "f1": 0.0}
    # no gold answer at all: the official scripts fail (max over an empty list)
    with pytest.raises(ValueError, match="no gold answer"):
        squad_scores({"q": "x"}, {"q": []})
    with pytest.raises(ValueError, match="no reference questions"):
        squad_scores({}, {})
    with pytest.raises(ValueError, match="list of strings"):
        squad_scores({"q": "x"}, {"q": "x"})


def test_unicode_punctuation_squad_vs_mlqa():
    # SQuAD removes only ASCII punctuation: "¿madrid" stays != "madrid"; MLQA removes every Unicode P* character
    refs = {"q": ["Madrid"]}
    assert squad_scores({"q": "¿Madrid?"}, refs)["exact_match"] == 0.0
    assert mlqa_scores({"q": "¿Madrid?"}, refs, "es")["exact_match"] == 100.0
    # Devanagari danda (U+0964, category Po) in Hindi
    assert mlqa_scores({"q": "दिल्ली।"}, {"q": ["दिल्ली"]}, "hi")["exact_match"] == 100.0
    # MLQA also drops ASCII symbols of string.punctuation such as '$'
    assert normalize_mlqa("$100", "en") == "100"


def test_mlqa_articles_per_language():
    # es: la -> removed; SQuAD rules would keep "la": F1 = 2 * (2/3) * 1 / (2/3 + 1) = 0.8
    assert mlqa_scores({"q": "la casa blanca"}, {"q": ["casa blanca"]}, "es") == {"exact_match": 100.0, "f1": 100.0}
    assert squad_scores({"q": "la casa blanca"}, {"q": ["casa blanca"]})["f1"] == pytest.approx(80.0)
    # de
    assert normalize_mlqa("Der Rhein", "de") == "rhein"
    # vi (Unicode word boundaries)
    assert normalize_mlqa("của Hà Nội", "vi") == "hà nội"
    # en
    assert normalize_mlqa("The U.S.", "en") == "us"
    # ar: every "ال" goes, also inside a word (official regex): "الكتاب" -> "كتاب", "جمال" -> "جم"
    assert normalize_mlqa("الكتاب", "ar") == "كتاب"
    assert normalize_mlqa("جمال", "ar") == "جم"
    # hi and zh have no articles
    assert normalize_mlqa("a the", "hi") == "a the"


def test_mlqa_chinese_character_level():
    # mixed segmentation: each CJK character is a token, other runs split on spaces
    assert mixed_segmentation("2008年北京 奥运") == ["2008", "年", "北", "京", "奥", "运"]
    # pred 北京大学 -> [北 京 大 学], gold 北京 -> [北 京]: common 2, P = 2/4, R = 1, F1 = 2 * 0.5 / 1.5 = 2/3
    scores = mlqa_scores({"q": "北京大学"}, {"q": ["北京"]}, "zh")
    assert scores["exact_match"] == 0.0
    assert scores["f1"] == pytest.approx(200 / 3)
    # "2008年北京奥运会" -> 7 tokens; gold "北京奥运会" -> 5 tokens; common 5: P 5/7, R 1, F1 = 10/12
    assert mlqa_scores({"q": "2008年北京奥运会。"}, {"q": ["北京奥运会"]}, "zh")["f1"] == pytest.approx(1000 / 12)
    # SQuAD rules see one whitespace token each -> no overlap (this is how XQuAD zh is scored officially)
    assert squad_scores({"q": "北京大学"}, {"q": ["北京"]})["f1"] == 0.0


def test_task_rules_table():
    refs, preds = {"q": ["北京"]}, {"q": "北京大学"}
    assert qa_scores("xquad", preds, refs, lang="zh")["f1"] == 0.0  # SQuAD script
    assert qa_scores("mlqa", preds, refs, lang="zh")["f1"] == pytest.approx(200 / 3)  # MLQA script
    assert qa_scores("tydiqa", {"q": "the cat"}, {"q": ["cat"]}, lang="sw")["exact_match"] == 100.0
    with pytest.raises(ValueError, match="no QA rules"):
        qa_scores("xnli", preds, refs)


def test_mlqa_unknown_language():
    with pytest.raises(ValueError, match="MLQA rules are defined for"):
        mlqa_scores({"q": "x"}, {"q": ["x"]}, "fr")
    # strict=False: no articles, whitespace tokens, Unicode punctuation still removed
    assert mlqa_scores({"q": "«le chat»"}, {"q": ["le chat"]}, "fr", strict=False)["exact_match"] == 100.0


def test_references_from_examples():
    examples = [{"id": "a", "context": "x", "question": "y", "answers": {"text": ["x"], "answer_start": [0]}}]
    assert references_from_examples(examples) == {"a": ["x"]}
    with pytest.raises(ValueError, match="duplicate"):
        references_from_examples(examples * 2)

import pytest

from stiltgrid.metrics.tagging import tagging_f1, tagging_scores


def test_pos_without_prefixes_is_chunk_f1():
    # XTREME feeds bare UD tags to seqeval: the first letter is read as the chunk prefix, so runs of one tag merge.
    # gold chunks: NOUN[0-1] VERB[2] DET[3] NOUN[4]            -> 4
    # pred chunks: NOUN[0] VERB[1-2] DET[3] NOUN[4]            -> 4
    # common: DET[3], NOUN[4] -> 2;  P = 2/4, R = 2/4, F1 = 50 (token accuracy would be 4/5 = 80)
    gold = [["NOUN", "NOUN", "VERB", "DET", "NOUN"]]
    pred = [["NOUN", "VERB", "VERB", "DET", "NOUN"]]
    scores = tagging_scores(pred, gold)
    assert scores["precision"] == pytest.approx(50.0)
    assert scores["recall"] == pytest.approx(50.0)
    assert scores["f1"] == pytest.approx(50.0)


def test_pos_cconj_sconj_legacy_vs_installed_seqeval():
    # seqeval 0.0.x types: CCONJ, SCONJ, NOUN (whole tag). gold: CCONJ[0] SCONJ[1] NOUN[2]; pred: CCONJ[0] NOUN[1-2]
    #   common: CCONJ[0] -> P = 1/2, R = 1/3, F1 = 2 * (1/2) * (1/3) / (1/2 + 1/3) = (1/3) / (5/6) = 0.4 -> 40
    # seqeval 1.x types: tag[1:] -> CONJ, CONJ, OUN. gold: CCONJ is swallowed when SCONJ (prefix S) starts a chunk
    #   of the same type: gold = CONJ[1] OUN[2]; pred = CONJ[0] OUN[1-2]; common: none -> 0
    gold = [["CCONJ", "SCONJ", "NOUN"]]
    pred = [["CCONJ", "NOUN", "NOUN"]]
    assert tagging_f1(pred, gold) == pytest.approx(40.0)
    assert tagging_f1(pred, gold, legacy_bare_tags=False) == pytest.approx(0.0)


def test_panx_bio():
    # gold: PER[0-1] LOC[3] | ORG[0];  pred: PER[0-1] ORG[3] | ORG[0]; common 2 of 3 and 3 -> P = R = F1 = 66.67
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O"]]
    scores = tagging_scores(pred, gold)
    for key in ("precision", "recall", "f1"):
        assert scores[key] == pytest.approx(200 / 3)
    # BIO tags are untouched by the legacy rewrite
    assert tagging_scores(pred, gold, legacy_bare_tags=False) == pytest.approx(scores)


def test_bio_lenient_i_start_and_sentence_boundaries():
    # non-strict seqeval: an I- tag after O opens a chunk, so I-PER I-PER == B-PER I-PER
    assert tagging_f1([["I-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-LOC"]]) == 100.0
    # chunks never cross sentences: gold has PER in s0 and PER in s1 (2 chunks); pred finds s0 only
    # P = 1/1, R = 1/2, F1 = 2 * 1 * 0.5 / 1.5 = 66.67
    scores = tagging_scores([["B-PER"], ["O"]], [["B-PER"], ["I-PER"]])
    assert scores["precision"] == pytest.approx(100.0)
    assert scores["recall"] == pytest.approx(50.0)
    assert scores["f1"] == pytest.approx(200 / 3)


def test_empty_predictions_score_zero():
    # nothing predicted: P = 0 (no predicted chunk), R = 0, F1 = 0
    assert tagging_scores([["O", "O"]], [["B-PER", "O"]]) == {"f1": 0.0, "precision": 0.0, "recall": 0.0}


def test_length_errors():
    with pytest.raises(ValueError, match="sequence 0 has 1 predicted tags for 2"):
        tagging_scores([["O"]], [["O", "O"]])
    with pytest.raises(ValueError, match="2 predicted sequences for 1"):
        tagging_scores([["O"], ["O"]], [["O"]])
    with pytest.raises(ValueError, match="no sequences"):
        tagging_scores([], [])

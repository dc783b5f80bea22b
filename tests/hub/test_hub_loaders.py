"""Every hub loader on a format-exact fixture: tiny repositories in the hub's real layout and schema, read with
``datasets.load_dataset`` offline through the same code path as a real fetch (only the path differs: a local mirror)."""

from __future__ import annotations

import json

import pytest

from stiltgrid.formats import read_jsonl
from stiltgrid.tasks import get_task


def load(out, name, task):
    t = get_task(task)
    return read_jsonl(out / name, t.format, list(t.labels) if t.labels else None)


def files(out):
    return sorted(p.name for p in out.iterdir())


# -- intermediate tasks ------------------------------------------------------------------------------------------------
def test_mnli_uses_train_and_matched_validation(fetched):
    out, record = fetched("mnli")
    assert files(out) == ["dev.jsonl", "task.json", "train.jsonl"]
    train, dev = load(out, "train.jsonl", "mnli"), load(out, "dev.jsonl", "mnli")
    assert train[0] == {
        "id": "mnli-train-0",
        "text_a": "Conceptually cream skimming has two basic dimensions.",
        "text_b": "Product and geography are what make cream skimming work.",
        "label": "neutral",
    }
    assert [ex["label"] for ex in train] == ["neutral", "entailment", "contradiction"]
    assert [ex["label"] for ex in dev] == ["neutral", "contradiction"]
    assert not any("MISMATCHED" in ex["text_a"] for ex in dev)
    meta = json.loads((out / "task.json").read_text())
    assert meta["format"] == "pair_classification" and meta["counts"] == {"train.jsonl": 3, "dev.jsonl": 2}
    assert meta["source"]["hub"] == [{"id": "nyu-mll/glue", "revision": "main"}]
    assert {"id": "nyu-mll/glue", "config": "mnli", "split": "validation_matched"} in meta["source"]["reads"]


def test_qqp_and_sst2_decode_glue_class_labels(fetched):
    out, _ = fetched("qqp")
    assert [ex["label"] for ex in load(out, "train.jsonl", "qqp")] == ["not_duplicate", "duplicate"]
    assert load(out, "dev.jsonl", "qqp")[0]["text_b"] == "Why are hispanics so beautiful?"
    out, _ = fetched("sst2")
    train = load(out, "train.jsonl", "sst2")
    assert [(ex["id"], ex["label"]) for ex in train] == [
        ("sst2-train-0", "negative"),
        ("sst2-train-1", "negative"),
        ("sst2-train-2", "positive"),
    ]
    assert train[0]["text"] == "hide new secretions from the parental units"


def test_squad_keeps_ids_and_all_reference_answers(fetched):
    out, _ = fetched("squad")
    train, dev = load(out, "train.jsonl", "squad"), load(out, "dev.jsonl", "squad")
    assert train[0]["id"] == "5733be284776f41900661182"
    ans = train[0]["answers"]
    assert ans["text"] == ["a golden statue of the Virgin Mary"]
    assert train[0]["context"][ans["answer_start"][0] :].startswith("a golden statue")
    assert dev[0]["answers"]["text"] == ["Denver Broncos", "The Denver Broncos", "Denver Broncos"]


def test_anli_concatenates_three_rounds(fetched):
    out, record = fetched("anli")
    train, dev = load(out, "train.jsonl", "anli"), load(out, "dev.jsonl", "anli")
    assert [ex["id"] for ex in train] == [f"anli-train-{r}-{r}-train-{i}" for r in ("r1", "r2", "r3") for i in (0, 1)]
    assert len(dev) == 3 and all("test" not in ex["id"] for ex in dev)
    assert record["source"]["source"] == "anli"


def test_anli_plus_mixes_snli_mnli_anli(fetched):
    out, record = fetched("anli", source="anli_plus")
    train, dev = load(out, "train.jsonl", "anli"), load(out, "dev.jsonl", "anli")
    prefixes = [ex["id"].split("-", 1)[0] for ex in train]
    assert prefixes == ["snli"] * 2 + ["mnli"] * 3 + ["anli"] * 6  # SNLI's unlabelled (-1) row is dropped
    assert [ex["id"].split("-")[0] for ex in dev] == ["anli"] * 3
    assert record["source"]["source"] == "anli_plus"
    assert {h["id"] for h in record["source"]["hub"]} == {"stanfordnlp/snli", "nyu-mll/glue", "facebook/anli"}
    assert list(record["dropped"].values()) == [{"no gold label": 1}]


def test_anli_plus_is_selectable_from_the_environment(fetched, monkeypatch):
    from stiltgrid.data import hub

    monkeypatch.setenv(hub.SOURCES_VAR, "anli:anli_plus")
    assert hub.spec("anli")["source"] == "anli_plus"
    assert hub.spec("anli", dataset={"sources": {"anli": "anli"}})["source"] == "anli"


def test_hellaswag(fetched):
    out, record = fetched("hellaswag")
    train = load(out, "train.jsonl", "hellaswag")
    assert train[0]["id"] == "hellaswag-train-4" and train[0]["label"] == 3
    assert train[0]["context"].startswith("Then, the man writes over the snow")
    assert train[0]["question"] == ""
    assert train[0]["choices"][3] == "then , the man continues removing the snow on his car."
    assert len(load(out, "dev.jsonl", "hellaswag")) == 1
    assert record["n_choices"] == 4
    assert record["source"]["hub"][0] == {"id": "Rowan/hellaswag", "revision": "main"}


def test_cosmosqa(fetched):
    out, _ = fetched("cosmosqa")
    ex = load(out, "train.jsonl", "cosmosqa")[0]
    assert ex["label"] == 1 and len(ex["choices"]) == 4
    assert ex["question"].startswith("In the future") and ex["context"].startswith("Good Old War")
    assert ex["choices"][0] == "None of the above choices ."


def test_commonsenseqa_answer_key_becomes_an_index(fetched):
    out, record = fetched("commonsenseqa")
    train, dev = load(out, "train.jsonl", "commonsenseqa"), load(out, "dev.jsonl", "commonsenseqa")
    assert train[0]["choices"] == ["ignore", "enforce", "authoritarian", "yell at", "avoid"]
    assert (train[0]["label"], dev[0]["label"]) == (0, 4)
    assert train[0]["context"] == "" and train[0]["question"].startswith("The sanctions")
    assert record["n_choices"] == 5


# -- XTREME targets ----------------------------------------------------------------------------------------------------
def test_xnli_trains_on_mnli_and_splits_xnli_by_language(fetched):
    out, _ = fetched("xnli", ["en", "de", "fr"])
    assert files(out) == ["dev.jsonl", "task.json", "test.de.jsonl", "test.en.jsonl", "test.fr.jsonl", "train.jsonl"]
    assert load(out, "train.jsonl", "xnli")[0]["id"] == "mnli-train-0"
    dev = load(out, "dev.jsonl", "xnli")
    assert [ex["text_a"] for ex in dev] == ["en premise 0", "en premise 1"]
    test_de = load(out, "test.de.jsonl", "xnli")
    assert [ex["label"] for ex in test_de] == ["entailment", "neutral", "contradiction"]
    assert all(ex["text_a"].startswith("de ") for ex in test_de)


def test_pawsx_string_labels_and_english_train(fetched):
    out, record = fetched("pawsx", ["en", "de"])
    assert [ex["label"] for ex in load(out, "train.jsonl", "pawsx")] == ["0", "1", "0"]
    assert len(load(out, "test.de.jsonl", "pawsx")) == 2  # the row with an empty sentence is dropped
    assert any("empty sentence" in reasons for reasons in record["dropped"].values())


def test_udpos_decodes_upos_tags_and_maps_language_names(fetched):
    out, record = fetched("udpos", ["en", "de", "th"])
    train = load(out, "train.jsonl", "udpos")
    assert train[0]["tags"] == ["PRON", "SCONJ", "PROPN", "VERB", "ADP", "PROPN", "PUNCT"]
    assert load(out, "test.de.jsonl", "udpos")[0]["tags"] == ["DET", "NOUN", "VERB", "PUNCT"]
    assert load(out, "test.th.jsonl", "udpos")[0]["tokens"] == ["ผม", "ไป"]
    assert {"id": "google/xtreme", "config": "udpos.Thai", "split": "test"} in record["source"]["reads"]


def test_panx_bio_tags_and_language_prefix(fetched):
    out, _ = fetched("panx", ["en", "de"])
    assert load(out, "train.jsonl", "panx")[0]["tags"][:3] == ["B-ORG", "I-ORG", "O"]
    test_de = load(out, "test.de.jsonl", "panx")[0]
    assert test_de["tokens"] == ["Angela", "Merkel", "besucht", "Paris"]
    assert test_de["tags"] == ["B-PER", "I-PER", "O", "B-LOC"]


def test_xquad_trains_on_squad(fetched):
    out, _ = fetched("xquad", ["en", "de"])
    assert load(out, "train.jsonl", "xquad")[0]["id"] == "5733be284776f41900661182"
    ex = load(out, "test.de.jsonl", "xquad")[0]
    assert ex["answers"] == {"text": ["308"], "answer_start": [ex["context"].index("308")]}


def test_mlqa_realigns_shifted_answers_and_drops_missing_ones(fetched):
    out, record = fetched("mlqa", ["en", "de"])
    test_de = load(out, "test.de.jsonl", "mlqa")
    assert [ex["id"] for ex in test_de] == ["b1"]
    assert test_de[0]["answers"] == {"text": ["Lyon"], "answer_start": [15]}
    dropped = record["dropped"]["test.de.jsonl <- google/xtreme:MLQA.de.de:test"]
    assert dropped == {"answer offset realigned": 1, "answer not in context": 1, "question without answer": 1}


def test_tydiqa_english_train_and_goldp_dev_by_language(fetched):
    out, record = fetched("tydiqa", ["en", "ar", "sw"])
    assert [ex["id"] for ex in load(out, "train.jsonl", "tydiqa")] == ["english--2627208006131213014-0"]
    assert [ex["id"] for ex in load(out, "dev.jsonl", "tydiqa")] == ["english-1047009541406185585-0"]
    assert [ex["id"] for ex in load(out, "test.ar.jsonl", "tydiqa")] == ["arabic-2387335860751143628-12"]
    assert load(out, "test.sw.jsonl", "tydiqa")[0]["answers"]["text"] == ["Dar es Salaam"]
    assert record["notes"]


# -- retrieval ---------------------------------------------------------------------------------------------------------
def test_bucc_keeps_sentence_ids_and_one_gold_per_source(fetched):
    out, record = fetched("bucc", ["de"])
    assert files(out) == ["dev.de.jsonl", "task.json", "test.de.jsonl"]
    test = load(out, "test.de.jsonl", "bucc")
    src = [ex for ex in test if ex["side"] == "src"]
    tgt = [ex for ex in test if ex["side"] == "tgt"]
    assert [ex["id"] for ex in src] == ["bucc-test-de-src-de-000000001", "bucc-test-de-src-de-000000002"]
    assert src[0]["gold"] == "bucc-test-de-tgt-en-000000007" and src[0]["text"] == "Das ist ein Test."
    assert len(tgt) == 3 and all(ex["gold"] is None for ex in tgt)
    assert {ex["id"] for ex in tgt} >= {ex["gold"] for ex in src}
    assert len(load(out, "dev.de.jsonl", "bucc")) == 4
    assert record["splits"] == {"dev": ["dev.de.jsonl"], "test": ["test.de.jsonl"]}


def test_tatoeba_strips_newlines_and_pairs_by_row(fetched):
    out, _ = fetched("tatoeba", ["de"])
    test = load(out, "test.de.jsonl", "tatoeba")
    src = [ex for ex in test if ex["side"] == "src"]
    tgt = {ex["id"]: ex["text"] for ex in test if ex["side"] == "tgt"}
    assert [ex["text"] for ex in src] == ["Ich habe Hunger.", "Wo ist Tom?", "Wo steckt Tom?"]
    assert [tgt[ex["gold"]] for ex in src] == ["I am hungry.", "Where is Tom?", "Where is Tom?"]


def test_unknown_language_is_one_line(fetched):
    from stiltgrid.data.hub import FetchError

    with pytest.raises(
        FetchError,
        match=r"^task 'xnli' \(source 'xnli'\) has no data for language 'xx'; "
        r"available: ar bg",
    ):
        fetched("xnli", ["en", "xx"])

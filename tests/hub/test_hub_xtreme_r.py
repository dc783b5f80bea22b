"""The XTREME-R loaders on format-exact fixtures (read offline with datasets.load_dataset from a mirror in the hub's
layout, the same parsing code as a real fetch): XCOPA, LAReQA, the XTREME-R languages of XQuAD and PAN-X, and the
local Mewsli-X loader."""

from __future__ import annotations

import json

import pytest
from hub_fixtures_xtreme_r import XQUAD_R_LANGS

from stiltgrid.data import hub
from stiltgrid.data.hub import FetchError
from stiltgrid.formats import read_jsonl
from stiltgrid.hub.xtreme_r import sentence_spans
from stiltgrid.metrics.retrieval import retrieval_set
from stiltgrid.tasks import get_task


def load(path, task):
    t = get_task(task)
    return read_jsonl(path, t.format, list(t.labels) if t.labels else None)


# -- XCOPA -------------------------------------------------------------------------------------------------------------
def test_xcopa_trains_on_siqa_and_tests_per_language(fetched):
    out, record = fetched("xcopa", ["et", "zh"])
    assert sorted(p.name for p in out.iterdir()) == [
        "dev.jsonl",
        "task.json",
        "test.et.jsonl",
        "test.zh.jsonl",
        "train.jsonl",
    ]
    train = load(out / "train.jsonl", "xcopa")
    assert [ex["label"] for ex in train] == [2, 0]  # SIQA labels are 1-based strings; the unlabelled row is dropped
    assert train[0] == {
        "id": "siqa-train-0",
        "context": "Tracy didn't go home that evening and resisted Riley's attacks.",
        "question": "What does Tracy need to do before this?",
        "choices": ["make a new plan", "Go home and see Riley", "Find somewhere to go"],
        "label": 2,
    }
    test_et = load(out / "test.et.jsonl", "xcopa")
    assert [ex["id"] for ex in test_et] == ["xcopa-test-et-1", "xcopa-test-et-2", "xcopa-test-et-3"]
    assert test_et[0]["context"] == "Mees keeras kraani lahti."
    assert test_et[0]["choices"] == ["Tualett täitus veega.", "Vesi voolas kraanist."] and test_et[0]["label"] == 1
    assert [ex["question"] for ex in test_et] == ["What happened as a result?"] * 2 + ["What was the cause?"]
    assert len(load(out / "test.zh.jsonl", "xcopa")) == 1  # the row with an empty choice is dropped
    assert record["n_choices"] == 2 and record["notes"]
    assert [h["id"] for h in record["source"]["hub"]] == ["lighteval/siqa", "cambridgeltl/xcopa"]


def test_xcopa_has_no_english_test_set(fetched):
    with pytest.raises(FetchError, match="has no data for language 'en'"):
        fetched("xcopa", ["en"])


# -- LAReQA ------------------------------------------------------------------------------------------------------------
def test_sentence_split_rule():
    text = "One. Two has a.b inside! Three?"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["One.", "Two has a.b inside!", "Three?"]
    zh = "第一句。第二句！第三"
    assert [zh[a:b] for a, b in sentence_spans(zh)] == ["第一句。", "第二句！", "第三"]
    assert [("पहला। दूसरा।")[a:b] for a, b in sentence_spans("पहला। दूसरा।")] == ["पहला।", "दूसरा।"]
    assert sentence_spans("  ") == []


def test_lareqa_pools_every_sentence_of_every_language(fetched):
    out, record = fetched("lareqa", ["de", "zh"])
    assert sorted(p.name for p in out.iterdir()) == ["task.json", "test.de.jsonl", "test.pool.jsonl", "test.zh.jsonl"]
    pool = load(out / "test.pool.jsonl", "lareqa")
    assert all(ex["side"] == "tgt" and ex["gold"] is None for ex in pool)
    # 3 + 2 sentences per language; Thai has no sentence punctuation, so each paragraph is one candidate
    assert len(pool) == 10 * 5 + 2
    texts = {ex["id"]: ex["text"] for ex in pool}
    assert texts["lareqa-zh-c0000-s01"] == "第二句有答案甲。" and texts["lareqa-en-c0001-s00"].startswith("en answer-c")
    queries = load(out / "test.de.jsonl", "lareqa")
    assert [q["id"] for q in queries] == ["lareqa-de-q-q1", "lareqa-de-q-q2", "lareqa-de-q-q3"]
    assert all(q["side"] == "src" for q in queries) and queries[0]["text"] == "de question one?"
    # every question has one relevant sentence per pool language: its answer sentence there
    gold = {q["id"]: q["gold"] for q in queries}
    assert all(len(g) == len(XQUAD_R_LANGS) for g in gold.values())
    assert "lareqa-de-c0000-s01" in gold["lareqa-de-q-q1"]  # de offsets are one off: realigned to the answer
    assert {"lareqa-zh-c0000-s01", "lareqa-th-c0000-s00", "lareqa-hi-c0000-s01"} <= set(gold["lareqa-de-q-q1"])
    assert {"lareqa-en-c0000-s02", "lareqa-th-c0000-s00"} <= set(gold["lareqa-de-q-q2"])
    assert "lareqa-ar-c0001-s00" in gold["lareqa-de-q-q3"]
    # the engine's view: the per-language file plus the shared pool is one valid retrieval set
    rset = retrieval_set(queries + pool)
    assert [len(s) for s in rset.gold_sets] == [11, 11, 11] and len(rset.tgt_ids) == 52
    assert record["counts"]["test.pool.jsonl"] == 52 and record["notes"]
    assert record["source"]["reads"][0] == {
        "id": "google-research-datasets/xquad_r",
        "config": "ar",
        "split": "validation",
    }


# -- XTREME-R languages of XQuAD and PAN-X -----------------------------------------------------------------------------
def test_xquad_romanian_from_google_xquad(fetched):
    out, record = fetched("xquad", ["en", "ro"])
    ex = load(out / "test.ro.jsonl", "xquad")[0]
    assert ex["answers"] == {"text": ["308"], "answer_start": [ex["context"].index("308")]}
    assert [h["id"] for h in record["source"]["hub"]] == ["rajpurkar/squad", "google/xtreme", "google/xquad"]
    # a fetch without Romanian reads (and lists) only the repositories it did before
    assert [h["id"] for h in hub.spec("xquad", ["en", "de"])["hub"]] == ["rajpurkar/squad", "google/xtreme"]


def test_panx_xtreme_r_language_from_wikiann(fetched):
    out, record = fetched("panx", ["en", "qu"])
    test_qu = load(out / "test.qu.jsonl", "panx")[0]
    assert test_qu["tokens"] == ["Tupac", "Amaru", "Qusqupi"] and test_qu["tags"] == ["B-PER", "I-PER", "B-LOC"]
    assert {"id": "unimelb-nlp/wikiann", "config": "qu", "split": "test"} in record["source"]["reads"]


# -- Mewsli-X (local) --------------------------------------------------------------------------------------------------
def _mewsli(root, text="Angela Merkel besuchte Paris. Dort traf sie Macron."):
    root.mkdir()
    entities = [
        {
            "entity_id": "Q567",
            "title": "Angela Merkel",
            "description": "Angela Merkel is a German politician.",
            "description_language": "en",
            "description_url": "u",
            "sentence_spans": [[0, 37]],
        },
        {
            "entity_id": "Q90",
            "title": "Paris",
            "description": "Paris ist die Hauptstadt Frankreichs.",
            "description_language": "de",
            "description_url": "u",
            "sentence_spans": [[0, 36]],
        },
        {
            "entity_id": "Q3052772",
            "title": "Emmanuel Macron",
            "description": "Emmanuel Macron  est un homme politique.",
            "description_language": "fr",
            "description_url": "u",
            "sentence_spans": [[0, 40]],
        },
    ]
    (root / "candidate_set_entities.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entities))
    articles = [
        {
            "context": {
                "document_id": "d1",
                "document_url": "u",
                "document_title": "t",
                "section_title": "",
                "language": "de",
                "text": text,
                "sentence_spans": [[0, 29], [30, 51]],
            },
            "mentions": [
                {
                    "example_id": "m1",
                    "entity_id": "Q567",
                    "mention_span": {"text": "Angela Merkel", "start": 0, "end": 13},
                },
                {
                    "example_id": "m2",
                    "entity_id": "Q3052772",
                    "mention_span": {"text": "Macron", "start": 44, "end": 50},
                },
                {"example_id": "m3", "entity_id": "Q999", "mention_span": {"text": "Dort", "start": 30, "end": 34}},
            ],
        },
        {
            "context": {
                "document_id": "d2",
                "document_url": "u",
                "document_title": "t",
                "section_title": "",
                "language": "en",
                "text": "Paris is large.",
                "sentence_spans": [[0, 15]],
            },
            "mentions": [
                {"example_id": "m4", "entity_id": "Q90", "mention_span": {"text": "Paris", "start": 0, "end": 5}}
            ],
        },
    ]
    (root / "wikinews_mentions-test.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    return root


def test_mewslix_local_copy_to_queries_and_a_shared_pool(tmp_path):
    root = _mewsli(tmp_path / "mewsli")
    out = tmp_path / "tasks" / "mewslix"
    record = hub.fetch("mewslix", out, ["de", "en"], local_path=str(root))
    assert sorted(p.name for p in out.iterdir()) == ["task.json", "test.de.jsonl", "test.en.jsonl", "test.pool.jsonl"]
    pool = load(out / "test.pool.jsonl", "mewslix")
    assert [ex["id"] for ex in pool] == ["mewslix-Q567", "mewslix-Q90", "mewslix-Q3052772"]
    assert pool[2]["text"] == "Emmanuel Macron est un homme politique."
    de = load(out / "test.de.jsonl", "mewslix")
    assert de == [
        {
            "id": "mewslix-m1",
            "side": "src",
            "text": "Angela Merkel | Angela Merkel besuchte Paris.",
            "gold": "mewslix-Q567",
        },
        {"id": "mewslix-m2", "side": "src", "text": "Macron | Dort traf sie Macron.", "gold": "mewslix-Q3052772"},
    ]
    assert record["dropped"] == {"test <- wikinews_mentions-test.jsonl": {"entity not in the candidate set": 1}}
    assert record["counts"] == {"test.pool.jsonl": 3, "test.de.jsonl": 2, "test.en.jsonl": 1}
    assert retrieval_set(de + pool).gold_sets == [{"mewslix-Q567"}, {"mewslix-Q3052772"}]
    assert hub.spec("mewslix", ["de"], {"mewslix_path": str(root)})["local_path"] == str(root)


def test_mewslix_missing_copy_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("STILTGRID_MEWSLIX", str(tmp_path / "nowhere"))
    with pytest.raises(FetchError) as caught:
        hub.fetch("mewslix", tmp_path / "out", ["de"])
    msg = str(caught.value)
    assert "\n" not in msg and str(tmp_path / "nowhere") in msg and "not on the hub" in msg
    assert "candidate_set_entities.jsonl and wikinews_mentions-test.jsonl" in msg and "mewslix_path" in msg


def test_mewslix_without_article_text_says_to_run_the_script(tmp_path):
    root = _mewsli(tmp_path / "mewsli", text="")
    with pytest.raises(FetchError, match=r"wikinews_mentions-test.jsonl:1 has no article text; run get-mewsli-x.sh"):
        hub.fetch("mewslix", tmp_path / "out", ["de"], local_path=str(root))
    with pytest.raises(FetchError, match="has no data for language 'fr'"):
        hub.fetch("mewslix", tmp_path / "out", ["fr"], local_path=str(root))

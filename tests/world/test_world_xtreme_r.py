"""The XTREME-R-style tasks of the generated world: XCOPA (2 alternatives, cause/effect), LAReQA (questions retrieve
answer sentences from a pool in every language) and Mewsli-X (mentions in context retrieve English entity
descriptions)."""

from __future__ import annotations

import collections

from stiltgrid.formats import read_jsonl
from stiltgrid.metrics.retrieval import retrieval_set
from stiltgrid.world import DEFAULT_WORLD

LANGS = list(DEFAULT_WORLD["languages"])


def _set(root, task, lang):
    return read_jsonl(root / "tasks" / task / f"test.{lang}.jsonl", "retrieval")


def test_xcopa_cause_and_effect_in_every_language(small_world_dir):
    train = read_jsonl(small_world_dir / "tasks" / "xcopa" / "train.jsonl", "multiple_choice")
    assert {r["question"] for r in train} == {"cause", "effect"}
    assert collections.Counter(r["label"] for r in train) == {0: 30, 1: 30}
    en = read_jsonl(small_world_dir / "tasks" / "xcopa" / "test.en.jsonl", "multiple_choice")
    for lang in LANGS:
        rows = read_jsonl(small_world_dir / "tasks" / "xcopa" / f"test.{lang}.jsonl", "multiple_choice")
        # parallel: same labels and the untranslated keyword, as XCOPA
        assert [(r["label"], r["question"]) for r in rows] == [(r["label"], r["question"]) for r in en]
    effect = next(r for r in train if r["question"] == "effect")
    assert all(choice.startswith("then ") for choice in effect["choices"])  # effects follow the premise


def test_lareqa_gold_is_the_answer_sentence_in_every_language(small_world_dir, small_args):
    n = small_args["tasks"]["lareqa"]["test"]
    pools = set()
    for lang in LANGS:
        rows = _set(small_world_dir, "lareqa", lang)
        rset = retrieval_set(rows)
        assert len(rset.src_ids) == n and all(len(g) == len(LANGS) for g in rset.gold_sets)
        pools.add(tuple(rset.tgt_ids))
        tgt_lang = {tid.split("-")[2] for tid in rset.tgt_ids}
        assert tgt_lang == set(LANGS)  # the pool spans every generated language
        for gold in rset.gold_sets:
            assert {g.split("-")[2] for g in gold} == set(LANGS)
    assert len(pools) == 1  # one pool, shared by every query language
    # the English answer sentence holds the English answer of the parallel XQuAD-style story
    en = {r["id"]: r for r in _set(small_world_dir, "lareqa", "en")}
    q = en["lareqa-test-en-q000000"]
    gold_en = next(g for g in q["gold"] if g.split("-")[2] == "en")
    assert en[gold_en]["text"].endswith(".") and q["text"].endswith("?")


def test_mewslix_mentions_retrieve_english_descriptions(small_world_dir, small_args):
    n = small_args["tasks"]["mewslix"]["test"]
    for lang in LANGS:
        rows = _set(small_world_dir, "mewslix", lang)
        rset = retrieval_set(rows)
        assert len(rset.src_ids) == n and all(len(g) == 1 for g in rset.gold_sets)
        texts = dict(zip(rset.tgt_ids, rset.tgt_texts))
        assert len(set(texts.values())) == len(texts)  # every entity has its own description
    en = _set(small_world_dir, "mewslix", "en")
    texts = {r["id"]: r["text"] for r in en if r["side"] == "tgt"}
    for query in (r for r in en if r["side"] == "src"):
        mention, sentence = query["text"].split(" | ")
        assert mention in sentence and texts[query["gold"]].startswith(mention + " usually ")
    # several entities share each name: the name alone does not identify the entity
    names = collections.Counter(t.split(" usually ")[0] for t in texts.values())
    assert min(names.values()) >= 2

"""The files generate_world writes: layout, formats, label sets and balance, determinism."""

from __future__ import annotations

import csv
import json

import pytest

from stiltgrid.data.world import generate_world
from stiltgrid.formats import read_jsonl
from stiltgrid.tasks import world_tasks
from stiltgrid.world import DEFAULT_WORLD

LANGS = list(DEFAULT_WORLD["languages"])


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_deterministic(small_world_dir, small_args, tmp_path):
    generate_world(DEFAULT_WORLD, tmp_path, **small_args)
    first, second = _files(small_world_dir), _files(tmp_path)
    assert [p.relative_to(small_world_dir) for p in first] == [p.relative_to(tmp_path) for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a


def test_layout(small_world_dir, small_args):
    root = small_world_dir
    assert json.loads((root / "world.json").read_text()) == DEFAULT_WORLD
    for lang in LANGS:
        assert (root / "corpus" / f"{lang}.txt").is_file()
        assert (root / "lexicon" / f"{lang}.tsv").is_file()
    for name, task in world_tasks().items():
        tdir = root / "tasks" / name
        if task.paired_with_english:
            names = {p.name for p in tdir.glob("*.jsonl")}
            assert names == {f"{s}.{lang}.jsonl" for s in ("dev", "test") for lang in LANGS if lang != "en"}
        elif not task.trainable:  # query/pool retrieval: queries in every language, English included
            assert {p.name for p in tdir.glob("*.jsonl")} == {f"test.{lang}.jsonl" for lang in LANGS}
        else:
            assert (tdir / "train.jsonl").is_file() and (tdir / "dev.jsonl").is_file()
            for lang in LANGS:
                assert (tdir / f"test.{lang}.jsonl").is_file()


def test_languages_table(small_world_dir, small_args):
    with open(small_world_dir / "languages.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert list(rows[0]) == ["iso", "name", "family", "genus", "script", "pretrain_tokens_m", "pretrain_gib"]
    assert [r["iso"] for r in rows] == LANGS
    for r in rows:
        spec = DEFAULT_WORLD["languages"][r["iso"]]
        assert (r["name"], r["family"], r["genus"], r["script"]) == (
            spec["name"],
            spec["family"],
            spec["family"],
            spec["script"],
        )
        corpus = small_world_dir / "corpus" / f"{r['iso']}.txt"
        lines = corpus.read_text(encoding="utf-8").splitlines()
        assert len(lines) == round(small_args["corpus_sentences"] * spec["volume"])
        tokens = sum(len(line.split()) for line in lines)
        assert float(r["pretrain_tokens_m"]) == pytest.approx(tokens / 1e6, rel=1e-5)
        assert float(r["pretrain_gib"]) == pytest.approx(corpus.stat().st_size / 2**30, rel=1e-5)
    assert len({r["family"] for r in rows}) >= 3 and len({r["script"] for r in rows}) >= 2
    volumes = [DEFAULT_WORLD["languages"][r["iso"]]["volume"] for r in rows]
    assert max(volumes) >= 0.8 and min(volumes) <= 0.2


def test_corpus_has_all_sentence_types(small_world_dir):
    text = (small_world_dir / "corpus" / "en.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert any(line.endswith("?") for line in lines)
    assert any(" not " in line for line in lines)
    assert any(line.count(" . ") >= 1 for line in lines)  # multi-sentence lines
    assert any(" , who " in line for line in lines)


def test_test_sets_parallel_across_languages(small_world_dir):
    sets = {
        lang: read_jsonl(small_world_dir / "tasks" / "xnli" / f"test.{lang}.jsonl", "pair_classification")
        for lang in LANGS
    }
    labels = {lang: [r["label"] for r in rows] for lang, rows in sets.items()}
    assert all(v == labels["en"] for v in labels.values())
    en, ka = sets["en"], sets["ka"]
    assert en[0]["text_a"] != ka[0]["text_a"]


def test_tagging_alignment_across_languages(small_world_dir):
    en = read_jsonl(small_world_dir / "tasks" / "panx" / "test.en.jsonl", "tagging")
    for lang in LANGS:
        rows = read_jsonl(small_world_dir / "tasks" / "panx" / f"test.{lang}.jsonl", "tagging")
        for a, b in zip(en, rows):
            # the same entities in every language (word order may differ)
            assert sorted(t for t in a["tags"] if t != "O") == sorted(t for t in b["tags"] if t != "O")


def test_retrieval_sets(small_world_dir, small_args):
    for lang in LANGS:
        if lang == "en":
            continue
        for task, split in (("bucc", "dev"), ("bucc", "test"), ("tatoeba", "test")):
            rows = read_jsonl(small_world_dir / "tasks" / task / f"{split}.{lang}.jsonl", "retrieval")
            src = [r for r in rows if r["side"] == "src"]
            tgt = [r for r in rows if r["side"] == "tgt"]
            n = small_args["tasks"][task][split]
            assert len(src) == n
            tgt_ids = {r["id"] for r in tgt}
            assert all(r["gold"] is None for r in tgt)
            assert all(r["gold"] is None or r["gold"] in tgt_ids for r in src)
            golds = [r["gold"] for r in src if r["gold"] is not None]
            assert len(golds) == len(set(golds))
            assert len({r["text"] for r in tgt}) == len(tgt) and len({r["text"] for r in src}) == len(src)
            if task == "tatoeba":
                assert len(golds) == n and len(tgt) == n
            else:
                assert len(golds) == round(0.7 * n)
                assert len(tgt) > len(golds)  # English-side distractors


def test_bucc_distractors_are_near_misses(small_world_dir, world):
    rows = read_jsonl(small_world_dir / "tasks" / "bucc" / "test.wa.jsonl", "retrieval")
    tgt = [r["text"].split() for r in rows if r["side"] == "tgt"]
    gold_ids = {r["gold"] for r in rows if r["side"] == "src" and r["gold"]}
    distractors = [r["text"].split() for r in rows if r["side"] == "tgt" and r["id"] not in gold_ids]
    assert distractors
    # each English distractor shares most of its words with some other English sentence in the file
    for d in distractors:
        best = max(len(set(d) & set(t)) / len(set(d) | set(t)) for t in tgt if t != d)
        assert best >= 0.4, " ".join(d)


def test_lexicon_files(small_world_dir, world):
    for lang in LANGS:
        lines = (small_world_dir / "lexicon" / f"{lang}.tsv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == "english\tword\tpos"
        rows = [line.split("\t") for line in lines[1:]]
        assert len(rows) > 200 and all(len(r) == 3 for r in rows)
        mapping = {r[0]: r[1] for r in rows}
        assert mapping["eat"] == world.language(lang).word("eat")
        if lang == "en":
            assert all(r[0] == r[1] for r in rows)


def test_bad_task_arguments(tmp_path):
    with pytest.raises(ValueError, match="tasks.nosuchtask"):
        generate_world(
            DEFAULT_WORLD, tmp_path, tasks={"nosuchtask": {"train": 5}}, corpus_sentences=5, test_langs=["en"]
        )
    with pytest.raises(ValueError, match="tasks.bucc.train"):
        generate_world(DEFAULT_WORLD, tmp_path, tasks={"bucc": {"train": 5}}, corpus_sentences=5, test_langs=["en"])
    with pytest.raises(ValueError, match="test_langs"):
        generate_world(DEFAULT_WORLD, tmp_path, tasks={}, corpus_sentences=5, test_langs=["xx"])

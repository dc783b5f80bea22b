"""Every registered task, checked the same way: its facts agree with each other, the world renders it in its format,
and it has a data source. Adding a task module is enough for these tests to cover it."""

from __future__ import annotations

import json

import pytest

from stiltgrid.data import xtreme as xt
from stiltgrid.data.world import generate_world
from stiltgrid.formats import FORMATS, read_jsonl
from stiltgrid.tasks import all_tasks, get_task, world_tasks
from stiltgrid.world import DEFAULT_WORLD

TASKS = sorted(all_tasks())
CLASSIFICATION_FORMATS = ("classification", "pair_classification")
#: every metric a task's scorer reports per language, by the task's metric
REPORTED = {
    "accuracy": {"accuracy"},
    "seqeval_f1": {"f1", "precision", "recall"},
    "squad": {"exact_match", "f1"},
    "mlqa": {"exact_match", "f1"},
    "bucc": {"f1", "precision", "recall"},
    "tatoeba": {"accuracy"},
    "map20": {"map@20"},
}
LANGS = ["en", "ea", "ka"]
SIZES = {"train": 12, "dev": 6, "test": 8}


@pytest.mark.parametrize("name", TASKS)
def test_facts_agree(name):
    task = get_task(name)
    assert task.format in FORMATS and task.description
    if task.format in CLASSIFICATION_FORMATS:
        assert task.labels and len(set(task.labels)) == len(task.labels)
    assert (task.role == "retrieval") == (task.format == "retrieval")
    if task.role == "intermediate":
        assert not task.benchmarks and task.category is None
        return
    assert task.benchmarks and task.category in xt.CATEGORIES
    assert task.headline_metric in task.score_metrics and set(task.score_metrics) <= REPORTED[task.metric]
    for bench, entry in task.benchmarks.items():
        assert entry.languages and len(set(entry.languages)) == len(entry.languages), bench
        assert xt.task_languages(name, bench) == entry.languages
        assert xt.task_category(name, bench) == task.category
        assert task.table_id in xt.benchmark_tasks(bench)
        if task.trainable:  # the benchmark's English training set
            assert entry.train and all(t.name and t.description for t in entry.train), bench
    assert xt.canonical_task(name) == task.table_id
    for alias in task.aliases:
        assert xt.canonical_task(alias) == task.table_id


@pytest.mark.parametrize("name", TASKS)
def test_has_a_data_source(name):
    task = get_task(name)
    assert task.world is not None or task.sources
    assert [s.task for s in task.sources] == [name] * len(task.sources)
    if task.sources:
        assert task.sources[0].name == name  # the default source has the task's name
    official = {lang for entry in task.benchmarks.values() for lang in entry.languages}
    for source in task.sources:
        assert set(source.available) <= official, source.name


@pytest.mark.parametrize("name", sorted(world_tasks()))
def test_world_generates_the_format(name, tmp_path):
    task = get_task(name)
    data = task.world
    assert data.generator.fmt == task.format
    if task.format in CLASSIFICATION_FORMATS:  # the world's schedule order may differ from the label ids
        assert sorted(data.labels) == sorted(task.labels)
    if task.format == "multiple_choice":
        assert data.n_choices >= 2
    # retrieval sets paired with English have dev/test sets; query/pool retrieval a test set
    splits = ("train", "dev", "test") if task.trainable else ("dev", "test") if task.paired_with_english else ("test",)
    sizes = {split: SIZES[split] for split in splits}
    generate_world(DEFAULT_WORLD, tmp_path, tasks={name: sizes}, corpus_sentences=0, test_langs=LANGS)
    tdir = tmp_path / "tasks" / name
    meta = json.loads((tdir / "task.json").read_text())
    assert (meta["format"], meta["n_choices"]) == (task.format, data.n_choices)
    names = [f for files in meta["splits"].values() for f in files]
    expected = {f"test.{lang}.jsonl" for lang in task.tested_languages(LANGS)}
    assert expected <= set(names) and sorted(p.name for p in tdir.glob("*.jsonl")) == sorted(names)
    labels = list(data.labels) if data.labels else None
    for file in names:
        rows = read_jsonl(tdir / file, task.format, labels, unique_ids=True)
        assert rows, file
        if task.format == "multiple_choice":
            assert all(len(r["choices"]) == data.n_choices == len(set(r["choices"])) for r in rows), file
        if task.format == "span_qa":
            assert all(r["answers"]["text"][0].strip() for r in rows)
        if task.format == "tagging":
            assert all(all(tok and " " not in tok for tok in r["tokens"]) for r in rows)
    if task.format in CLASSIFICATION_FORMATS + ("multiple_choice",):  # the schedule balances labels
        counts = {}
        for row in read_jsonl(tdir / "train.jsonl", task.format, labels):
            counts[row["label"]] = counts.get(row["label"], 0) + 1
        assert len(counts) == (len(data.labels) if data.labels else data.n_choices)
        assert max(counts.values()) - min(counts.values()) <= 1


def test_spellings_name_one_task_each():
    for bench in xt.BENCHMARKS:
        assert len(set(xt.benchmark_tasks(bench))) == len(xt.benchmark_tasks(bench))
    assert xt.known_task("not a task") is None


@pytest.mark.parametrize("name", TASKS)
def test_leaderboard_layout_is_one_the_export_writes(name):
    from stiltgrid.results.export import LAYOUTS

    task = get_task(name)
    if task.leaderboard is None:  # evaluate.py reads no predictions of LAReQA or of English training tasks
        assert task.role == "intermediate" or name == "lareqa"
        return
    assert task.benchmarks and task.leaderboard.layout in LAYOUTS
    assert task.leaderboard.suffix in ("tsv", "json", "jsonl")

"""Write a generated world to disk: language table, MLM corpora, task files, bilingual lexicons, the spec."""

from __future__ import annotations

import json
from pathlib import Path

from stiltgrid.formats import write_jsonl
from stiltgrid.paths import split_file
from stiltgrid.world.lexicon import LOCATIONS, ORGANISATIONS, PERSONS
from stiltgrid.world.world import World

LANGUAGES_HEADER = ("iso", "name", "family", "genus", "script", "pretrain_tokens_m", "pretrain_gib")
_SPLITS = ("train", "dev", "test")


def _check_tasks(tasks: dict, test_langs: list[str], world: World) -> None:
    from stiltgrid.tasks import world_tasks

    generated = world_tasks()
    if not isinstance(tasks, dict):
        raise ValueError(f"tasks must map task name -> {{split: size}}, got {type(tasks).__name__}")
    for task, sizes in tasks.items():
        if task not in generated:
            raise ValueError(f"tasks.{task}: unknown world task; known: {', '.join(generated)}")
        if not isinstance(sizes, dict):
            raise ValueError(f"tasks.{task}: must map split -> size, got {sizes!r}")
        allowed = ("dev", "test") if generated[task].paired_with_english else _SPLITS
        for split, n in sizes.items():
            if split not in allowed:
                raise ValueError(f"tasks.{task}.{split}: unknown split; allowed: {', '.join(allowed)}")
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"tasks.{task}.{split}: size must be a non-negative integer, got {n!r}")
    for lang in test_langs:
        if lang not in world.languages:
            raise ValueError(f"test_langs: unknown language {lang!r}; this world has {', '.join(world.languages)}")


def _fmt(x: float) -> str:
    return format(x, ".6g")


def generate_world(spec: dict, out_dir, *, tasks: dict[str, dict], corpus_sentences: int,
                   test_langs: list[str]) -> None:
    """Generate the world described by ``spec`` into ``out_dir``.

    ``tasks`` maps task name -> {split: size}; ``train``/``dev`` are English, ``test`` is written once per language
    in ``test_langs`` (``test.{lang}.jsonl``); retrieval sets paired with English (bucc, tatoeba) take ``dev``/``test``
    sizes (number of src lines) and are written per language of ``test_langs`` except English. ``corpus_sentences`` is
    the corpus line count of a volume-1.0 language; others scale by their volume. Same arguments -> byte-identical
    files.
    """
    world = World(spec)
    _check_tasks(tasks, test_langs, world)
    if isinstance(corpus_sentences, bool) or not isinstance(corpus_sentences, int) or corpus_sentences < 0:
        raise ValueError(f"corpus_sentences must be a non-negative integer, got {corpus_sentences!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    # corpora and the language table
    table = ["\t".join(LANGUAGES_HEADER)]
    (out / "corpus").mkdir(exist_ok=True)
    for code, lang in world.languages.items():
        n = round(corpus_sentences * lang.volume)
        lines = list(world.corpus_lines(code, n))
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
        (out / "corpus" / f"{code}.txt").write_bytes(data)
        tokens = sum(len(line.split()) for line in lines)
        table.append("\t".join((code, lang.name, lang.family, lang.family, lang.script, _fmt(tokens / 1e6),
                                _fmt(len(data) / 2 ** 30))))
    (out / "languages.tsv").write_text("\n".join(table) + "\n", encoding="utf-8")

    # entity gazetteer: every name as English and each language writes it (scripts differ), for entity swaps
    entities = {"name\ttype": None}
    for etype, names in (("PER", PERSONS), ("LOC", LOCATIONS), ("ORG", ORGANISATIONS)):
        for name in names:
            entities[f"{name}\t{etype}"] = None
            entities.update((f"{' '.join(lang.names[name])}\t{etype}", None) for lang in world.languages.values())
    (out / "entities.tsv").write_text("\n".join(entities) + "\n", encoding="utf-8")

    # bilingual lexicons
    (out / "lexicon").mkdir(exist_ok=True)
    for code in world.languages:
        rows = ["english\tword\tpos"] + ["\t".join(r) for r in world.lexicon(code)]
        (out / "lexicon" / f"{code}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    # tasks
    from stiltgrid.tasks import get_task

    for task, sizes in tasks.items():
        info = get_task(task)
        tdir = out / "tasks" / task
        tdir.mkdir(parents=True, exist_ok=True)
        meta = {"task": task, "format": info.format, "labels": info.world.labels, "n_choices": info.world.n_choices,
                "splits": {}}
        for split in _SPLITS:
            n = sizes.get(split, 0)
            if not n:
                continue
            if info.paired_with_english:
                langs = info.tested_languages(test_langs)
                for lang, rows in world.task_splits(task, split, n, langs).items():
                    write_jsonl(tdir / split_file(split, lang), rows)
                meta["splits"][split] = [split_file(split, lang) for lang in langs]
            elif split == "test":
                for lang, rows in world.task_splits(task, split, n, list(test_langs)).items():
                    write_jsonl(tdir / split_file("test", lang), rows)
                meta["splits"][split] = [split_file("test", lang) for lang in test_langs]
            else:
                write_jsonl(tdir / split_file(split), world.task_examples(task, split, n, "en"))
                meta["splits"][split] = [split_file(split)]
        (tdir / "task.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    (out / "world.json").write_text(json.dumps(world.spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

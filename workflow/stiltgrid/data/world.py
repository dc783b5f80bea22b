"""The generated world from a spec: :class:`World` builds its languages deterministically and generates corpora,
task examples and retrieval sets; :func:`generate_world` writes them to disk (language table, MLM corpora, task files,
bilingual lexicons, the spec) for the tasks the registry says the world renders (``Task.world``).

``python -m stiltgrid.data.world OUT_DIR``: write the default (or a given) world with uniform task sizes.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from stiltgrid.core.paths import split_file
from stiltgrid.formats import write_jsonl
from stiltgrid.metrics.registry import get_metric
from stiltgrid.tasks import world_tasks
from stiltgrid.world.language import Language, Tok, proto_lexicon
from stiltgrid.world.lexicon import (
    LEXICON,
    LOCATIONS,
    ORGANISATIONS,
    PERSONS,
    PROFESSIONS,
    THING_NOUNS,
    VERBS,
    is_mass,
    verb_takes,
)
from stiltgrid.world.meaning import NP, Clause, Profile, sample_clause, sample_person, sample_story
from stiltgrid.world.spec import DEFAULT_WORLD, validate_spec
from stiltgrid.world.tasks import ACQ_VERBS, acquirable, sample_question, use_verbs

CORPUS_PROFILE = Profile(
    p_neg=0.2, p_adj=0.45, p_num=0.2, p_loc=0.45, p_coord=0.1, p_rel=0.12, p_front=0.15, p_cop=0.15
)

_GENERIC_VERBS = tuple(v for v in VERBS if LEXICON[v].polarity == 0 and any(verb_takes(v, n) for n in THING_NOUNS))


class World:
    """A generated multilingual world. ``World(spec)`` validates a *full* spec (see :data:`DEFAULT_WORLD` and
    :func:`validate_spec`) and builds every language's lexicon and grammar deterministically from it."""

    def __init__(self, spec: dict):
        validate_spec(spec)
        self.spec = copy.deepcopy(spec)
        self.seed: int = spec["seed"]
        protos = {name: proto_lexicon(self.seed, name, fam) for name, fam in spec["families"].items()}
        self.languages: dict[str, Language] = {
            code: Language(code, lang, spec["families"][lang["family"]], protos[lang["family"]], self.seed)
            for code, lang in spec["languages"].items()
        }

    # -- languages ----------------------------------------------------------------------------------------------
    @property
    def codes(self) -> list[str]:
        return list(self.languages)

    def language(self, code: str) -> Language:
        try:
            return self.languages[code]
        except KeyError:
            raise KeyError(f"unknown language {code!r}; this world has {', '.join(self.languages)}") from None

    def realise(self, meaning: Clause | list[Clause], lang: str = "en") -> list[Tok]:
        """Tokens (text, UPOS, NER BIO tag, CCG supertag, role) of a meaning in ``lang``."""
        return self.language(lang).realise(meaning)

    def translate(
        self, meaning: Clause | list[Clause], lang: str, noise: float = 0.0, rng: random.Random | int | None = None
    ) -> str:
        """The sentence(s) for ``meaning`` in ``lang``; with ``noise`` > 0 each plain word is, with that probability,
        dropped or replaced by a random word of the same part of speech (a deliberately noisy translation)."""
        if not isinstance(rng, random.Random):
            rng = random.Random(f"{self.seed}:translate:{rng}")
        language = self.language(lang)
        return " ".join(t.text for t in language.noisy(language.realise(meaning), noise, rng))

    def lexicon(self, lang: str) -> list[tuple[str, str, str]]:
        """Bilingual lexicon rows (English word, word in ``lang``, UPOS), for code-switching augmentation."""
        return self.language(lang).lexicon()

    def lexical_overlap(self, lang: str, ref: str = "en") -> float:
        """Share of (non-entity) lexicon word forms identical in ``lang`` and ``ref``: planted lexical distance."""
        a, b = self.language(lang), self.language(ref)
        keys = [k for k in a.forms if not k[0].startswith("#") and k[0] != "QPART"]
        return sum(a.forms[k] == b.forms[k] for k in keys) / len(keys)

    # -- corpus -------------------------------------------------------------------------------------------------
    def corpus_lines(self, lang: str, n: int) -> Iterator[str]:
        """``n`` lines of MLM pre-training text in ``lang`` (its own random stream: corpora are not parallel)."""
        language = self.language(lang)
        rng = random.Random(f"{self.seed}:corpus:{lang}")
        for _ in range(n):
            yield language.text(sample_corpus_line(rng))

    # -- tasks --------------------------------------------------------------------------------------------------
    def task_splits(self, task: str, split: str, n: int, langs: list[str], noise: float = 0.0) -> dict[str, list[dict]]:
        """One split of a task rendered in several languages, as the task's module declares (see
        :class:`~stiltgrid.world.tasks.WorldData`)."""
        generated = world_tasks()
        if task not in generated:
            raise KeyError(f"unknown world task {task!r}; known: {', '.join(generated)}")
        return generated[task].world.splits(self, task, split, n, langs, noise)

    def task_examples(self, task: str, split: str, n: int, lang: str = "en", noise: float = 0.0) -> list[dict]:
        """``n`` examples of ``task``/``split`` in ``lang`` (any task can be generated in any language; the same
        split in two languages is parallel)."""
        return self.task_splits(task, split, n, [lang], noise)[lang]


def sample_corpus_line(rng: random.Random) -> list[Clause]:
    """One corpus line: a statement, a question, a short multi-sentence line, a generic or comparative sentence."""
    r = rng.random()
    if r < 0.48:
        c = sample_clause(rng, CORPUS_PROFILE)
        if c.verb is not None:
            x = rng.random()
            if x < 0.05:
                c = replace(c, then=True)
            elif x < 0.1:
                c = replace(c, adv="usually")
        return [c]
    if r < 0.68:
        return [sample_question(rng, CORPUS_PROFILE)]
    if r < 0.80:
        return sample_story(rng, rng.choice((2, 2, 3)), CORPUS_PROFILE)
    if r < 0.87:
        if rng.random() < 0.5:
            verb = rng.choice(_GENERIC_VERBS)
            obj = rng.choice([n for n in THING_NOUNS if verb_takes(verb, n)])
            c = Clause(subj=(NP("one"),), verb=verb, obj=NP(obj, pl=not is_mass(obj)), adv="usually")
            return [replace(c, wh="obj") if rng.random() < 0.4 else c]
        prof = rng.choice(sorted(PROFESSIONS))
        verb, objs = PROFESSIONS[prof]
        c = Clause(subj=(NP(prof),), verb=verb, obj=NP(rng.choice(objs)), adv="usually")
        return [replace(c, wh="subj") if rng.random() < 0.4 else c]
    if r < 0.93:
        verb = rng.choice(["buy", "purchase", "sell", "carry", "find", "eat", "read"])
        noun = rng.choice([n for n in THING_NOUNS if verb_takes(verb, n) and not is_mass(n)])
        subj = sample_person(rng, names_only=True)
        if rng.random() < 0.6:
            return [
                Clause(
                    subj=(subj,), verb=verb, obj=NP(noun, num=rng.randint(2, 12), quant=rng.choice(("over", "under")))
                )
            ]
        return [Clause(subj=(subj,), verb=verb, obj=NP(noun, quant="more"), wh="subj")]
    acq = rng.choice(ACQ_VERBS)
    x = rng.choice(acquirable(acq))
    a = sample_person(rng, p_adj=0.0)
    loc = rng.choice(LOCATIONS) if rng.random() < 0.3 else None
    return [
        Clause(subj=(a,), verb=acq, obj=NP(x), loc=loc),
        Clause(subj=(a,), verb=rng.choice(use_verbs(x)), obj=NP(x), then=True),
    ]


# -- on disk ---------------------------------------------------------------------------------------------------------
LANGUAGES_HEADER = ("iso", "name", "family", "genus", "script", "pretrain_tokens_m", "pretrain_gib")
_SPLITS = ("train", "dev", "test")


def _check_tasks(tasks: dict, test_langs: list[str], world: World) -> None:
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


def generate_world(
    spec: dict, out_dir, *, tasks: dict[str, dict], corpus_sentences: int, test_langs: list[str]
) -> None:
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
        table.append(
            "\t".join(
                (code, lang.name, lang.family, lang.family, lang.script, _fmt(tokens / 1e6), _fmt(len(data) / 2**30))
            )
        )
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
        meta = {
            "task": task,
            "format": info.format,
            "labels": info.world.labels,
            "n_choices": info.world.n_choices,
            "splits": {},
        }
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


# -- command line ---------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m stiltgrid.data.world", description="write a generated world with uniform task sizes"
    )
    ap.add_argument("out_dir")
    ap.add_argument("--spec", help="a full world spec as JSON (default: DEFAULT_WORLD)")
    ap.add_argument("--corpus", type=int, default=20000, help="corpus lines of a volume-1.0 language")
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--dev", type=int, default=300)
    ap.add_argument("--test", type=int, default=300)
    ap.add_argument("--tasks", default=",".join(world_tasks()), help="comma-separated task names")
    ap.add_argument("--test-langs", default=None, help="comma-separated (default: every language of the spec)")
    args = ap.parse_args(argv)
    spec = DEFAULT_WORLD
    if args.spec:
        with open(args.spec, encoding="utf-8") as handle:
            spec = json.load(handle)
    tasks = {}
    generated = world_tasks()
    for task in args.tasks.split(","):
        info = generated[task]
        if not info.trainable:  # BUCC-style mining tunes its threshold on a dev split
            tuned = get_metric(info.metric).tunes_on_dev
            tasks[task] = {"dev": args.dev, "test": args.test} if tuned else {"test": args.test}
        elif info.role == "intermediate":
            tasks[task] = {"train": args.train, "dev": args.dev}
        else:
            tasks[task] = {"train": args.train, "dev": args.dev, "test": args.test}
    langs = args.test_langs.split(",") if args.test_langs else list(spec["languages"])
    start = time.perf_counter()
    generate_world(spec, args.out_dir, tasks=tasks, corpus_sentences=args.corpus, test_langs=langs)
    print(f"wrote {args.out_dir} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()

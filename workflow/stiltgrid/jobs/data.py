"""Jobs that make data: the generated world, a declared task's files, an augmented intermediate task."""

from __future__ import annotations

import json
from pathlib import Path

from stiltgrid.core import paths
from stiltgrid.formats import read_jsonl, write_jsonl
from stiltgrid.grid.lineage import settings_of as _params
from stiltgrid.jobs.common import load_split, log, sealed, setup, write_json
from stiltgrid.tasks import get_task


# -- data ----------------------------------------------------------------------------------------------------------
@sealed
def make_world(smk) -> None:
    """Generate the offline multilingual world (corpus, tasks, lexicons, language table) for one dataset."""
    from stiltgrid.data.world import generate_world
    from stiltgrid.grid.config import deep_merge
    from stiltgrid.tasks import world_tasks
    from stiltgrid.world import DEFAULT_WORLD

    setup(smk)
    p = _params(smk)
    spec = deep_merge(DEFAULT_WORLD, p.world)
    spec["seed"] = p.seed
    tasks = {name: dict(p.sizes[task.role]) for name, task in world_tasks().items()}
    out_dir = Path(smk.output.languages).parent
    generate_world(
        spec, out_dir, tasks=tasks, corpus_sentences=p.corpus_sentences, test_langs=sorted(spec["languages"])
    )
    log.info("generated world '%s' in %s", smk.wildcards.dataset, out_dir)


@sealed
def prepare_local_task(smk) -> None:
    """Validate a task declared from local files and write its task directory."""
    from stiltgrid.data import declared as local_tasks

    setup(smk)
    counts = local_tasks.prepare(smk.wildcards.task, dict(_params(smk).spec), smk.output[0])
    log.info("prepared declared task '%s': %s", smk.wildcards.task, counts)


@sealed
def augment_intermediate(smk) -> None:
    """A research variant's training set: the base task's English train set with a share of the examples made
    non-English (translated, or code-switched through bilingual lexicons); the English dev set is kept (early
    stopping stays on English, as for every intermediate)."""
    import shutil

    from stiltgrid.core.lexicons import load_lexicon
    from stiltgrid.data import augment

    setup(smk)
    variant, out = dict(_params(smk).variant), Path(smk.output[0])
    base = get_task(variant["base"])
    labels = list(base.labels) if base.labels else None
    english = load_split(smk.input.base, base, "train", labels)
    langs = list(variant["languages"])
    if variant["augment"] == "translate":
        if _params(smk).source == "world":
            translations = _world_translations(
                Path(smk.input.world).parent, base.name, len(english), langs, variant["noise"], english
            )
        else:
            translations = {
                lang: read_jsonl(path, base.format, labels) for lang, path in zip(langs, smk.input.translations)
            }
        rows = augment.mix_translations(english, base.format, translations, variant["share"], variant["seed"])
        stats = {"translated": sum("@" in r["id"] for r in rows)}
    else:
        lexicon_paths = (
            [f"{smk.input.lexicons}/{lang}.tsv" for lang in langs]
            if _params(smk).source == "world"
            else list(smk.input.lexicons)
        )
        lexicons = {lang: load_lexicon(path) for lang, path in zip(langs, lexicon_paths)}
        rows, switch = augment.codeswitch_with_stats(
            english, base.format, lexicons, variant["share"], variant["rate"], variant["seed"]
        )
        stats = switch.as_dict()
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / paths.split_file("train"), rows)
    shutil.copyfile(Path(smk.input.base) / paths.split_file("dev"), out / paths.split_file("dev"))
    write_json(
        str(out / "task.json"),
        {"variant": smk.wildcards.variant, "base": base.name, "spec": variant, "examples": len(rows), "stats": stats},
    )
    log.info("variant %s: %d examples, %s", smk.wildcards.variant, len(rows), stats)


def _world_translations(
    world_dir: Path, task: str, n: int, langs: list[str], noise: float, english: list[dict]
) -> dict[str, list[dict]]:
    """The generated world renders the same abstract training examples in other languages (exactly, or with word
    noise): a translate-train set parallel to the English one. English is rendered again so that a world that no
    longer matches the generated files is caught here, not trained on."""
    from stiltgrid.data.world import World

    world = World(json.loads((world_dir / "world.json").read_text()))
    rendered = world.task_splits(task, "train", n, ["en"] + langs, noise)
    if [r["id"] for r in rendered["en"]] != [r["id"] for r in english]:
        raise RuntimeError(f"{world_dir}: re-rendered '{task}' train set does not match the generated one")
    return {lang: rendered[lang] for lang in langs}

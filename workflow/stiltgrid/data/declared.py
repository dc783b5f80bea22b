"""Tasks declared in config from local files (``tasks:`` in config.yaml), next to the built-in registry.

A declaration names the format, role, label set, languages, metric and the files of each split; ``{lang}`` in a path
stands for the language. English ``train``/``dev`` for trainable tasks, ``test`` per language; a retrieval task has
``test`` (and, for BUCC-style mining, ``dev``) per language, each a set of parallel sentences in the ``retrieval``
format. ``prepare`` validates every file (errors name the file, the line and the field) and writes the task directory
the rest of the workflow reads, with the declaration in ``task.json``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from stiltgrid.core.errors import UserError
from stiltgrid.formats import FormatError, get_format, read_jsonl
from stiltgrid.hub.base import publish, staging
from stiltgrid.metrics.registry import METRICS, get_metric
from stiltgrid.tasks import Task, all_tasks, register

LANG = "{lang}"


class TaskDeclarationError(UserError, ValueError):
    """A ``tasks:`` entry is inconsistent; the message names the task and the key."""


def _role(spec: dict) -> str:
    if not get_format(spec["format"]).trainable:
        return "retrieval"
    return spec.get("role", "target")


def split_files(spec: dict) -> dict[str, str]:
    """Split name -> path for every file the declaration reads (``test.de`` for ``test`` with ``{lang}`` = de)."""
    out = {}
    for split, pattern in spec["files"].items():
        if LANG in pattern:
            for lang in _languages(spec):
                out[f"{split}.{lang}"] = pattern.replace(LANG, lang)
        else:
            out[split] = pattern
    return out


def _languages(spec: dict) -> list[str]:
    """The evaluated languages; retrieval pairs each language with English, so English is not one of them."""
    langs = list(spec.get("languages") or ["en"])
    return [lang for lang in langs if lang != "en"] if _role(spec) == "retrieval" else langs


def check(name: str, spec: dict) -> None:
    """Consistency checks the schema cannot express."""
    where = f"tasks.{name}"
    fmt, role, files = spec["format"], _role(spec), spec["files"]
    form = get_format(fmt)
    if name in all_tasks() and not all_tasks()[name].extra.get("local"):
        raise TaskDeclarationError(f"{where}: '{name}' is a built-in task; pick another name")
    if spec.get("role") == "retrieval" and form.trainable:
        raise TaskDeclarationError(f"{where}.role: 'retrieval' needs format 'retrieval'")
    if not form.trainable and spec.get("role", "retrieval") != "retrieval":
        raise TaskDeclarationError(f"{where}.role: a retrieval task is scored on the encoder (role 'retrieval')")
    if form.needs_labels and not spec.get("labels"):
        raise TaskDeclarationError(f"{where}.labels: a {fmt} task needs its label set")
    if role in ("intermediate", "target"):
        for split in ("train", "dev"):
            if split not in files:
                raise TaskDeclarationError(f"{where}.files: a trainable task needs '{split}' (English)")
            if LANG in files[split]:
                raise TaskDeclarationError(f"{where}.files.{split}: the English {split} file takes no {LANG}")
    if role in ("target", "retrieval"):
        if "test" not in files:
            raise TaskDeclarationError(f"{where}.files: a {role} task needs 'test' with {LANG} in its path")
        if LANG not in files["test"]:
            raise TaskDeclarationError(f"{where}.files.test: the path needs {LANG} (one file per language)")
        if not _languages(spec):
            raise TaskDeclarationError(f"{where}.languages: no evaluation language")
    metric = spec.get("metric", form.metric)
    if metric in METRICS and get_metric(metric).tunes_on_dev and "dev" not in files:
        raise TaskDeclarationError(f"{where}.files: metric '{metric}' tunes its threshold on 'dev' (with {LANG})")
    if not form.trainable and "train" in files:
        raise TaskDeclarationError(f"{where}.files.train: retrieval tasks are not trained")


def to_task(name: str, spec: dict) -> Task:
    check(name, spec)
    fmt = get_format(spec["format"])
    return Task(
        name=name,
        format=fmt.name,
        metric=spec.get("metric", fmt.metric),
        labels=tuple(spec["labels"]) if spec.get("labels") else None,
        role=_role(spec),
        category=spec.get("category", fmt.category),
        description=spec.get("description", ""),
        extra={"local": True, "languages": _languages(spec), "files": dict(spec["files"])},
    )


def register_all(declarations: dict | None) -> list[Task]:
    """Register every declared task (idempotent for an unchanged declaration)."""
    return [register(to_task(name, spec)) for name, spec in (declarations or {}).items()]


def prepare(name: str, spec: dict, out_dir: str | Path) -> dict:
    """Validate every file of a declared task and write its task directory; returns a summary per split."""
    task = to_task(name, spec)
    fmt = get_format(task.format)
    labels = list(task.labels) if task.labels else None
    out = Path(out_dir)
    counts = {}
    files = split_files(spec)
    with staging(out) as tmp:
        for split in sorted(files, key=lambda s: (s != "train", s)):  # train first: it defines untyped tag sets
            try:
                examples = read_jsonl(files[split], task.format, labels, unique_ids=True)
            except FormatError as err:
                if fmt.open_labels and not task.labels and split != "train":
                    raise FormatError(
                        f"{err} (tasks.{name} declares no labels, so its tags are those of its "
                        f"English train file; add `labels:` to allow others)"
                    ) from None
                raise
            if fmt.open_labels and labels is None and split == "train":
                labels = fmt.label_list(task, examples)
            shutil.copyfile(files[split], tmp / f"{split}.jsonl")
            counts[split] = len(examples)
        publish(
            tmp,
            out,
            {
                "task": name,
                "format": task.format,
                "labels": labels,
                "role": task.role,
                "metric": task.metric,
                "category": task.category,
                "languages": task.extra["languages"],
                "splits": counts,
                "declared": spec,
            },
        )
    return counts

"""The selection question's estimate jobs: a task's text vector on the base encoder, and LogME of a target's English
training features under an intermediate checkpoint (stiltgrid.engine.transferability)."""

from __future__ import annotations

import time
from pathlib import Path

from stiltgrid.core import paths
from stiltgrid.core.errors import UserError
from stiltgrid.engine import lora
from stiltgrid.engine import transferability as TR
from stiltgrid.engine.model import load_encoder
from stiltgrid.formats import get_format
from stiltgrid.grid.lineage import settings_of as _params
from stiltgrid.jobs.common import load_split, log, sealed, setup, write_json
from stiltgrid.runtime import process as runtime
from stiltgrid.tasks import get_task


def _selection_texts(p, data_dirs: list[str]) -> tuple[list[str], int]:
    """The sampled English texts of a task (an intermediate's training sets pooled, or a target's), and how many
    English training examples it has. A retrieval target has no training set: its English dev set (LAReQA,
    Mewsli-X), or the English side of its dev sets (BUCC, Tatoeba)."""

    rows, n_train = [], 0
    for name, data_dir in zip(p.tasks, data_dirs):
        task = get_task(name)
        fmt = get_format(task.format)
        if fmt.trainable:
            examples = load_split(data_dir, task, "train", list(task.labels) if task.labels else None)
            rows += [TR.example_text(fmt, ex) for ex in examples]
            n_train += len(examples)
        elif (Path(data_dir) / paths.split_file("dev")).exists():  # query/pool retrieval: an English dev set
            rows += [ex["text"] for ex in load_split(data_dir, task, "dev")]
        else:  # paired with English (BUCC, Tatoeba): the English side of each language's dev set
            rows += list(
                dict.fromkeys(
                    ex["text"]
                    for lang in p.languages
                    if lang != "en"
                    for ex in load_split(data_dir, task, f"dev.{lang}")
                    if ex["side"] == "tgt"
                )
            )
    return TR.sample(rows, p.sample, p.sample_seed), n_train


@sealed
def selection_text(smk) -> None:
    """A task's text vector on the base encoder: the mean of its sampled English texts' mean-pooled last layer."""
    from transformers import AutoTokenizer

    start = time.perf_counter()
    setup(smk)
    p = _params(smk)
    texts, n_train = _selection_texts(p, list(smk.input.data))
    encoder = load_encoder(smk.input.encoder).to(runtime.device())
    tokenizer = AutoTokenizer.from_pretrained(smk.input.encoder)
    vector = TR.task_vector(encoder, tokenizer, texts, p.max_length, p.batch_size)
    seconds = round(time.perf_counter() - start, 3)
    write_json(
        smk.output[0],
        {
            "name": p.name,
            "tasks": list(p.tasks),
            "n_train": n_train,
            "n_sampled": len(texts),
            "vector": [round(float(v), 7) for v in vector],
            "seconds": seconds,
            "provenance": runtime.provenance("auto", getattr(smk.params, "lineage", None)),
        },
    )
    log.info(
        "text vector of %s from %d sampled texts (%d training examples) in %.1f s", p.name, len(texts), n_train, seconds
    )


@sealed
def selection_logme(smk) -> None:
    """LogME of a target's sampled English training features under an intermediate checkpoint (no fine-tuning)."""
    from transformers import AutoTokenizer

    start = time.perf_counter()
    setup(smk)
    p = _params(smk)
    task = get_task(p.target)
    fmt = get_format(task.format)
    train = load_split(smk.input.data, task, "train", list(task.labels) if task.labels else None)
    examples = fmt.with_prefix(TR.sample(train, p.sample, p.sample_seed), getattr(p, "prefix", ""))
    encoder = lora.load_encoder(smk.input.encoder, getattr(smk.input, "base", None)).to(runtime.device())
    tokenizer = AutoTokenizer.from_pretrained(smk.input.encoder)
    features, labels, rows = TR.labelled_features(
        task.format, examples, encoder, tokenizer, p.max_length, p.batch_size, p.max_rows, p.sample_seed
    )
    try:
        value = TR.logme(features, labels)
    except ValueError as err:  # e.g. a sample with one class: say which file, and what to change
        raise UserError(
            f"{smk.input.data}/{paths.split_file('train')}: {err} ({len(labels)} rows from "
            f"{len(examples)} sampled examples; raise analysis.selection.sample)"
        ) from None
    seconds = round(time.perf_counter() - start, 3)
    wc = smk.wildcards
    write_json(
        smk.output[0],
        {
            "intermediate": wc.intermediate,
            "target": p.target,
            "seed": int(wc.seed),
            "logme": value,
            "rows": len(labels),
            "classes": len(set(labels)),
            "row": rows,
            "n_sampled": len(examples),
            "seconds": seconds,
            "provenance": runtime.provenance("auto", getattr(smk.params, "lineage", None)),
        },
    )
    log.info(
        "LogME of %s under %s: %.4f (%d rows: %s) in %.1f s",
        p.target,
        wc.intermediate,
        value,
        len(labels),
        rows,
        seconds,
    )

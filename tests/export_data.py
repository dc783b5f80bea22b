"""Hand-made cells of every target XTREME's evaluate.py reads, for the leaderboard export's tests and behaviour probe:
test sets of each format, prediction rows as the engine's jobs write them and metrics records computed the way the
jobs compute them (stiltgrid.engine.evaluation for trained targets; mining, nearest neighbours and mAP@20 on fixed
vectors for retrieval targets). Two intermediates, ``mnli`` and ``squad``, predict differently."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from stiltgrid.core import paths
from stiltgrid.engine.evaluation import score
from stiltgrid.formats import write_jsonl
from stiltgrid.metrics import retrieval as R
from stiltgrid.tasks import get_task

TARGETS = ("xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "tydiqa", "bucc", "tatoeba", "xcopa", "mewslix", "lareqa")
INTERMEDIATES = ("mnli", "squad")
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
UPOS = ("NOUN", "VERB", "ADJ", "CCONJ", "SCONJ", "PROPN", "DET")
BIO = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG")


def languages(target: str) -> list[str]:
    return ["de"] if target in ("bucc", "tatoeba") else ["en", "de"]


def _examples(target: str, lang: str, rng: random.Random) -> list[dict]:
    fmt, n = get_task(target).format, 14
    words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))  # noqa: E731
    if fmt == "pair_classification":
        labels = get_task(target).labels
        return [
            {"id": f"{lang}-{i}", "text_a": words(5), "text_b": words(4), "label": rng.choice(labels)} for i in range(n)
        ]
    if fmt == "tagging":
        tags = BIO if target == "panx" else UPOS
        rows = []
        for i in range(n):
            k = rng.randint(2, 7)
            rows.append({"id": f"{lang}-{i}", "tokens": words(k).split(), "tags": [rng.choice(tags) for _ in range(k)]})
        return rows
    if fmt == "span_qa":
        rows = []
        for i in range(n):
            context = words(12)
            start = rng.randint(0, 8)
            answer = " ".join(context.split()[start : start + 2])
            rows.append(
                {
                    "id": f"{lang}-{i}",
                    "context": context,
                    "question": words(4),
                    "answers": {"text": [answer], "answer_start": [context.index(answer)]},
                }
            )
        return rows
    if fmt == "multiple_choice":
        return [
            {
                "id": f"{lang}-{i}",
                "context": words(6),
                "question": "cause",
                "choices": [words(3), words(3)],
                "label": rng.randint(0, 1),
            }
            for i in range(n)
        ]
    # retrieval: BUCC with distractors on both sides, Tatoeba one to one, Mewsli-X / LAReQA queries and a pool
    tgt = [{"id": f"en-{lang}-{j}", "side": "tgt", "text": words(6), "gold": None} for j in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    if target == "bucc":
        src = [
            {"id": f"{lang}-{i}", "side": "src", "text": words(6), "gold": f"en-{lang}-{order[i]}" if i < 10 else None}
            for i in range(n)
        ]
    elif target == "tatoeba":
        src = [
            {"id": f"{lang}-{i}", "side": "src", "text": words(6), "gold": f"en-{lang}-{order[i]}"} for i in range(n)
        ]
    else:
        src = [
            {"id": f"q-{lang}-{i}", "side": "src", "text": words(6), "gold": [f"en-{lang}-{order[i]}"]}
            for i in range(8)
        ]
    return src + tgt


def _vectors(rset, rng: np.random.Generator, noise: float):
    """src vectors at random, each translation's near its source, the rest at random."""
    src = rng.normal(size=(len(rset.src_ids), 8)).astype(np.float32)
    tgt = rng.normal(size=(len(rset.tgt_ids), 8)).astype(np.float32)
    for s, t in sorted(rset.gold_pairs):  # a set: sorted, or the draws follow the string hash seed
        tgt[rset.tgt_ids.index(t)] = src[rset.src_ids.index(s)] + noise * rng.normal(size=8)
    return src, tgt


def _trained_predictions(target: str, examples: list[dict], rng: random.Random) -> list:
    fmt = get_task(target).format
    out = []
    for ex in examples:
        wrong = rng.random() < 0.3
        if fmt == "pair_classification":
            labels = [lab for lab in get_task(target).labels if lab != ex["label"]]
            out.append(rng.choice(labels) if wrong else ex["label"])
        elif fmt == "tagging":
            tags = BIO if target == "panx" else UPOS
            out.append([rng.choice(tags) if rng.random() < 0.3 else tag for tag in ex["tags"]])
        elif fmt == "span_qa":
            out.append(ex["context"].split()[0] if wrong else ex["answers"]["text"][0])
        else:
            out.append(1 - ex["label"] if wrong else ex["label"])
    return out


def _retrieval_cell(target: str, examples: list[dict], dev: list[dict], rng: np.random.Generator, noise: float):
    test = R.retrieval_set(examples)
    test_src, test_tgt = _vectors(test, rng, noise)
    if target == "bucc":
        d = R.retrieval_set(dev)
        dev_src, dev_tgt = _vectors(d, rng, noise)
        dev_cands = R.bucc_candidates(dev_src, dev_tgt, d.src_ids, d.tgt_ids, k=2)
        test_cands = R.bucc_candidates(test_src, test_tgt, test.src_ids, test.tgt_ids, k=2)
        metrics = R.bucc_evaluate(dev_cands, d.gold_pairs, test_cands, test.gold_pairs)
        mined = sorted(
            (pair for pair, s in test_cands.items() if s >= metrics["threshold"]), key=lambda pair: -test_cands[pair]
        )
        return metrics, [{"src_id": s, "tgt_id": t, "score": round(float(test_cands[(s, t)]), 6)} for s, t in mined]
    if target == "tatoeba":
        nearest = R.tatoeba_predictions(test_src, test_tgt, query_side="tgt")
        metrics = {"accuracy": R.tatoeba_accuracy(test_src, test_tgt, test.gold_index, query_side="tgt")}
        return metrics, [{"id": tid, "prediction": test.src_ids[int(j)]} for tid, j in zip(test.tgt_ids, nearest)]
    value, _, ranked = R.map_at_k_retrieval(test_src, test_tgt, test.src_ids, test.tgt_ids, test.gold_sets, k=20)
    return {"map@20": value}, [{"id": qid, "prediction": top} for qid, top in ranked]


def build(root: Path, model: str = "m", seed: int = 1) -> dict:
    """Task directories under ``root/data`` and cells under ``root/results``; returns the test examples by target
    and language and the cell directories by target and intermediate."""
    root = Path(root)
    examples: dict = {}
    cells: dict = {}
    for t_index, target in enumerate(TARGETS):
        task, data_dir = get_task(target), root / "data" / target
        examples[target] = {}
        for lang in languages(target):
            rng = random.Random(f"{target}-{lang}")
            examples[target][lang] = _examples(target, lang, rng)
            write_jsonl(data_dir / f"test.{lang}.jsonl", examples[target][lang])
            if target == "bucc":
                write_jsonl(data_dir / f"dev.{lang}.jsonl", _examples(target, lang, random.Random(f"dev-{lang}")))
        for i_index, inter in enumerate(INTERMEDIATES):
            cell = root / paths.EVAL_DIR.format(model=model, intermediate=inter, target=target, seed=seed)
            cells.setdefault(target, {})[inter] = str(cell)
            for lang in languages(target):
                tests = examples[target][lang]
                if task.trainable:
                    predictions = _trained_predictions(target, tests, random.Random(f"{inter}-{target}-{lang}"))
                    metrics = score(task, tests, predictions, lang)
                    rows = [{"id": ex["id"], "prediction": p} for ex, p in zip(tests, predictions)]
                else:
                    dev = _examples(target, lang, random.Random(f"dev-{lang}")) if target == "bucc" else []
                    metrics, rows = _retrieval_cell(
                        target, tests, dev, np.random.default_rng(100 * t_index + i_index), noise=0.6 + 0.3 * i_index
                    )
                write_jsonl(cell / paths.CELL_PREDICTIONS.format(lang=lang), rows)
                record = {
                    "model": model,
                    "intermediate": inter,
                    "target": target,
                    "language": lang,
                    "seed": seed,
                    "n_examples": len(tests),
                    "metrics": {k: float(v) for k, v in metrics.items()},
                }
                (cell / paths.CELL_METRICS.format(lang=lang)).write_text(json.dumps(record, indent=2) + "\n")
    return {"examples": examples, "cells": cells, "data": {t: str(root / "data" / t) for t in TARGETS}}


def export_settings(built: dict, row: str, seed: int | None = 1) -> dict:
    """The settings JobGraph.export gives its job, for the hand-made cells."""
    from stiltgrid.data.xtreme import official_task

    exported = [t for t in TARGETS if official_task(t)]
    return {
        "row": row,
        "seed": seed,
        "cells": {t: {i: {"1": d} for i, d in built["cells"][t].items()} for t in exported},  # built at seed 1
        "data": {t: built["data"][t] for t in exported if t == "tatoeba"},
        "targets": {t: {"task": official_task(t), "languages": languages(t)} for t in exported},
        "skipped": {t: "not read by XTREME's evaluate.py" for t in TARGETS if t not in exported},
    }

"""Reading a leaderboard export back as google-research/xtreme's evaluate.py does, and scoring it with the project's
metric functions.

The readers follow evaluate.py's READER_FUNCTION: ``read_label`` (stripped lines: labels, BUCC pairs, Tatoeba
lines), ``read_tag`` (tags, sentences separated by blank lines), ``read_squad`` (a JSON object, or its ``data``
articles for labels), ``read_xcopa`` (the ``label`` of each JSON line); files are ``<task>/test-<lang>.<suffix>`` in
both folders. Label files are written here from the task's test examples in the same layout as XTREME's
(mock_test_data/labels), so predictions and labels meet exactly as they would in evaluate.py."""

from __future__ import annotations

import json
from pathlib import Path

from stiltgrid.data.xtreme import leaderboards
from stiltgrid.metrics import retrieval as R
from stiltgrid.metrics.classification import accuracy
from stiltgrid.metrics.qa import MLQA, SQUAD, squad_scores
from stiltgrid.metrics.tagging import tagging_scores
from stiltgrid.results.export import prediction_file


def read_tag(path):
    labels, example = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            example.append(line)
        else:
            labels.append(example)
            example = []
    if example:
        labels.append(example)
    return labels


def read_label(path):
    return [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]


def read_squad(path):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data["data"] if "data" in data else data


def read_xcopa(path):
    return [json.loads(row)["label"] for row in Path(path).read_text(encoding="utf-8").splitlines()]


READER = {
    "xnli": read_label,
    "pawsx": read_label,
    "panx": read_tag,
    "udpos": read_tag,
    "bucc2018": read_label,
    "tatoeba": read_label,
    "xquad": read_squad,
    "mewslix": read_squad,
    "mlqa": read_squad,
    "tydiqa": read_squad,
    "xcopa": read_xcopa,
}


def write_labels(folder, task: str, lang: str, examples: list[dict]) -> Path:
    """The gold labels of one test file in XTREME's label layout."""
    path = prediction_file(folder, task, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    if task in ("xnli", "pawsx"):
        text = "".join(f"{ex['label']}\n" for ex in examples)
    elif task in ("udpos", "panx"):
        text = "".join("".join(f"{tag}\n" for tag in ex["tags"]) + "\n" for ex in examples)
    elif task in ("xquad", "mlqa", "tydiqa"):
        articles = [
            {
                "paragraphs": [
                    {
                        "context": ex["context"],
                        "qas": [
                            {
                                "id": ex["id"],
                                "question": ex["question"],
                                "answers": [
                                    {"text": t, "answer_start": s}
                                    for t, s in zip(ex["answers"]["text"], ex["answers"]["answer_start"])
                                ],
                            }
                        ],
                    }
                ]
            }
            for ex in examples
        ]
        text = json.dumps({"data": articles, "version": "1.1"}, ensure_ascii=False)
    elif task == "xcopa":
        text = "".join(json.dumps({"id": ex["id"], "label": ex["label"]}) + "\n" for ex in examples)
    else:
        rset = R.retrieval_set(examples)
        if task == "bucc2018":
            text = "".join(f"{s}\t{t}\n" for s, t in sorted(rset.gold_pairs))
        elif task == "tatoeba":  # each English line: the line of its translation among the src lines
            src_of = {t: s for s, t in rset.gold_pairs}
            assert sorted(src_of) == sorted(rset.tgt_ids), "Tatoeba labels need one translation per English line"
            text = "".join(f"{rset.src_ids.index(src_of[t])}\n" for t in rset.tgt_ids)
        else:  # mewslix: {mention id: [gold entity ids]}
            text = json.dumps({s: sorted(g) for s, g in zip(rset.src_ids, rset.gold_sets) if g})
    path.write_text(text, encoding="utf-8")
    return path


def score(prediction_folder, label_folder, task: str, lang: str) -> dict[str, float]:
    """One (task, language) of an export, read as evaluate.py reads it and scored with the project's metrics."""
    assert task in leaderboards()
    read = READER[task]
    predictions = read(prediction_file(prediction_folder, task, lang))
    labels = read(prediction_file(label_folder, task, lang))
    if task in ("xnli", "pawsx", "tatoeba", "xcopa"):
        return {"accuracy": accuracy(predictions, labels)}
    if task in ("udpos", "panx"):
        return tagging_scores(predictions, labels)
    if task == "bucc2018":
        gold = {tuple(line.split("\t")) for line in labels}
        found = {tuple(line.split("\t")): 1.0 for line in predictions}
        return {k: v for k, v in R.bucc_scores(found, gold, 1.0).items() if k in ("precision", "recall", "f1")}
    if task == "mewslix":
        queries = sorted(labels)
        return {
            "map@20": R.mean_average_precision_at_k(
                [predictions.get(q, []) for q in queries], [labels[q] for q in queries], 20
            )
        }
    references = {
        qa["id"]: [a["text"] for a in qa["answers"]]
        for article in labels
        for paragraph in article["paragraphs"]
        for qa in paragraph["qas"]
    }
    return squad_scores(predictions, references, lang=lang, rules=MLQA if task == "mlqa" else SQUAD, strict=False)

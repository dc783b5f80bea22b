"""XTREME-R scoring by hand: the retrieval format with several relevant candidates and a shared pool, mAP@20 as the
retrieval job computes it (golden values through jobs.evaluate_retrieval with planted vectors), XCOPA accuracy,
and the XTREME-R score in the aggregation."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from stiltgrid.data import xtreme as xt
from stiltgrid.formats import FormatError, read_jsonl, write_jsonl
from stiltgrid.metrics.retrieval import map_at_k_retrieval, retrieval_set
from stiltgrid.results import aggregate as A
from stiltgrid.tasks import get_task


# -- the retrieval format --------------------------------------------------------------------------------------------
def _write(tmp_path, rows, name="test.xx.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_gold_may_list_several_candidates(tmp_path):
    rows = [
        {"id": "q1", "side": "src", "text": "Frage", "gold": ["a", "b"]},
        {"id": "q2", "side": "src", "text": "Noch eine", "gold": "b"},
        {"id": "q3", "side": "src", "text": "Keine", "gold": None},
        {"id": "q4", "side": "src", "text": "Leer", "gold": []},
        {"id": "a", "side": "tgt", "text": "A", "gold": None},
        {"id": "b", "side": "tgt", "text": "B", "gold": None},
    ]
    rset = retrieval_set(read_jsonl(_write(tmp_path, rows), "retrieval"))
    assert rset.gold_pairs == {("q1", "a"), ("q1", "b"), ("q2", "b")}
    assert rset.gold_sets == [{"a", "b"}, {"b"}, set(), set()]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"id": "q", "side": "src", "text": "x", "gold": 3}, r":1: field 'gold' must be str or list, got int"),
        ({"id": "q", "side": "src", "text": "x", "gold": ["a", 1]}, r":1: field 'gold' must be a list of tgt ids"),
        ({"id": "q", "side": "src", "text": "x", "gold": ["a", "a"]}, r":1: field 'gold' lists a tgt id twice"),
        ({"id": "t", "side": "tgt", "text": "x", "gold": ["a"]}, r":1: field 'gold': a tgt line has no gold"),
    ],
)
def test_bad_gold_names_file_line_and_field(tmp_path, row, message):
    with pytest.raises(FormatError, match=message):
        read_jsonl(_write(tmp_path, [row]), "retrieval")


def test_unknown_gold_in_a_list_is_an_error():
    with pytest.raises(ValueError, match="gold 'zz' is not the id of a tgt line"):
        retrieval_set(
            [
                {"id": "q", "side": "src", "text": "x", "gold": ["a", "zz"]},
                {"id": "a", "side": "tgt", "text": "A", "gold": None},
            ]
        )


# -- mAP@20 -----------------------------------------------------------------------------------------------------------
def test_map_at_20_retrieval_by_hand():
    # candidates c0..c3 on the unit circle at 0, 30, 60, 90 degrees; queries at 0 and 90 degrees, q3 without gold
    angles = np.radians([0, 30, 60, 90])
    cands = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    queries = np.array([[1, 0], [0, 2], [1, 1]], dtype=np.float32)  # unnormalised: cosine is used
    ids = ["c0", "c1", "c2", "c3"]
    # q1 ranks c0 c1 c2 c3, relevant {c1, c3}: (1/2 + 2/4) / 2 = 0.5
    # q2 ranks c3 c2 c1 c0, relevant {c3}: 1/1 = 1.0                      -> mAP = 75.0 over the 2 scored queries
    value, n, ranked = map_at_k_retrieval(queries, cands, ["q1", "q2", "q3"], ids, [{"c1", "c3"}, {"c3"}, set()])
    assert value == pytest.approx(75.0) and n == 2
    assert ranked[0] == ("q1", ["c0", "c1", "c2", "c3"]) and ranked[1] == ("q2", ["c3", "c2", "c1", "c0"])
    assert ranked[2][0] == "q3" and len(ranked[2][1]) == 4
    # k caps the ranking: with k=1 q1 finds nothing in its top 1, q2 does -> (0 + 1) / 2
    assert map_at_k_retrieval(queries, cands, ["q1", "q2", "q3"], ids, [{"c1", "c3"}, {"c3"}, set()], k=1)[
        0
    ] == pytest.approx(50.0)
    with pytest.raises(ValueError, match="no query has a relevant candidate"):
        map_at_k_retrieval(queries[:1], cands, ["q1"], ids, [set()])


class _Vectors:
    """A stand-in encoder: each text's vector is planted by the test."""

    def __init__(self, table):
        self.table, self.calls = table, []

    def embed(self, encoder, tokenizer, texts, *args):
        self.calls.append(list(texts))
        return np.array([self.table[t] for t in texts], dtype=np.float32)


class _WordTokenizer:
    """A stand-in tokenizer for the truncation counts: one token per word."""

    model_max_length = 512

    def __call__(self, texts, **kwargs):
        return {"input_ids": [text.split() for text in texts]}


def test_evaluate_retrieval_map20_wiring(tmp_path, monkeypatch):
    """The lareqa job: per-language queries + the shared pool, every query ranks the pool, mAP@20 over queries with
    a gold, predictions are the top-20 ids, the pool is embedded once for both languages."""
    from stiltgrid import jobs
    from stiltgrid.engine import embed, model
    from stiltgrid.jobs import evaluate

    data = tmp_path / "lareqa"
    data.mkdir()
    pool = [{"id": f"c{i}", "side": "tgt", "text": f"cand {i}", "gold": None} for i in range(25)]
    write_jsonl(data / "test.pool.jsonl", pool)
    write_jsonl(
        data / "test.de.jsonl",
        [
            {"id": "de-q1", "side": "src", "text": "frage 1", "gold": ["c0", "c24"]},
            {"id": "de-q2", "side": "src", "text": "frage 2", "gold": None},
        ],
    )
    write_jsonl(data / "test.en.jsonl", [{"id": "en-q1", "side": "src", "text": "question 1", "gold": ["c3"]}])
    # candidate i points at angle i degrees; a query at angle a ranks the candidates by |i - a|
    table = {f"cand {i}": [math.cos(math.radians(i)), math.sin(math.radians(i))] for i in range(25)}
    table.update(
        {
            "frage 1": [1.0, 0.0],
            "frage 2": [0.0, 1.0],
            "question 1": [math.cos(math.radians(3.2)), math.sin(math.radians(3.2))],
        }
    )
    vectors = _Vectors(table)
    monkeypatch.setattr(embed, "embed", vectors.embed)
    encoder = SimpleNamespace(config=SimpleNamespace(num_hidden_layers=1))
    monkeypatch.setattr(model, "load_encoder", lambda path: SimpleNamespace(to=lambda device: encoder))
    monkeypatch.setattr("transformers.AutoTokenizer.from_pretrained", lambda path: _WordTokenizer())
    monkeypatch.setattr(evaluate, "setup", lambda smk: None)
    out = tmp_path / "eval"
    smk = SimpleNamespace(
        params=SimpleNamespace(
            settings=dict(
                task="lareqa",
                languages=["de", "en"],
                layer=0,
                pooling="mean",
                max_length=32,
                batch_size=8,
                precision="fp32",
                prefixes={"query": "", "passage": ""},
            )
        ),
        input=SimpleNamespace(encoder=str(tmp_path / "enc"), data=str(data)),
        output=SimpleNamespace(cell=str(out)),
        wildcards=SimpleNamespace(model="m", intermediate="none", seed="1"),
    )
    jobs.evaluate_retrieval(smk)
    de = json.loads((out / "de.metrics.json").read_text())
    # de-q1 (angle 0) ranks c0 c1 ... c19 in its top 20: c0 at rank 1, c24 outside -> 1 / min(2, 20) = 0.5
    assert de["metrics"] == {"map@20": pytest.approx(50.0)} and de["n_examples"] == 1
    assert de["target"] == "lareqa" and de["language"] == "de"
    # en-q1 (angle 3.2) ranks c3 first -> 1.0
    assert json.loads((out / "en.metrics.json").read_text())["metrics"] == {"map@20": pytest.approx(100.0)}
    rows = [json.loads(line) for line in (out / "de.predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["de-q1", "de-q2"]
    assert rows[0]["prediction"] == [f"c{i}" for i in range(20)]
    assert rows[1]["prediction"][0] == "c24" and len(rows[1]["prediction"]) == 20
    pool_texts = [f"cand {i}" for i in range(25)]
    assert sum(call == pool_texts for call in vectors.calls) == 1  # one pool embedding for both languages
    assert de["truncation"]["tgt"]["tokens"] == 50 and de["truncation"]["src"]["tokens"] == 4  # pool: 25 x 2 words


# -- XCOPA accuracy ----------------------------------------------------------------------------------------------------
def test_xcopa_accuracy_is_the_share_of_right_alternatives():
    from stiltgrid.engine.evaluation import score

    examples = [
        {"id": str(i), "context": "p", "question": "What was the cause?", "choices": ["a", "b"], "label": label}
        for i, label in enumerate([0, 1, 1, 0, 1])
    ]
    assert score(get_task("xcopa"), examples, [0, 1, 0, 0, 0], "et") == {"accuracy": pytest.approx(60.0)}
    assert get_task("xcopa").headline_metric == "accuracy"


# -- the XTREME-R score in the aggregation -----------------------------------------------------------------------------
def _results(values: dict) -> pd.DataFrame:
    rows = []
    for task, metrics in values.items():
        langs = ["en", "wa"] if task not in ("tatoeba",) else ["wa"]
        for lang in langs:
            for metric, value in metrics.items():
                rows.append(
                    {
                        "model": "m",
                        "intermediate": "none",
                        "target": task,
                        "language": lang,
                        "seed": 1,
                        "metric": metric,
                        "value": value,
                    }
                )
    return pd.DataFrame(rows)


def test_aggregation_picks_xtreme_r_for_its_targets():
    assert A.benchmark_for(["xnli", "xcopa", "udpos", "tatoeba", "mewslix", "lareqa"]) == xt.XTREME_R
    assert A.benchmark_for(["xnli", "pawsx", "udpos", "bucc", "tatoeba"]) == xt.XTREME
    assert A.benchmark_for(["xnli", "udpos"]) == xt.XTREME  # nothing of XTREME-R's own: the XTREME table
    assert A.benchmark_for(["xcopa", "pawsx"]) == xt.XTREME  # mixed: XTREME, as before


def test_xtreme_r_table_by_hand():
    values = {
        "xnli": {"accuracy": 80.0},
        "xcopa": {"accuracy": 60.0},
        "udpos": {"f1": 70.0},
        "panx": {"f1": 50.0},
        "xquad": {"exact_match": 50.0, "f1": 70.0},
        "mlqa": {"exact_match": 40.0, "f1": 60.0},
        "tydiqa": {"exact_match": 30.0, "f1": 50.0},
        "tatoeba": {"accuracy": 40.0},
        "mewslix": {"map@20": 20.0},
        "lareqa": {"map@20": 30.0},
    }
    langs = {t: (["wa"] if t == "tatoeba" else ["en", "wa"]) for t in values}
    table = A.benchmark_table(_results(values), langs)
    row = table.iloc[0]
    assert list(table.columns[:3]) == ["benchmark", "model", "intermediate"] and row["benchmark"] == xt.XTREME_R
    assert row["classification"] == pytest.approx(70.0)  # (80 + 60) / 2
    assert row["structured_prediction"] == pytest.approx(60.0)  # (70 + 50) / 2
    assert row["qa"] == pytest.approx(50.0)  # (60 + 50 + 40) / 3
    assert row["retrieval"] == pytest.approx(30.0)  # (40 + 20 + 30) / 3
    assert row["overall"] == pytest.approx(sum([80, 60, 70, 50, 60, 50, 40, 40, 20, 30]) / 10)
    assert row["missing"] == ""
    # the per-task values of the paper table follow the same rule (LAReQA: mean mAP@20 over its languages)
    per_task = A.task_values(_results(values), langs).set_index("target")["value"]
    assert per_task["lareqa"] == pytest.approx(30.0) and per_task["xquad"] == pytest.approx(60.0)
    # a missing task leaves the overall score undefined and says why
    partial = A.benchmark_table(_results({k: v for k, v in values.items() if k != "mewslix"}), langs)
    assert math.isnan(partial.iloc[0]["overall"]) and "mewslix" in partial.iloc[0]["missing"]

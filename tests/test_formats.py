"""Every registered format, through every hook the engine calls: validation, reading, rewriting, featurisation,
head and loss, decoding, scoring and the guards. A new format module is tested here without a test of its own."""

import copy
import math

import pytest
import toy

from stiltgrid.data.xtreme import CATEGORIES
from stiltgrid.formats import FORMATS, FormatError, get_format, read_jsonl, trainable_formats, write_jsonl
from stiltgrid.formats.span_qa import _best_span
from stiltgrid.grid.config import _schema
from stiltgrid.metrics.registry import METRICS
from stiltgrid.tasks.base import Task

NAMES = sorted(FORMATS)
TRAINABLE = trainable_formats()


def _other(fmt, ex: dict) -> dict:
    """A second example of another class (label formats), so that a constant prediction collapses."""
    out = {**copy.deepcopy(ex), "id": ex["id"] + "-b"}
    if fmt.label_field and isinstance(ex[fmt.label_field], int):
        out[fmt.label_field] = (ex[fmt.label_field] + 1) % len(ex["choices"])
    elif fmt.label_field:
        out[fmt.label_field] = "other"
    return out


def _dev(fmt) -> list[dict]:
    return [copy.deepcopy(fmt.example), _other(fmt, fmt.example)]


def _labels(fmt, dev) -> list[str]:
    if fmt.label_field and isinstance(dev[0][fmt.label_field], str):
        return sorted({ex[fmt.label_field] for ex in dev})
    return []


def _task(fmt, dev) -> Task:
    return Task(
        name=f"probe_{fmt.name}",
        format=fmt.name,
        metric=fmt.metric,
        labels=tuple(_labels(fmt, dev)) or None,
        role="target" if fmt.trainable else "retrieval",
        category=fmt.category,
    )


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory):
    return toy.xlmr_dir(tmp_path_factory.mktemp("enc"))


def test_registry_names_and_defaults():
    assert _schema()["definitions"]["local_task"]["properties"]["format"]["enum"] == list(FORMATS)
    for name, fmt in FORMATS.items():
        assert fmt.name == name and fmt.metric in METRICS and fmt.category in CATEGORIES
        assert fmt.label_field in (None, *(f.name for f in fmt.fields))
        assert set(fmt.text_fields) <= {f.name for f in fmt.fields}
    with pytest.raises(FormatError, match="unknown task format 'csv'"):
        get_format("csv")


@pytest.mark.parametrize("name", NAMES)
def test_example_valid_and_every_field_required(name, tmp_path):
    fmt = get_format(name)
    fmt.check(fmt.example, "here")
    for spec in fmt.fields:
        broken = {k: v for k, v in fmt.example.items() if k != spec.name}
        with pytest.raises(FormatError, match=f"here: missing field '{spec.name}'"):
            fmt.check(broken, "here")
    path = tmp_path / "split.jsonl"
    write_jsonl(path, _dev(fmt))
    assert read_jsonl(path, name) == _dev(fmt)


@pytest.mark.parametrize("name", NAMES)
def test_rewrite_reaches_every_text_and_keeps_the_example_valid(name):
    fmt = get_format(name)
    ex = fmt.example

    def upper(key, text, protect):
        return [(0, len(text), text.upper())] if not protect else []

    def upper_tokens(tokens, tags):
        return [t.upper() for t in tokens], tags

    same, n = fmt.rewrite(ex, lambda key, text, protect: [], lambda tokens, tags: (tokens, tags))
    assert same == ex and n == 0 and same is not ex
    out, n = fmt.rewrite(ex, upper, upper_tokens)
    fmt.check(out, "rewritten")
    items = fmt.text_items(out)
    assert n == sum(text != old for (_, text), (_, old) in zip(items, fmt.text_items(ex))) > 0
    assert all(text == text.upper() for key, text in items if not fmt.protected_spans(ex, key))
    assert fmt.all_text(ex) == " ".join(text for _, text in fmt.text_items(ex))
    if fmt.label_field:
        assert out[fmt.label_field] == ex[fmt.label_field]


@pytest.mark.parametrize("name", TRAINABLE)  # the others are scored on embeddings (tests/metrics/test_retrieval.py)
def test_constant_prediction_scores_and_collapses(name):
    from stiltgrid.engine.evaluation import score

    fmt = get_format(name)
    dev = _dev(fmt)
    predictions, what = fmt.constant_prediction(dev)
    assert len(predictions) == len(dev) and what
    metrics = score(_task(fmt, dev), dev, predictions, "en")
    assert all(0.0 <= value <= 100.0 for value in metrics.values())
    assert fmt.collapse(dev, predictions).startswith("predictions collapsed")
    chance = fmt.chance(n_labels=len(_labels(fmt, dev)) or None, n_choices=len(dev[0].get("choices", ())) or None)
    assert chance == 0.0 if fmt.zero_chance else 0.0 < chance < 100.0


@pytest.mark.parametrize("name", TRAINABLE)
def test_features_head_loss_and_decoding(name, encoder_dir):
    import torch
    from transformers import AutoTokenizer

    from stiltgrid.engine import features as F
    from stiltgrid.engine.model import TaskModel, load_encoder

    fmt = get_format(name)
    dev = _dev(fmt)
    tokenizer = AutoTokenizer.from_pretrained(str(encoder_dir))
    labels = fmt.label_list(_task(fmt, dev), dev)
    feats = F.featurize(name, dev, tokenizer, 64, labels)
    assert sorted({f["example_index"] for f in feats}) == list(range(len(dev)))
    lengths = fmt.lengths(dev, tokenizer)
    if lengths is not None:  # untruncated counts match the features at a roomy max_length
        assert lengths == [
            [len(seq) for seq in f["input_ids"]] if fmt.multi_sequence else [len(f["input_ids"])] for f in feats
        ]
    torch.manual_seed(0)
    model = TaskModel(load_encoder(encoder_dir), {"probe": {"format": name, "labels": labels}})
    out = model("probe", F.collate(feats, tokenizer.pad_token_id))
    assert out["loss"].dim() == 0 and math.isfinite(out["loss"].item())
    out["loss"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.heads["probe"].parameters())
    from stiltgrid.engine.inference import predict

    predictions = predict(model, "probe", name, dev, tokenizer, labels, 64, 8, 128)
    assert len(predictions) == len(dev)
    for ex, prediction in zip(dev, predictions):  # each prediction has the shape of the gold
        gold = fmt.gold([ex])[0]
        if isinstance(gold, list):
            assert len(prediction) == len(gold) and set(prediction) <= set(labels)
        elif fmt.label_field:
            assert type(prediction) is type(gold)
        else:
            assert isinstance(prediction, str) and prediction in ex["context"]


@pytest.mark.parametrize("name", sorted(set(NAMES) - set(TRAINABLE)))
def test_untrainable_formats_have_no_head(name):
    with pytest.raises(NotImplementedError):
        get_format(name).head(8, 2, 0.1)


def test_span_qa_best_span_keeps_the_first_best_pair_inside_the_context_and_the_answer_limit():
    import numpy as np

    context = "a bb ccc dddd"
    offsets = [None, (0, 1), (2, 4), (5, 8), (9, 13), None]  # <s> and </s> lie outside the context
    logits = lambda *values: np.array(values, dtype=np.float32)  # noqa: E731
    # the best start (0) and end (5) lie outside the context; end before start is never an answer
    assert _best_span(context, offsets, logits(9, 1, 3, 0, 0, 0), logits(0, 0, 2, 0, 1, 9), 30) == ("bb", 5.0)
    # two one-token answers tie at 4.0: the one whose start logit ranks first wins, as in a pair-by-pair loop
    assert _best_span(context, offsets, logits(0, 3, 2, 0, 0, 0), logits(0, 1, 2, 0, 0, 0), 1) == ("a", 4.0)
    # the best pair (1, 4) is 4 tokens long: with at most 2, the best pair within the limit
    assert _best_span(context, offsets, logits(0, 5, 0, 0, 0, 0), logits(0, 0, 1, 0, 5, 0), 2) == ("a bb", 6.0)
    assert _best_span(context, [None] * 6, logits(*[1] * 6), logits(*[1] * 6), 30) == ("", -np.inf)

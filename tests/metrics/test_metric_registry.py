"""The metric registry: one row per metric of what every other module asks it, and each predictions metric scored
on its format's example. A new metric is one object in stiltgrid/metrics/registry.py and one row here."""

import math

import pytest

from stiltgrid.engine import evaluation
from stiltgrid.formats import FORMATS, get_format
from stiltgrid.grid.config import _schema
from stiltgrid.metrics import registry as R
from stiltgrid.tasks import all_tasks
from stiltgrid.tasks.base import Task

# name: (headline, score keys, protocol, protocol settings)
EXPECTED = {
    "accuracy": ("accuracy", ("accuracy",), None, ()),
    "seqeval_f1": ("f1", ("f1",), None, ()),
    "squad": ("f1", ("exact_match", "f1"), None, ()),
    "mlqa": ("f1", ("exact_match", "f1"), None, ()),
    "bucc": ("f1", ("f1",), R.MINING, ("margin_k", "mining")),
    "tatoeba": ("accuracy", ("accuracy",), R.NEAREST, ("tatoeba_query",)),
    "map20": ("map@20", ("map@20",), R.RANKING, ()),
}

#: a format whose example each predictions metric can score (its own default format, else classification)
SCORED_ON = {"accuracy": "classification", "seqeval_f1": "tagging", "squad": "span_qa", "mlqa": "span_qa"}


def test_every_metric_has_its_row():
    assert sorted(R.METRICS) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_facts(name):
    metric = R.get_metric(name)
    assert (metric.headline, metric.score_keys, metric.protocol, metric.settings) == EXPECTED[name]
    assert metric.higher_is_better and metric.description
    assert metric.tunes_on_dev == (metric.protocol == R.MINING)
    assert metric.shared_pool == (metric.protocol == R.RANKING)


@pytest.mark.parametrize("name", sorted(SCORED_ON))
def test_a_perfect_prediction_scores_100_on_every_score_key(name):
    metric, fmt = R.get_metric(name), get_format(SCORED_ON[name])
    examples = [fmt.example]
    # span QA predicts answer strings; its gold holds the answer lists
    perfect = [g["text"][0] if isinstance(g, dict) else g for g in fmt.gold(examples)]
    values = metric.score(fmt, examples, perfect, "en")
    assert set(metric.score_keys) <= set(values)
    assert all(math.isclose(values[key], 100.0) for key in metric.score_keys)


@pytest.mark.parametrize("name", [n for n, row in EXPECTED.items() if row[2]])
def test_retrieval_metrics_are_not_scored_from_predictions(name):
    task = Task(name="probe", format="retrieval", metric=name, role="retrieval", category="retrieval")
    with pytest.raises(ValueError, match=f"task probe: metric '{name}' is scored on the encoder's vectors"):
        evaluation.score(task, [], [])


def test_tasks_and_formats_name_registered_metrics_and_derive_their_score_keys():
    for task in all_tasks().values():
        assert task.score_metrics == R.get_metric(task.metric).score_keys
        assert task.headline_metric == R.get_metric(task.metric).headline
    assert all(fmt.metric in R.METRICS for fmt in FORMATS.values())
    assert _schema()["definitions"]["local_task"]["properties"]["metric"]["enum"] == list(R.METRICS)


def test_an_unknown_metric_is_one_line():
    with pytest.raises(KeyError, match="unknown metric 'bleu'; known metrics: accuracy, bucc"):
        R.get_metric("bleu")
    with pytest.raises(ValueError, match="give either a scorer .* or a retrieval protocol"):
        R.Metric("both", "x", ("x",))
    with pytest.raises(ValueError, match="headline 'f1' is not one of its score keys"):
        R.Metric("odd", "f1", ("accuracy",), protocol=R.NEAREST)

"""The metric registry: one :class:`Metric` per metric a task can declare, and every fact about it.

A task names its metric (``Task.metric``); everything else asks the metric object: the headline value that early
stopping and the paper table read, the values XTREME averages into a task's score, whether higher is better, how
predictions are scored, and, for retrieval metrics, the protocol the retrieval job runs (mining with a threshold
tuned on dev, nearest-neighbour accuracy, or ranking a shared candidate pool) and the retrieval settings only that
protocol reads. A new metric is one object in :data:`METRICS` (docs/adding-a-metric.md).

This module is light on purpose (no pandas, seqeval or faiss at import): task declarations import it, and each
scorer imports its own dependencies when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: value keys as they appear in metrics JSON files and the tidy results table
ACCURACY, F1, EXACT_MATCH, PRECISION, RECALL, MAP20 = "accuracy", "f1", "exact_match", "precision", "recall", "map@20"

#: other spellings of value keys that results tables may carry
KEY_ALIASES: Mapping[str, str] = {
    "acc": ACCURACY,
    "accuracy": ACCURACY,
    "f1": F1,
    "f1_score": F1,
    "em": EXACT_MATCH,
    "exact": EXACT_MATCH,
    "exact_match": EXACT_MATCH,
    "precision": PRECISION,
    "recall": RECALL,
    "map@20": MAP20,
    "map20": MAP20,
    "map_at_20": MAP20,
    "map_20": MAP20,
}

#: retrieval protocols: what a retrieval job does with the encoder's vectors
MINING = "mining"  # BUCC: mine pairs with margin scores, threshold tuned on dev, applied to test
NEAREST = "nearest"  # Tatoeba: each query's nearest neighbour among the paired sentences
RANKING = "ranking"  # LAReQA, Mewsli-X: each query ranks one candidate pool shared by every language
PROTOCOLS = (MINING, NEAREST, RANKING)

#: (format, examples, predictions, lang) -> {value key: percent}
Scorer = Callable[[object, list, list, "str | None"], dict]


def _accuracy(fmt, examples, predictions, lang):
    from stiltgrid.metrics.classification import accuracy

    return {ACCURACY: accuracy(*fmt.accuracy_items(examples, predictions))}


def _seqeval(fmt, examples, predictions, lang):
    from stiltgrid.metrics.tagging import tagging_scores

    return tagging_scores(predictions, fmt.gold(examples))


def _span_qa(mlqa: bool) -> Scorer:
    def score(fmt, examples, predictions, lang):
        from stiltgrid.metrics.qa import MLQA, SQUAD, references_from_examples, squad_scores

        rules = MLQA if mlqa else SQUAD
        answers = {ex["id"]: pred for ex, pred in zip(examples, predictions)}
        # MLQA's rules are defined for its 7 languages; other languages fall back to language-neutral rules.
        return squad_scores(answers, references_from_examples(examples), lang=lang, rules=rules, strict=False)

    return score


@dataclass(frozen=True)
class Metric:
    name: str
    #: the value early stopping and the paper table read
    headline: str
    #: the values whose language means XTREME averages into the task's score (QA: the mean of EM and F1)
    score_keys: tuple[str, ...]
    #: scores one language's predictions; None for retrieval metrics, which score vectors in the retrieval job
    scorer: Scorer | None = None
    #: the retrieval protocol (one of PROTOCOLS) of a metric scored on the encoder's vectors
    protocol: str | None = None
    #: retrieval settings only this metric's protocol reads (no other cell goes stale when they change)
    settings: tuple[str, ...] = ()
    higher_is_better: bool = True
    description: str = ""

    def __post_init__(self):
        if (self.scorer is None) == (self.protocol is None):
            raise ValueError(f"metric {self.name}: give either a scorer (predictions) or a retrieval protocol")
        if self.protocol is not None and self.protocol not in PROTOCOLS:
            raise ValueError(f"metric {self.name}: unknown retrieval protocol '{self.protocol}'")
        if self.headline not in self.score_keys:
            raise ValueError(f"metric {self.name}: headline '{self.headline}' is not one of its score keys")

    @property
    def tunes_on_dev(self) -> bool:
        """Retrieval that tunes a parameter (BUCC's threshold) on a dev split of each language."""
        return self.protocol == MINING

    @property
    def shared_pool(self) -> bool:
        """Retrieval whose candidates are one pool shared by every language (``test.pool.jsonl``)."""
        return self.protocol == RANKING

    def score(self, fmt, examples: list[dict], predictions: list, lang: str | None = None) -> dict[str, float]:
        """Every value of this metric for one language's predictions, in percent."""
        if self.scorer is None:
            raise ValueError(f"metric '{self.name}' is scored on the encoder's vectors, not from predictions")
        return self.scorer(fmt, examples, predictions, lang)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "accuracy",
            ACCURACY,
            (ACCURACY,),
            scorer=_accuracy,
            description="percent of predictions equal to the label (classification, multiple choice)",
        ),
        Metric("seqeval_f1", F1, (F1,), scorer=_seqeval, description="seqeval span F1 over BIO/IOB2 tags (POS, NER)"),
        Metric(
            "squad", F1, (EXACT_MATCH, F1), scorer=_span_qa(mlqa=False), description="SQuAD v1.1 exact match and F1"
        ),
        Metric(
            "mlqa",
            F1,
            (EXACT_MATCH, F1),
            scorer=_span_qa(mlqa=True),
            description="MLQA's language-aware exact match and F1",
        ),
        Metric(
            "bucc",
            F1,
            (F1,),
            protocol=MINING,
            settings=("margin_k", "mining"),
            description="BUCC F1 of margin-mined pairs, the threshold tuned on dev",
        ),
        Metric(
            "tatoeba",
            ACCURACY,
            (ACCURACY,),
            protocol=NEAREST,
            settings=("tatoeba_query",),
            description="Tatoeba accuracy of nearest-neighbour retrieval",
        ),
        Metric("map20", MAP20, (MAP20,), protocol=RANKING, description="mAP@20 of ranking a shared candidate pool"),
    )
}


def get_metric(name: str) -> Metric:
    if name not in METRICS:
        raise KeyError(f"unknown metric '{name}'; known metrics: {', '.join(sorted(METRICS))}")
    return METRICS[name]


def protocol_settings() -> set[str]:
    """Retrieval settings that belong to one protocol (the rest every retrieval cell reads)."""
    return {setting for metric in METRICS.values() for setting in metric.settings}


def register(metric: Metric) -> Metric:
    """Add a metric defined outside this module (a plugin, a test); re-registering the same object is a no-op."""
    known = METRICS.get(metric.name)
    if known is not None and known != metric:
        raise ValueError(f"metric '{metric.name}' is already registered with a different definition")
    METRICS[metric.name] = metric
    return metric

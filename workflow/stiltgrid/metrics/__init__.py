"""Official XTREME / XTREME-R metrics (percentages), retrieval scoring and benchmark scores.

Modules: :mod:`.classification` (accuracy), :mod:`.tagging` (seqeval span F1 for UD-POS / PAN-X), :mod:`.qa`
(SQuAD v1.1 and MLQA EM/F1), :mod:`.retrieval` (faiss / numpy k-NN, BUCC margin mining and threshold, Tatoeba
accuracy, mAP@k) and :mod:`.scores` (XTREME and XTREME-R task, category and overall scores).
"""

from stiltgrid.metrics.classification import accuracy
from stiltgrid.metrics.qa import mlqa_scores, qa_scores, squad_scores
from stiltgrid.metrics.retrieval import (
    bucc_candidates,
    bucc_evaluate,
    bucc_optimal_threshold,
    bucc_scores,
    knn,
    l2_normalize,
    mean_average_precision_at_k,
    mine_bitext,
    mine_bitext_numpy,
    tatoeba_accuracy,
)
from stiltgrid.metrics.scores import benchmark_scores, xtreme_r_scores, xtreme_scores
from stiltgrid.metrics.tagging import tagging_f1, tagging_scores

__all__ = [
    "accuracy",
    "benchmark_scores",
    "bucc_candidates",
    "bucc_evaluate",
    "bucc_optimal_threshold",
    "bucc_scores",
    "knn",
    "l2_normalize",
    "mean_average_precision_at_k",
    "mine_bitext",
    "mine_bitext_numpy",
    "mlqa_scores",
    "qa_scores",
    "squad_scores",
    "tagging_f1",
    "tagging_scores",
    "tatoeba_accuracy",
    "xtreme_r_scores",
    "xtreme_scores",
]

"""Official XTREME / XTREME-R metrics (percentages), retrieval scoring and benchmark scores.

Modules: :mod:`.classification` (accuracy), :mod:`.tagging` (seqeval span F1 for UD-POS / PAN-X), :mod:`.qa`
(SQuAD v1.1 and MLQA EM/F1), :mod:`.retrieval` (faiss / numpy k-NN, BUCC margin mining and threshold, Tatoeba
accuracy, mAP@k) and :mod:`.scores` (XTREME and XTREME-R task, category and overall scores).

Import what you need from the submodule (``from stiltgrid.metrics.qa import squad_scores``): each evaluation job
then loads only its own metric's dependencies (seqeval pulls in scikit-learn, ``scores`` pulls in pandas).
"""

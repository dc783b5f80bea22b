"""Span F1 / precision / recall for UD-POS and PAN-X, as XTREME's ``evaluate.py`` computes them.

XTREME passes the gold and predicted tag sequences of a language straight to ``seqeval.metrics`` (micro average over
chunks, default non-strict mode) and multiplies by 100. That is done for PAN-X (BIO tags) and, unchanged, for UD-POS,
whose tags have no ``B-``/``I-`` prefix. seqeval then reads the first character of a bare tag as its chunk prefix, so
for POS the score is a chunk F1, not token accuracy: a run of identical tags (``NOUN NOUN``) is one chunk, a tag
starting with ``S`` (``SCONJ``) is always a single-token chunk, and so on.

seqeval version caveat. For a bare tag such as ``CCONJ``, seqeval 0.0.x (the release XTREME installed in 2020)
used the whole tag as the chunk type, while seqeval >= 1.0 uses the tag minus its first character (``CONJ``); under
1.x ``CCONJ`` and ``SCONJ`` therefore share a type and adjacent ones are chunked differently. With
``legacy_bare_tags=True`` (the default) bare tags are rewritten before the call so that the installed seqeval 1.x
sees the same (prefix, type) pair that 0.0.x derived, i.e. the scores XTREME published. Pass ``False`` to get what
a current install of seqeval computes on the raw tags. BIO tags are never rewritten; the two settings agree on them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence


def _legacy_tag(tag: str) -> str:
    # seqeval 0.0.x read a tag as (prefix=tag[0], type=tag.split('-')[-1]); seqeval 1.x reads
    # (prefix=tag[0], type=tag[1:].split('-', 1)[-1]). Writing tag[0] + '-' + tag.split('-')[-1] makes 1.x derive the
    # 0.0.x pair for every tag; BIO tags such as 'B-PER' map to themselves. 'O' is left alone (its type is unused).
    if tag == "O" or not tag:
        return tag
    return tag[0] + "-" + tag.split("-")[-1]


def _check(predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]]) -> tuple[list, list]:
    preds = [list(p) for p in predictions]
    refs = [list(r) for r in references]
    if len(preds) != len(refs):
        raise ValueError(f"tagging: {len(preds)} predicted sequences for {len(refs)} reference sequences")
    if not refs:
        raise ValueError("tagging: no sequences")
    for i, (p, r) in enumerate(zip(preds, refs)):
        if len(p) != len(r):
            raise ValueError(f"tagging: sequence {i} has {len(p)} predicted tags for {len(r)} reference tags")
    return preds, refs


def tagging_scores(
    predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]], legacy_bare_tags: bool = True
) -> dict[str, float]:
    """``{"f1", "precision", "recall"}`` in percent (0-100) from lists of tag sequences (one list per sentence).

    Sequences are scored jointly (seqeval separates sentences so no chunk crosses a boundary). Lengths must match
    sentence by sentence. When nothing is predicted or nothing is gold, the affected values are 0, as in seqeval.
    """
    preds, refs = _check(predictions, references)
    if legacy_bare_tags:
        preds = [[_legacy_tag(t) for t in seq] for seq in preds]
        refs = [[_legacy_tag(t) for t in seq] for seq in refs]
    from seqeval.metrics import f1_score, precision_score, recall_score  # imports scikit-learn: only when needed

    with warnings.catch_warnings():
        # bare POS tags make seqeval warn "seems not to be NE tag" and zero divisions warn too; both are expected
        warnings.simplefilter("ignore")
        f1 = f1_score(refs, preds)
        precision = precision_score(refs, preds)
        recall = recall_score(refs, preds)
    return {"f1": 100.0 * float(f1), "precision": 100.0 * float(precision), "recall": 100.0 * float(recall)}


def tagging_f1(
    predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]], legacy_bare_tags: bool = True
) -> float:
    """The ``f1`` entry of :func:`tagging_scores`."""
    return tagging_scores(predictions, references, legacy_bare_tags)["f1"]

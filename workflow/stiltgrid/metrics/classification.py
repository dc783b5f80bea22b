"""Accuracy for sentence(-pair) classification and multiple choice (XNLI, PAWS-X, XCOPA, Tatoeba predictions).

XTREME's ``evaluate.py`` reports accuracy as a percentage: the share of positions where the prediction equals the
label, times 100. Labels are compared with ``==`` as they are (no case folding, no stripping).
"""

from __future__ import annotations

from collections.abc import Sequence


def accuracy(predictions: Sequence, references: Sequence) -> float:
    """Percent of positions where ``predictions[i] == references[i]`` (0-100).

    Both sequences must have the same, non-zero length; the official script asserts equal lengths and would divide
    by zero on an empty file, so both cases raise ``ValueError`` here.
    """
    predictions = list(predictions)
    references = list(references)
    if len(predictions) != len(references):
        raise ValueError(f"accuracy: {len(predictions)} predictions for {len(references)} references")
    if not references:
        raise ValueError("accuracy: no examples (empty predictions and references)")
    correct = sum(1 for p, r in zip(predictions, references) if p == r)
    return 100.0 * correct / len(references)

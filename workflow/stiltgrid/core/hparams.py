"""Training hyper-parameters (no heavy imports: the Snakefile reads the defaults when it enumerates the grid)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class TrainConfig:
    lr: float = 5e-5
    epochs: float = 2.0
    batch_size: int = 16
    grad_accum: int = 1
    warmup: float = 0.1
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    dropout: float = 0.1
    max_length: int = 128
    doc_stride: int = 128
    eval_every: int = 100
    eval_subset: int = 500
    patience: int = 30
    eval_batch_size: int = 64
    checkpoint_every: int = 200
    max_train_examples: int | None = None
    # At least this many optimiser steps: a small training set gets more epochs than ``epochs`` (early stopping on
    # dev still ends a run that stops gaining). None: ``epochs`` alone, as the paper's large tasks.
    min_steps: int | None = None
    # Off by default: sorting batches by length skews them by label where label and length correlate (NLI: -5 to
    # -7 dev points on the world's XNLI, bench/train_throughput.py); dynamic padding alone keeps ~3x over jiant.
    length_grouping: bool = False
    seed: int = 0
    precision: str = "auto"

    @classmethod
    def from_params(cls, params: dict) -> TrainConfig:
        unknown = sorted(set(params) - set(cls.__dataclass_fields__))
        if unknown:  # a dropped key would be a setting that silently does nothing
            raise ValueError(f"unknown hyper-parameter '{unknown[0]}' (known: {', '.join(cls.__dataclass_fields__)})")
        return cls(**params)


#: Settings a job is told only when a preset sets them: unset, they change nothing, and leaving them out keeps the
#: lineage of every grid that does not use them as it was.
OPT_IN = ("min_steps",)


def defaults() -> dict:
    """Every hyper-parameter and its default, except the seed (a grid wildcard) and the opt-in settings."""
    return {f.name: f.default for f in fields(TrainConfig) if f.name != "seed" and f.name not in OPT_IN}


#: Multi-task samplers (preset ``multitask.sampling``, as jiant's): name -> (required, optional) parameters.
SAMPLERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "proportional": ((), ()),
    "uniform": ((), ()),
    "temperature": (("temperature",), ("examples_cap",)),
    "capped": (("examples_cap",), ()),
}


#: ``retrieval.layer`` / ``pooling`` chosen by the kind of encoder (stiltgrid.engine.embed.reading)
AUTO = "auto"
#: where ``layer: auto`` reads a masked LM: the paper's choice for XLM-R Large (layer 14 of 24), 7 of 12
MLM_LAYER = 0.58

"""Behaviour versions of the engine, one per phase.

Snakemake never sees the package's code (its rules run 4-line scripts), and hashing the code would make every
comment or rename retrain the grid. Instead each phase has a version that enters the lineage of every job running
that phase (stiltgrid.grid.lineage): bump it and exactly those jobs, and everything computed from them, are stale.

The guard that keeps the versions honest is tests/test_behaviour.py: it runs a tiny fixed job of each phase
(tests/behaviour_probes.py) and compares the outputs with tests/behaviour/<phase>.json, pinned together with the
version. A change that alters a phase's outputs without a version bump fails it; a refactor that changes no output
passes and makes nothing stale. After a deliberate change: bump the phase here, then re-pin with
``STILTGRID_REPIN=1 python -m pytest tests/test_behaviour.py``. Constants that shape results and are not settings
(AdamW's epsilon and no-decay list, the length-grouping mega-batch, QA's 30-token answers and 20-best spans, mAP's k,
the MLM weight decay) are covered this way: the probes run with length grouping on, QA, every format and metric.
"""

VERSIONS: dict[str, int] = {
    "world": 1,  # the generated world: corpus, tasks, lexicons, languages (stiltgrid.world)
    "fetch": 1,  # hub loaders and parsers (stiltgrid.data.hub)
    "declared": 1,  # validation of tasks declared from local files (stiltgrid.data.declared, formats)
    "augment": 1,  # research variants: translation mixing and code-switching (stiltgrid.data.augment)
    "pretrain": 1,  # MLM checkpoint: scratch tokenizer and pre-training, hub download, local links (engine.mlm)
    "finetune": 3,  # featurisation, heads, trainer, inference, decoding and metrics of trained cells
    # 2: early stopping on a stratified dev sample; prefixes; guards' warnings in the records
    # 3: the guard's diagnosis (diverged / under-trained / no transfer to dev, from the run's own
    # loss and dev curves) and its advice in the warnings; the per-step loss record
    # (metrics and predictions are unchanged: only the records of runs the guard warns about)
    "perturb": 1,  # perturbed test sets of the robustness question (stiltgrid.data.perturb)
    "retrieval": 2,  # embeddings, mining and retrieval metrics (stiltgrid.engine.embed, metrics.retrieval)
    # 2: layers relative to depth, prefixes, Tatoeba direction, truncation counts and warnings
    "aggregate": 3,  # tidy table, paper table, XTREME scores, heatmap (stiltgrid.results.aggregate, metrics.scores)
    # 2: the best-dev row (best intermediate per target, chosen on dev), overall_vs_none
    # 3: the split column (English dev scores of declared targets), warnings.md
    "analysis": 1,  # the research questions (stiltgrid.analysis)
    "export": 1,  # leaderboard files in XTREME's evaluate.py layout (stiltgrid.results.export)
    "lora": 1,  # LoRA training, adapter checkpoints and their merge into the base encoder (engine.lora)
    "report": 1,  # the results site (stiltgrid.results.page)
    "selection": 1,  # transferability estimates: text samples, task vectors, LogME (engine.transferability)
}


def versions(phases) -> dict[str, int]:
    return {phase: VERSIONS[phase] for phase in phases}

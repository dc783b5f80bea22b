# Phase 4: zero-shot evaluation. One job per cell scores every language of its target (one model load) and writes a
# predictions file and a metrics JSON per language. Languages differ per target, so each target gets its own rule.

for _target in GRID.trained_targets:

    rule:
        name:
            f"evaluate_{_target}"
        input:
            model=P.TARGET_MODEL.replace("{target}", _target),
            data=task_dir(_target),
        output:
            predictions=expand(P.PREDICTIONS, target=_target, lang=GRID.languages(_target), allow_missing=True),
            metrics=expand(P.METRICS, target=_target, lang=GRID.languages(_target), allow_missing=True),
        params:
            task=_target,
            languages=GRID.languages(_target),
            max_length=GRID.hparams("target", _target)["max_length"],
            doc_stride=GRID.hparams("target", _target)["doc_stride"],
            batch_size=GRID.hparams("target", _target)["eval_batch_size"],
            precision=GRID.hparams("target", _target)["precision"],
        threads: GRID.threads("evaluate")
        resources:
            gpu=1,
        log:
            log_path("evaluate", "{intermediate}", _target, "seed{seed}"),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/evaluate_target.py"


# Retrieval targets (BUCC, Tatoeba) have no training: they score the intermediate encoder directly.
for _target in GRID.retrieval_targets:

    rule:
        name:
            f"evaluate_{_target}"
        input:
            encoder=encoder_dir,
            data=task_dir(_target),
        output:
            predictions=expand(P.PREDICTIONS, target=_target, lang=GRID.languages(_target), allow_missing=True),
            metrics=expand(P.METRICS, target=_target, lang=GRID.languages(_target), allow_missing=True),
        params:
            task=_target,
            languages=GRID.languages(_target),
            precision="auto",
            **GRID.retrieval(),
        threads: GRID.threads("evaluate")
        resources:
            gpu=1,
        log:
            log_path("evaluate", "{intermediate}", _target, "seed{seed}"),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/evaluate_retrieval.py"

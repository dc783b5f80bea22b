# Phase 4 for retrieval targets (BUCC, Tatoeba; LAReQA, Mewsli-X with mAP@20): no training, the intermediate encoder
# is scored directly, one job per cell writing a predictions file and a metrics JSON per language into the cell
# directory (its one declared output). Trainable targets are scored by the job that fine-tunes them (target.smk).

for _target in GRID.retrieval_targets:

    rule:
        name:
            f"evaluate_{_target}"
        input:
            encoder=encoder_dir,
            data=task_dir(_target),
        output:
            cell=directory(P.EVAL_DIR.replace("{target}", _target)),
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

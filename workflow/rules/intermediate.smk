# Phase 2: intermediate-task training (one English task, or all of them as multitask). `none` is the baseline and
# has no job: its cells start from the MLM checkpoint.


rule train_intermediate:
    input:
        init=P.MODEL,
        data=intermediate_data,
    output:
        directory(P.INTERMEDIATE),
    params:
        tasks=lambda wc: GRID.intermediate_tasks(wc.intermediate),
        hparams=lambda wc: GRID.hparams("intermediate", wc.intermediate),
    wildcard_constraints:
        intermediate="|".join(GRID.trained_intermediates) or "^$",
    threads: GRID.threads("train")
    resources:
        gpu=1,
    log:
        log_path("intermediate", "{intermediate}", "seed{seed}"),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/train_intermediate.py"

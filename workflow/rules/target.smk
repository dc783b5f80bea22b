# Phase 3: English target-task training on top of each intermediate checkpoint. The fine-tuned weights are
# temporary (only predictions and metrics are kept).


rule train_target:
    input:
        init=encoder_dir,
        data=lambda wc: task_dir(wc.target),
    output:
        temp(directory(P.TARGET_MODEL)),
    params:
        tasks=lambda wc: [wc.target],
        hparams=lambda wc: GRID.hparams("target", wc.target),
    wildcard_constraints:
        target="|".join(GRID.trained_targets) or "^$",
    threads: GRID.threads("train")
    resources:
        gpu=1,
    log:
        log_path("target", "{intermediate}", "{target}", "seed{seed}"),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/train_target.py"

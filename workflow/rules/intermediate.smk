# Phase 2: intermediate-task training (one English task, or all of them as multitask). `none` is the baseline and
# has no job: its cells start from the MLM checkpoint. An MLM variant also reads the multilingual corpus (input
# `corpus`) and interleaves MLM batches; its output is the encoder alone, as for every intermediate.


INTERMEDIATE_JOB = lambda wc: JOBS.intermediate(wc.model, wc.intermediate, wc.seed)


rule train_intermediate:
    input:
        unpack(job_inputs(INTERMEDIATE_JOB)),
    output:
        directory(P.INTERMEDIATE),
    params:
        settings=job_settings(INTERMEDIATE_JOB),
        lineage=job_lineage(INTERMEDIATE_JOB),
    wildcard_constraints:
        intermediate="|".join(GRID.trained_intermediates) or "^$",
    threads: GRID.threads("train")
    resources:
        gpu=1,
    log:
        log_path("intermediate", "{intermediate}", "seed{seed}"),
    benchmark:
        benchmark_path(log_path("intermediate", "{intermediate}", "seed{seed}")),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/train_intermediate.py"

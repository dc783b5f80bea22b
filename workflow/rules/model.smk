# Phase 1: the MLM checkpoint (hub id at a pinned revision | local directory | tiny MLM pre-trained from scratch).


MODEL_JOB = lambda wc: JOBS.model(wc.model)


rule mlm_checkpoint:
    input:
        unpack(job_inputs(MODEL_JOB)),
    output:
        directory(P.MODEL),
    params:
        settings=job_settings(MODEL_JOB),
        lineage=job_lineage(MODEL_JOB),
    threads: GRID.threads("pretrain")
    log:
        log_path("models", "{model}", per_model=False),
    benchmark:
        benchmark_path(log_path("models", "{model}", per_model=False)),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/mlm_checkpoint.py"


# Downloads need the login node's internet; the tiny scratch model is cheap anywhere.
localrules:
    mlm_checkpoint,

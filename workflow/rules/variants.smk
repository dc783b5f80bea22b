# Research variants of intermediate training (config `variants:`): the base task's English training set with a
# share of the examples made non-English, by translation or by code-switching through bilingual lexicons. The
# variant's name is then an intermediate like any task (train_intermediate, every target, the analyses). A variant
# that only continues MLM (`mlm:`) has no job here: train_intermediate reads its base task and the corpus.


VARIANT_JOB = lambda wc: JOBS.variant(wc.dataset, wc.variant)


rule augment_intermediate:
    input:
        unpack(job_inputs(VARIANT_JOB)),
    output:
        directory(P.VARIANT_DATA),
    params:
        settings=job_settings(VARIANT_JOB),
        lineage=job_lineage(VARIANT_JOB),
    log:
        log_path("data", "{dataset}", "variants", "{variant}", per_model=False),
    benchmark:
        benchmark_path(log_path("data", "{dataset}", "variants", "{variant}", per_model=False)),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/augment_intermediate.py"


localrules:
    augment_intermediate,

# Data: the generated offline world (one job per world dataset). Real datasets are fetched by their own rules.
from stiltgrid.tasks import world_tasks

WORLD_JOB = lambda wc: JOBS.world(wc.dataset)
LOCAL_TASK_JOB = lambda wc: JOBS.local_task(wc.task)


rule generate_world:
    output:
        languages=P.LANGUAGES_TABLE,
        corpus=directory(P.CORPUS),
        lexicons=directory(P.LEXICONS),
        entities=P.ENTITIES,
        tasks=directory(expand(P.TASK_DATA, task=sorted(world_tasks()), allow_missing=True)),
    params:
        settings=job_settings(WORLD_JOB),
        lineage=job_lineage(WORLD_JOB),
    wildcard_constraints:
        dataset="|".join(WORLD_DATASETS),
    log:
        log_path("data", "{dataset}", per_model=False),
    benchmark:
        benchmark_path(log_path("data", "{dataset}", per_model=False)),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/make_world.py"


# Tasks declared in config from local files: validated once (every line of every file) into a task directory.
rule prepare_local_task:
    input:
        unpack(job_inputs(LOCAL_TASK_JOB)),
    output:
        directory(P.LOCAL_TASK),
    params:
        settings=job_settings(LOCAL_TASK_JOB),
        lineage=job_lineage(LOCAL_TASK_JOB),
    wildcard_constraints:
        task="|".join(JOBS.local_tasks) or "^$",
    log:
        log_path("data", "local", "{task}", per_model=False),
    benchmark:
        benchmark_path(log_path("data", "local", "{task}", per_model=False)),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/prepare_local_task.py"


localrules:
    prepare_local_task,

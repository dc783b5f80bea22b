# Real task data (datasets with `source: hub`): one localrule job per task fetches it from the Hugging Face hub (or,
# for CCG, converts a local CCGbank copy) into resources/data/<dataset>/tasks/<task>/ in the engine's formats, with
# the hub cache under resources/hub_cache. Local because compute nodes may lack internet: on a cluster, the login node
# runs these jobs. An existing task directory is never refetched unless its params (hub ids, revisions, configs,
# splits, languages) change. Offline (HF_HUB_OFFLINE=1, HF_DATASETS_OFFLINE=1 or STILTGRID_OFFLINE=1) a job only
# reads the cache and otherwise fails with one line naming the dataset and the pre-fetch command
# (`stiltgrid fetch --preset <preset>` on a machine with internet; docs/real-data.md).
rule fetch_task:
    output:
        directory(P.TASK_DATA),
    params:
        settings=job_settings(fetch_job),
        lineage=job_lineage(fetch_job),
    wildcard_constraints:
        dataset="|".join(HUB_DATASETS) or "^$",
        task="|".join(HUB.tasks()),
    log:
        log_path("data", "{dataset}", "{task}", per_model=False),
    benchmark:
        benchmark_path(log_path("data", "{dataset}", "{task}", per_model=False)),
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/fetch_task.py"


localrules:
    fetch_task,


# `snakemake --cores 1 --config preset=<preset> fetch`: `stiltgrid fetch` for this config (every hub source and the
# model, the data lock, the summary table); a target without outputs, so it always runs. On a cluster's login node.
rule fetch:
    log:
        log_path("data", "fetch", per_model=False),
    run:
        from stiltgrid.cli.fetch import fetch_from_snakemake

        fetch_from_snakemake(config, log[0])


localrules:
    fetch,

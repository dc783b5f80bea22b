# XTREME / XTREME-R leaderboard export (preset `export`): one row's test predictions -- by default `best-dev`, the
# intermediate chosen on dev per target -- in the layout google-research/xtreme's evaluate.py reads, under
# results/<model>/export/<preset>/predictions/<task>/test-<lang>.{tsv,json,jsonl}, with export.json beside it.

if JOBS.export is not None:
    EXPORT_JOB = lambda wc: JOBS.export

    rule export_predictions:
        input:
            unpack(job_inputs(EXPORT_JOB)),
        output:
            directory(export_outputs()[0]),
        params:
            settings=job_settings(EXPORT_JOB),
            lineage=job_lineage(EXPORT_JOB),
        log:
            log_path("export", GRID.preset).format(model=MODEL),
        benchmark:
            benchmark_path(log_path("export", GRID.preset).format(model=MODEL)),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/export_predictions.py"

    localrules:
        export_predictions,

# The selection question's estimates (preset `analysis: selection`): per task, its text vector on the base encoder
# (the intermediates of the grid and the targets), and per (intermediate, labelled target) the LogME of the target's
# features under the intermediate checkpoint of the first seed. Each is a job like any other: an intermediate's new
# settings make its LogME estimates stale, and nobody else's.

if "selection" in GRID.analysis():
    SELECTION_TEXT_JOB = lambda wc: JOBS.selection_text(wc.model, wc.name)
    SELECTION_LOGME_JOB = lambda wc: JOBS.selection_logme(wc.model, wc.intermediate, wc.target, wc.seed)

    rule selection_text:
        input:
            unpack(job_inputs(SELECTION_TEXT_JOB)),
        output:
            P.SELECTION_TEXT,
        params:
            settings=job_settings(SELECTION_TEXT_JOB),
            lineage=job_lineage(SELECTION_TEXT_JOB),
        wildcard_constraints:
            name="|".join(re.escape(n) for n in JOBS.selection_candidates() + list(GRID.targets)),
        threads: GRID.threads("evaluate")
        resources:
            gpu=1,
        log:
            log_path("selection", "text", "{name}"),
        benchmark:
            benchmark_path(log_path("selection", "text", "{name}")),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/selection_estimate.py"

    rule selection_logme:
        input:
            unpack(job_inputs(SELECTION_LOGME_JOB)),
        output:
            P.SELECTION_LOGME,
        params:
            settings=job_settings(SELECTION_LOGME_JOB),
            lineage=job_lineage(SELECTION_LOGME_JOB),
        wildcard_constraints:
            intermediate="|".join(re.escape(n) for n in JOBS.selection_candidates()),
            target="|".join(re.escape(t) for t in GRID.trained_targets),
        threads: GRID.threads("evaluate")
        resources:
            gpu=1,
        log:
            log_path("selection", "logme", "{intermediate}", "{target}", "seed{seed}"),
        benchmark:
            benchmark_path(log_path("selection", "logme", "{intermediate}", "{target}", "seed{seed}")),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/selection_estimate.py"

# Phase 5: the tidy long table, the paper-style table (with the best intermediate per target, chosen on dev), the
# XTREME score, the gains heatmap and the guards' warnings.


AGGREGATE_JOB = lambda wc: JOBS.aggregate


rule aggregate:
    input:
        unpack(job_inputs(AGGREGATE_JOB)),
    output:
        scores=report(aggregate_outputs()["scores"], caption="../report/scores.rst", category="Tables"),
        paper_table=aggregate_outputs()["paper_table"],
        paper_markdown=report(
            aggregate_outputs()["paper_markdown"], caption="../report/paper_table.rst", category="Tables"
        ),
        xtreme=report(aggregate_outputs()["xtreme"], caption="../report/xtreme.rst", category="Tables"),
        categories=report(aggregate_outputs()["categories"], caption="../report/categories.rst", category="Tables"),
        best=report(aggregate_outputs()["best"], caption="../report/best_per_target.rst", category="Tables"),
        warnings=report(aggregate_outputs()["warnings"], caption="../report/warnings.rst", category="Tables"),
        heatmap=report(aggregate_outputs()["heatmap"], caption="../report/heatmap.rst", category="Figures"),
    params:
        settings=job_settings(AGGREGATE_JOB),
        lineage=job_lineage(AGGREGATE_JOB),
    log:
        log_path("aggregate", GRID.preset).format(model=MODEL),
    benchmark:
        benchmark_path(log_path("aggregate", GRID.preset).format(model=MODEL)),
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/aggregate.py"

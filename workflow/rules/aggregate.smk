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


# The results site (stiltgrid.results.page): index.html opens on the answer (paper table with seeds' spread, best-dev
# row, XTREME score, warnings); a page per target (gains per language), per cell (training curves) and per research
# question. Each page is self-contained, so Snakemake's report takes them one by one (category Results), and
# workflow/report/workflow.rst puts the answer (landing.inc) on the report's opening view.
RESULTS_PAGE_JOB = lambda wc: JOBS.results_page


rule results_page:
    input:
        unpack(job_inputs(RESULTS_PAGE_JOB)),
    output:
        report(
            directory(JOBS.results_page_output()),
            patterns=["{page}.html"],
            category="Results",
            labels={"page": "{page}"},
        ),
    params:
        settings=job_settings(RESULTS_PAGE_JOB),
        lineage=job_lineage(RESULTS_PAGE_JOB),
    log:
        log_path("results_page", GRID.preset).format(model=MODEL),
    benchmark:
        benchmark_path(log_path("results_page", GRID.preset).format(model=MODEL)),
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/results_page.py"


localrules:
    results_page,

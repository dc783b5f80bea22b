# Phase 5: the tidy long table, the paper-style table, the XTREME score and the gains heatmap.


rule aggregate:
    input:
        cells=cell_dirs(grid_cells()),
    output:
        scores=report(aggregate_outputs()["scores"], caption="../report/scores.rst", category="Tables"),
        paper_table=aggregate_outputs()["paper_table"],
        paper_markdown=report(
            aggregate_outputs()["paper_markdown"], caption="../report/paper_table.rst", category="Tables"
        ),
        xtreme=report(aggregate_outputs()["xtreme"], caption="../report/xtreme.rst", category="Tables"),
        categories=report(aggregate_outputs()["categories"], caption="../report/categories.rst", category="Tables"),
        heatmap=report(aggregate_outputs()["heatmap"], caption="../report/heatmap.rst", category="Figures"),
    params:
        metrics=all_metrics(),
        task_languages={t: GRID.languages(t) for t in GRID.targets},
        baseline=NONE,
        intermediates=list(GRID.intermediates),
        targets=list(GRID.targets),
    log:
        log_path("aggregate", GRID.preset).format(model=MODEL),
    conda:
        "../../envs/analysis.yaml"
    script:
        "../scripts/aggregate.py"

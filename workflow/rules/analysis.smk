# The five research questions (preset `analysis:`), each a table, a figure and a generated summary under
# results/<model>/analysis/<preset>/<question>/, read from the per-language metrics of the cells it compares
# (variants included: asking for them is what schedules their training).

for _question in [q for q in ANALYSES if q in GRID.analysis()]:

    rule:
        name:
            f"analysis_{_question}"
        input:
            **analysis_inputs(_question),
        output:
            table=report(analysis_outputs(_question)["table"], category="Analyses", subcategory=_question),
            figure=report(analysis_outputs(_question)["figure"], category="Analyses", subcategory=_question),
            summary=report(analysis_outputs(_question)["summary"], category="Analyses", subcategory=_question),
        params:
            metrics=cell_metrics(GRID.analysis_cells(_question)),
            perturbed=perturbed_metrics() if _question == "robustness" else [],
            question=_question,
            section=GRID.analysis()[_question],
            targets=GRID.analysis_targets(_question),
            intermediates=GRID.analysis_intermediates(_question),
            task_languages={t: GRID.languages(t) for t in GRID.analysis_targets(_question)},
            difficulty_tasks=difficulty_tasks() if _question == "robustness" else {},
            bootstrap=GRID.analysis()["bootstrap"],
            alpha=GRID.analysis()["alpha"],
            seed=GRID.analysis()["seed"],
        log:
            log_path("analysis", GRID.preset, _question).format(model=MODEL),
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/analysis.py"


rule analysis:
    input:
        [out for q in ANALYSES if q in GRID.analysis() for out in analysis_outputs(q).values()],


localrules:
    analysis,

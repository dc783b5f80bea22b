# The six research questions (preset `analysis:`), each a table, a figure and a generated summary under
# results/<model>/analysis/<preset>/<question>/, read from the per-language metrics of the cells it compares
# (variants included: asking for them is what schedules their training).

for _question in [q for q in ANALYSES if q in GRID.analysis()]:
    _job = lambda wc, question=_question: JOBS.analysis(question)

    rule:
        name:
            f"analysis_{_question}"
        input:
            unpack(job_inputs(_job)),
        output:
            table=report(analysis_outputs(_question)["table"], category="Analyses", subcategory=_question),
            figure=report(analysis_outputs(_question)["figure"], category="Analyses", subcategory=_question),
            summary=report(analysis_outputs(_question)["summary"], category="Analyses", subcategory=_question),
        params:
            settings=job_settings(_job),
            lineage=job_lineage(_job),
        log:
            log_path("analysis", GRID.preset, _question).format(model=MODEL),
        benchmark:
            benchmark_path(log_path("analysis", GRID.preset, _question).format(model=MODEL)),
        conda:
            "../../envs/analysis.yaml"
        script:
            "../scripts/analysis.py"


rule analysis:
    input:
        [out for q in ANALYSES if q in GRID.analysis() for out in analysis_outputs(q).values()],


localrules:
    analysis,

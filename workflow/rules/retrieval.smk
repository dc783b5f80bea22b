# Phase 4 for retrieval targets (BUCC, Tatoeba; LAReQA, Mewsli-X with mAP@20): no training, the intermediate encoder
# is scored directly, one job per cell writing a predictions file and a metrics JSON per language into the cell
# directory (its one declared output). Trainable targets are scored by the job that fine-tunes them (target.smk).

for _target in GRID.retrieval_targets:
    _job = lambda wc, target=_target: JOBS.cell(wc.model, wc.intermediate, target, wc.seed)

    rule:
        name:
            f"evaluate_{_target}"
        input:
            unpack(job_inputs(_job)),
        output:
            cell=directory(P.EVAL_DIR.replace("{target}", _target)),
        params:
            settings=job_settings(_job),
            lineage=job_lineage(_job),
        threads: GRID.threads("evaluate")
        resources:
            gpu=1,
        log:
            log_path("evaluate", "{intermediate}", _target, "seed{seed}"),
        benchmark:
            benchmark_path(log_path("evaluate", "{intermediate}", _target, "seed{seed}")),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/evaluate_retrieval.py"

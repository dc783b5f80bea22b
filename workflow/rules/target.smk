# Phases 3 + 4 for trainable targets: one job per cell fine-tunes on the English training set, then scores every
# language of the target and writes a predictions file and a metrics JSON per language into the cell directory (the
# job's one declared output; stiltgrid.core.paths names the files in it). Measured here, a job pays ~5 s of
# torch/transformers start-up before any work; a separate evaluation job per cell would double that over the grid
# and, at paper scale, write and re-read 2.2 GB of fine-tuned weights and queue a second GPU job per cell.
# Languages differ per target, so each target gets its own rule (train_<target>).

for _target in GRID.trained_targets:
    _job = lambda wc, target=_target: JOBS.cell(wc.model, wc.intermediate, target, wc.seed)

    rule:
        name:
            f"train_{_target}"
        input:
            unpack(job_inputs(_job)),
        output:
            cell=directory(P.EVAL_DIR.replace("{target}", _target)),
        params:
            settings=job_settings(_job),
            lineage=job_lineage(_job),
        threads: GRID.threads("train")
        resources:
            gpu=1,
        log:
            log_path("target", "{intermediate}", _target, "seed{seed}"),
        benchmark:
            benchmark_path(log_path("target", "{intermediate}", _target, "seed{seed}")),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/train_target.py"

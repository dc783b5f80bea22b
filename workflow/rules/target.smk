# Phases 3 + 4 for trainable targets: one job per cell fine-tunes on the English training set, then scores every
# language of the target and writes a predictions file and a metrics JSON per language. Measured here, a job pays
# ~5 s of torch/transformers start-up before any work; a separate evaluation job per cell would double that over the
# grid and, at paper scale, write and re-read 2.2 GB of fine-tuned weights and queue a second GPU job per cell.
# Languages differ per target, so each target gets its own rule (train_<target>).

for _target in GRID.trained_targets:

    rule:
        name:
            f"train_{_target}"
        input:
            init=encoder_dir,
            data=[task_dir(_target)],
        output:
            predictions=expand(P.PREDICTIONS, target=_target, lang=GRID.languages(_target), allow_missing=True),
            metrics=expand(P.METRICS, target=_target, lang=GRID.languages(_target), allow_missing=True),
            summary=P.TRAIN_SUMMARY.replace("{target}", _target),
        params:
            tasks=[_target],
            languages=GRID.languages(_target),
            hparams=GRID.hparams("target", _target),
        threads: GRID.threads("train")
        resources:
            gpu=1,
        log:
            log_path("target", "{intermediate}", _target, "seed{seed}"),
        conda:
            "../../envs/stiltgrid.yaml"
        script:
            "../scripts/train_target.py"

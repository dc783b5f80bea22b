# Phase 1: the MLM checkpoint (hub id at a pinned revision | local directory | tiny MLM pre-trained from scratch).


rule mlm_checkpoint:
    input:
        unpack(mlm_inputs),
    output:
        directory(P.MODEL),
    params:
        spec=lambda wc: config["models"][wc.model],
    threads: GRID.threads("pretrain")
    log:
        "logs/models/{model}.log",
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/mlm_checkpoint.py"


# Downloads need the login node's internet; the tiny scratch model is cheap anywhere.
localrules:
    mlm_checkpoint,

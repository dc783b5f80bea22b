# Research variants of intermediate training (config `variants:`): the base task's English training set with a
# share of the examples made non-English, by translation or by code-switching through bilingual lexicons. The
# variant's name is then an intermediate like any task (train_intermediate, every target, the analyses).


rule augment_intermediate:
    input:
        unpack(augment_inputs),
    output:
        directory(P.VARIANT_DATA),
    params:
        variant=lambda wc: GRID.variants[wc.variant],
        source=lambda wc: config["datasets"][wc.dataset]["source"],
    log:
        "logs/data/{dataset}/variants/{variant}.log",
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/augment_intermediate.py"


localrules:
    augment_intermediate,

# Data: the generated offline world (one job per world dataset). Real datasets are fetched by their own rules.
from stiltgrid.world import WORLD_TASKS


rule generate_world:
    output:
        languages=P.LANGUAGES_TABLE,
        corpus=directory(P.CORPUS),
        tasks=directory(expand(P.TASK_DATA, task=sorted(WORLD_TASKS), allow_missing=True)),
    params:
        seed=lambda wc: config["datasets"][wc.dataset].get("seed", 0),
        corpus_sentences=lambda wc: config["datasets"][wc.dataset]["corpus_sentences"],
        sizes=lambda wc: config["datasets"][wc.dataset]["sizes"],
        world=lambda wc: config["datasets"][wc.dataset].get("world", {}),
    wildcard_constraints:
        dataset="|".join(WORLD_DATASETS),
    log:
        "logs/data/{dataset}.log",
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/make_world.py"

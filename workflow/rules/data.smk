# Data: the generated offline world (one job per world dataset). Real datasets are fetched by their own rules.
from stiltgrid.world import WORLD_TASKS


rule generate_world:
    output:
        languages=P.LANGUAGES_TABLE,
        corpus=directory(P.CORPUS),
        lexicons=directory(P.LEXICONS),
        entities=P.ENTITIES,
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


# Tasks declared in config from local files: validated once (every line of every file) into a task directory.
rule prepare_local_task:
    input:
        local_task_files,
    output:
        directory(P.LOCAL_TASK),
    params:
        spec=lambda wc: config["tasks"][wc.task],
    wildcard_constraints:
        task="|".join(LOCAL_TASKS) or "^$",
    log:
        "logs/data/local/{task}.log",
    conda:
        "../../envs/stiltgrid.yaml"
    script:
        "../scripts/prepare_local_task.py"


localrules:
    prepare_local_task,

# Grid enumeration from the validated config, wildcard constraints and input functions. Path patterns live in
# stiltgrid.paths; the grid itself in stiltgrid.config (kept free of heavy imports so parsing stays fast).
import os
import sys

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from stiltgrid import paths as P
from stiltgrid.config import ANALYSES, MULTITASK, NONE, ConfigError, load_grid

try:
    GRID = load_grid(config)
except ConfigError as err:
    sys.exit(f"config error: {err}\n")

MODEL = GRID.model_name
DATASET = GRID.dataset_name
WORLD_DATASETS = [name for name, d in config["datasets"].items() if d["source"] == "world"]


wildcard_constraints:
    model=r"[^/]+",
    dataset=r"[^/]+",
    intermediate="|".join(GRID.all_intermediates) or "none",
    target="|".join(GRID.targets),
    seed=r"\d+",
    lang=r"[^/.]+",
    variant="|".join(GRID.variants) or "^$",
    perturbation=r"[^/.]+",


LOCAL_TASKS = sorted(config.get("tasks") or {})


def task_dir(task):
    if task in LOCAL_TASKS:
        return P.LOCAL_TASK.format(task=task)
    return P.TASK_DATA.format(dataset=DATASET, task=task)


def intermediate_data(wildcards):
    """Training data of an intermediate: its task directories, or a variant's augmented set."""
    if wildcards.intermediate in GRID.variants:
        return [P.VARIANT_DATA.format(dataset=DATASET, variant=wildcards.intermediate)]
    return [task_dir(t) for t in GRID.intermediate_tasks(wildcards.intermediate)]


def augment_inputs(wildcards):
    """A variant reads its base task's English data, and its translations / lexicons (a generated world's own, or
    the files a real-data variant names with {lang})."""
    variant = GRID.variants[wildcards.variant]
    inputs = {"base": task_dir(variant["base"])}
    if config["datasets"][wildcards.dataset]["source"] == "world":
        inputs["world"] = P.LANGUAGES_TABLE.format(dataset=wildcards.dataset)  # world.json is written beside it
        inputs["lexicons"] = P.LEXICONS.format(dataset=wildcards.dataset)
    else:
        key = "translations" if variant["augment"] == "translate" else "lexicons"
        inputs[key] = [variant[key].replace("{lang}", lang) for lang in variant["languages"]]
    return inputs


def perturb_resources(target):
    """Lexicons (codeswitch) and entity gazetteer (entity_swap) the robustness perturbations of a target read: a
    generated world's own, or the files the preset's `analysis.robustness` names."""
    kinds = {spec["kind"] for spec in GRID.perturbations(target).values()}
    section = GRID.analysis().get("robustness", {})
    langs = GRID.languages(target)
    res = {}
    if GRID.dataset["source"] == "world":
        lexicon_dir = P.LEXICONS.format(dataset=DATASET)
        if "codeswitch" in kinds:
            res["lexicons"] = {lang: f"{lexicon_dir}/{lang}.tsv" for lang in langs}
        if "entity_swap" in kinds:
            res["entities"] = P.ENTITIES.format(dataset=DATASET)
    else:
        if "codeswitch" in kinds:
            res["lexicons"] = {lang: section["lexicons"].replace("{lang}", lang) for lang in langs}
        if "entity_swap" in kinds:
            res["entities"] = section["entities"]
    return res


def perturb_inputs(target):
    res = perturb_resources(target)
    if GRID.dataset["source"] == "world" and res:
        return [P.LEXICONS.format(dataset=DATASET), P.ENTITIES.format(dataset=DATASET)]
    return list(res.get("lexicons", {}).values()) + ([res["entities"]] if "entities" in res else [])


def local_task_files(wildcards):
    from stiltgrid.local_tasks import split_files

    return sorted(set(split_files(config["tasks"][wildcards.task]).values()))


def model_dir():
    return P.MODEL.format(model=MODEL)


def encoder_dir(wildcards):
    """The encoder a cell starts from: the MLM checkpoint for the baseline, else the intermediate checkpoint."""
    if wildcards.intermediate == NONE:
        return model_dir()
    return P.INTERMEDIATE.format(model=wildcards.model, intermediate=wildcards.intermediate, seed=wildcards.seed)


def log_path(phase, *parts):
    return os.path.join(P.LOGS, phase, *parts) + ".log"


def mlm_inputs(wildcards):
    """A scratch model pre-trains on its dataset's corpus; hub and local models need no input."""
    spec = config["models"][wildcards.model]
    if spec["source"] == "scratch":
        return {"corpus": P.CORPUS.format(dataset=spec["corpus"])}
    return {}


def aggregate_outputs():
    tables = P.TABLES.format(model=MODEL, preset=GRID.preset)
    figures = P.FIGURES.format(model=MODEL, preset=GRID.preset)
    return {
        "scores": f"{tables}/scores.tsv",
        "paper_table": f"{tables}/paper_table.tsv",
        "paper_markdown": f"{tables}/paper_table.md",
        "xtreme": f"{tables}/xtreme_score.tsv",
        "categories": f"{tables}/category_scores.tsv",
        "heatmap": f"{figures}/gains_heatmap.png",
    }


def cell_dirs(cells):
    """The output of each (intermediate, target, seed) cell: its directory, written by the one job that fine-tunes
    (or scores) the cell. Rules reading a whole grid depend on these (hundreds of inputs) rather than on every
    per-language file (thousands), which keeps DAG building fast; the per-language paths go in as params."""
    return [
        P.EVAL_DIR.format(model=MODEL, intermediate=inter, target=target, seed=seed)
        for inter, target in cells
        for seed in GRID.seeds
    ]


def grid_cells():
    return [(inter, target) for inter in GRID.intermediates for target in GRID.targets]


def cell_metrics(cells):
    """Per-language metrics files of (intermediate, target) cells."""
    return [
        P.METRICS.format(model=MODEL, intermediate=inter, target=target, seed=seed, lang=lang)
        for inter, target in cells
        for seed in GRID.seeds
        for lang in GRID.languages(target)
    ]


def languages_table():
    """Language metadata: a generated world's own table, or the package's 50-language table for real data."""
    if GRID.dataset["source"] == "world":
        return P.LANGUAGES_TABLE.format(dataset=DATASET)
    from stiltgrid.languages import DEFAULT_PATH

    return str(DEFAULT_PATH)


def analysis_outputs(question):
    out = P.ANALYSIS.format(model=MODEL, preset=GRID.preset, question=question)
    return {"table": f"{out}/table.tsv", "figure": f"{out}/figure.png", "summary": f"{out}/summary.md"}


def analysis_inputs(question):
    inputs = {"cells": cell_dirs(GRID.analysis_cells(question)), "languages": languages_table()}
    if question == "robustness":
        inputs["intermediates"] = [
            P.INTERMEDIATE.format(model=MODEL, intermediate=inter, seed=seed)
            for inter in difficulty_tasks()
            for seed in GRID.seeds
        ]
        inputs["task_data"] = sorted({task_dir(task) for task in difficulty_tasks().values()})
    return inputs


def perturbed_metrics():
    targets = GRID.analysis_targets("robustness") if "robustness" in GRID.analysis() else []
    return [
        P.PERTURBED_METRICS.format(model=MODEL, intermediate=inter, target=target, seed=seed, lang=lang,
                                   perturbation=name)
        for inter in GRID.intermediates
        for target in targets
        for seed in GRID.seeds
        for lang in GRID.languages(target)
        for name in GRID.perturbations(target)
    ]


def difficulty_tasks():
    """Intermediate -> the task its difficulty is measured on (a variant: its base task)."""
    return {inter: GRID.intermediate_tasks(inter)[0] for inter in GRID.intermediates
            if inter not in (NONE, MULTITASK)}


def all_metrics():
    return cell_metrics(grid_cells())


# -- real data (fetch.smk) -----------------------------------------------------------------------------------------
from stiltgrid import hub as HUB

HUB_DATASETS = [name for name, d in config["datasets"].items() if d["source"] == "hub"]


def fetch_languages(dataset, task):
    """Target languages to fetch: the grid's when this dataset is the preset's, else the official list (XTREME, or
    XTREME-R for its own tasks)."""
    from stiltgrid.config import official_languages
    from stiltgrid.tasks import get_task

    info = get_task(task)
    if info.role == "intermediate":
        return []
    if dataset == DATASET:
        return GRID.languages(task)
    langs = list(official_languages(task))
    return [lang for lang in langs if lang != "en"] if info.role == "retrieval" and info.pairs_with_english else langs


def fetch_spec(wildcards):
    try:
        return HUB.spec(wildcards.task, fetch_languages(wildcards.dataset, wildcards.task),
                        config["datasets"][wildcards.dataset])
    except HUB.FetchError as err:
        sys.exit(f"config error: dataset '{wildcards.dataset}': {err}\n")

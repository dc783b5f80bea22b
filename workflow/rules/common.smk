# Grid enumeration from the validated config, wildcard constraints and input functions. Path patterns live in
# stiltgrid.paths; the grid itself in stiltgrid.config (kept free of heavy imports so parsing stays fast).
import os
import sys

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from stiltgrid import paths as P
from stiltgrid.config import MULTITASK, NONE, ConfigError, load_grid

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
    intermediate="|".join(GRID.intermediates) or "none",
    target="|".join(GRID.targets),
    seed=r"\d+",
    lang=r"[^/.]+",


def task_dir(task):
    return P.TASK_DATA.format(dataset=DATASET, task=task)


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
        "heatmap": f"{figures}/gains_heatmap.png",
    }


def all_metrics():
    return [
        P.METRICS.format(model=MODEL, intermediate=inter, target=target, seed=seed, lang=lang)
        for inter in GRID.intermediates
        for target in GRID.targets
        for seed in GRID.seeds
        for lang in GRID.languages(target)
    ]


# -- real data (fetch.smk) -----------------------------------------------------------------------------------------
from stiltgrid import hub as HUB

HUB_DATASETS = [name for name, d in config["datasets"].items() if d["source"] == "hub"]


def fetch_languages(dataset, task):
    """Target languages to fetch: the grid's when this dataset is the preset's, else the official XTREME list."""
    from stiltgrid.tasks import get_task
    from stiltgrid.xtreme import task_languages

    role = get_task(task).role
    if role == "intermediate":
        return []
    if dataset == DATASET:
        return GRID.languages(task)
    langs = list(task_languages("bucc2018" if task == "bucc" else task))
    return [lang for lang in langs if lang != "en"] if role == "retrieval" else langs


def fetch_spec(wildcards):
    try:
        return HUB.spec(wildcards.task, fetch_languages(wildcards.dataset, wildcards.task),
                        config["datasets"][wildcards.dataset])
    except HUB.FetchError as err:
        sys.exit(f"config error: dataset '{wildcards.dataset}': {err}\n")

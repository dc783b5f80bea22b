"""Every path pattern of the workflow, defined once. Snakemake rules and Python code both format these."""

DATASET = "resources/data/{dataset}"
LANGUAGES_TABLE = DATASET + "/languages.tsv"
CORPUS = DATASET + "/corpus"
TASK_DATA = DATASET + "/tasks/{task}"
LEXICONS = DATASET + "/lexicon"          # generated worlds: lexicon/<lang>.tsv (english, word, pos)
ENTITIES = DATASET + "/entities.tsv"     # generated worlds: entity gazetteer (name, type)
VARIANT_DATA = DATASET + "/variants/{variant}"  # an augmented intermediate training set (research variants)
LOCAL_TASK = "resources/local_tasks/{task}"  # tasks declared in config from local files, shared by every dataset

MODEL = "resources/models/{model}"

RESULTS = "results/{model}"
INTERMEDIATE = RESULTS + "/intermediate/{intermediate}/seed{seed}"
EVAL_DIR = RESULTS + "/eval/{intermediate}/{target}/seed{seed}"
PREDICTIONS = EVAL_DIR + "/{lang}.predictions.jsonl"
METRICS = EVAL_DIR + "/{lang}.metrics.json"
TRAIN_SUMMARY = EVAL_DIR + "/train_summary.json"
RETRIEVAL_SUMMARY = EVAL_DIR + "/retrieval_summary.json"
PERTURBED_METRICS = EVAL_DIR + "/perturbed/{perturbation}/{lang}.metrics.json"

TABLES = RESULTS + "/tables/{preset}"
FIGURES = RESULTS + "/figures/{preset}"
ANALYSIS = RESULTS + "/analysis/{preset}/{question}"
LOGS = "logs/{model}"


def checkpoint_dir(output_dir: str) -> str:
    """Where a training job keeps its resumable state: a hidden sibling of its output, so Snakemake's clean-up of
    an incomplete output never deletes it, and a rerun of a killed job resumes from it."""
    parent, _, name = output_dir.rstrip("/").rpartition("/")
    return f"{parent}/.{name}.checkpoint" if parent else f".{name}.checkpoint"

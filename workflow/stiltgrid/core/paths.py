"""Every path pattern of the workflow, defined once. Snakemake rules and Python code both format these."""

import re

DATASET = "resources/data/{dataset}"
LANGUAGES_TABLE = DATASET + "/languages.tsv"
CORPUS = DATASET + "/corpus"
TASK_DATA = DATASET + "/tasks/{task}"
LEXICONS = DATASET + "/lexicon"  # generated worlds: lexicon/<lang>.tsv (english, word, pos)
ENTITIES = DATASET + "/entities.tsv"  # generated worlds: entity gazetteer (name, type)
VARIANT_DATA = DATASET + "/variants/{variant}"  # an augmented intermediate training set (research variants)
LOCAL_TASK = "resources/local_tasks/{task}"  # tasks declared in config from local files, shared by every dataset

# The files of a task directory (generated, fetched or declared): English train.jsonl and dev.jsonl, a test file per
# language (retrieval sets paired with English: a dev file per language too), and the candidate pool of query/pool
# retrieval (test.pool.jsonl).
POOL = "pool"


def split_file(split: str, lang: str | None = None) -> str:
    """A split's file name in a task directory: ``train.jsonl``, ``test.de.jsonl``, ``test.pool.jsonl``."""
    return f"{split}.{lang}.jsonl" if lang else f"{split}.jsonl"


MODEL = "resources/models/{model}"

RESULTS = "results/{model}"
INTERMEDIATE = RESULTS + "/intermediate/{intermediate}/seed{seed}"
# A cell (intermediate x target x seed) is one job, and its declared output is the cell directory: declaring the
# per-language files one by one (16,858 on the paper grid) doubled the time Snakemake takes to plan or to find
# nothing to do (bench/dag_scale.py). The files inside, relative to the cell directory:
EVAL_DIR = RESULTS + "/eval/{intermediate}/{target}/seed{seed}"
CELL_PREDICTIONS = "{lang}.predictions.jsonl"
CELL_METRICS = "{lang}.metrics.json"
# a declared target without an English test file is scored in English on its dev set (Grid.dev_languages)
CELL_DEV_PREDICTIONS = "dev.{lang}.predictions.jsonl"
CELL_DEV_METRICS = "dev.{lang}.metrics.json"
CELL_PERTURBED_METRICS = "perturbed/{perturbation}/{lang}.metrics.json"
CELL_TRAIN_SUMMARY = "train_summary.json"  # trainable targets: the fine-tuning summary, written last
CELL_RETRIEVAL_SUMMARY = "retrieval_summary.json"  # retrieval targets: the headline score per language, written last
METRICS = EVAL_DIR + "/" + CELL_METRICS
DEV_METRICS = EVAL_DIR + "/" + CELL_DEV_METRICS
PERTURBED_METRICS = EVAL_DIR + "/" + CELL_PERTURBED_METRICS

# The selection question's estimates (stiltgrid.engine.transferability): a task's text vector on the base encoder (an
# intermediate of the grid, or a target), and LogME of a target's features under an intermediate checkpoint.
SELECTION_TEXT = RESULTS + "/selection/text/{name}.json"
SELECTION_LOGME = RESULTS + "/selection/logme/{intermediate}/{target}/seed{seed}.json"

TABLES = RESULTS + "/tables/{preset}"
FIGURES = RESULTS + "/figures/{preset}"
ANALYSIS = RESULTS + "/analysis/{preset}/{question}"
REPORT = RESULTS + "/report/{preset}"  # the results site (stiltgrid.results.page): index.html opens on the answer
EXPORT = RESULTS + "/export/{preset}"  # one row's test predictions in XTREME's leaderboard layout (results.export)
LOGS_ROOT = "logs"
LOGS = LOGS_ROOT + "/{model}"  # jobs of one model; data and model jobs log under LOGS_ROOT


def cell_of(path: str) -> dict[str, str]:
    """model, intermediate, target and seed of a cell directory or a file inside one."""
    match = _CELL.search(path)
    if match is None:
        raise ValueError(f"'{path}' is not inside a cell directory ({EVAL_DIR})")
    return match.groupdict()


_CELL = re.compile(
    "(?:^|/)"
    + "".join(
        f"(?P<{part}>[^/]+?)" if i % 2 else re.escape(part) for i, part in enumerate(re.split(r"\{(\w+)\}", EVAL_DIR))
    )
    + "(?:/|$)"
)


def checkpoint_dir(output_dir: str) -> str:
    """Where a training job keeps its resumable state: a hidden sibling of its output, so Snakemake's clean-up of
    an incomplete output never deletes it, and a rerun of a killed job resumes from it."""
    parent, _, name = output_dir.rstrip("/").rpartition("/")
    return f"{parent}/.{name}.checkpoint" if parent else f".{name}.checkpoint"

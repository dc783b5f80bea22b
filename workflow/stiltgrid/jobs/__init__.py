"""What each Snakemake rule runs. Each job function takes the rule's ``snakemake`` object (input, output, params,
wildcards, threads, log) and makes one call into the engine, so the .smk files stay free of ML logic. A rule's script
names its function here (``stiltgrid.jobs:<function>``); the functions live in one module per phase.
"""

from stiltgrid.jobs.data import augment_intermediate, make_world, prepare_local_task
from stiltgrid.jobs.evaluate import evaluate_retrieval
from stiltgrid.jobs.fetch import fetch_task
from stiltgrid.jobs.results import aggregate, analyse, export_predictions, results_page
from stiltgrid.jobs.selection import selection_logme, selection_text
from stiltgrid.jobs.train import mlm_checkpoint, train_intermediate, train_target

__all__ = [
    "make_world",
    "prepare_local_task",
    "augment_intermediate",
    "fetch_task",
    "mlm_checkpoint",
    "train_intermediate",
    "train_target",
    "evaluate_retrieval",
    "selection_text",
    "selection_logme",
    "aggregate",
    "results_page",
    "export_predictions",
    "analyse",
]

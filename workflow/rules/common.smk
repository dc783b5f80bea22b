# Grid enumeration from the validated config, wildcard constraints and input functions. Path patterns live in
# stiltgrid.core.paths; the grid itself in stiltgrid.grid.config (kept free of heavy imports so parsing stays fast).
import os
import re
import sys

from stiltgrid.core import paths as P
from stiltgrid.grid.config import ANALYSES, NONE, ConfigError, load_grid
from stiltgrid.grid.dag import JobGraph
from stiltgrid.grid.lineage import Lineage

try:
    GRID = load_grid(config)
except ConfigError as err:
    sys.exit(f"config error: {err}\n")
for _warning in GRID.warnings:
    print(f"stiltgrid warning: {_warning}", file=sys.stderr)

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
    variant="|".join(GRID.augmented_variants) or "^$",
    perturbation=r"[^/.]+",


JOBS = JobGraph(config, GRID)
LINEAGE = Lineage(JOBS)


# Inputs and params of every job come from its Job in stiltgrid.grid.dag; the `lineage` param (the job's identity, from
# its settings, behaviour versions and every input's identity, recursively) from stiltgrid.grid.lineage.
def job_inputs(job):
    return lambda wildcards: job(wildcards).inputs


def job_settings(job):
    return lambda wildcards: job(wildcards).settings


def job_lineage(job):
    return lambda wildcards: LINEAGE.param(job(wildcards))


def log_path(phase, *parts, per_model=True):
    """A job's log: under the model's log directory, or (data and model jobs, shared by every model) directly under
    the log root."""
    return os.path.join(P.LOGS if per_model else P.LOGS_ROOT, phase, *parts) + ".log"


def benchmark_path(log):
    """Snakemake's benchmark record (wall, CPU, max RSS, I/O) of a job, beside its log under benchmarks/: read by
    bench/demo_profile.py and `stiltgrid plan --calibrate / --actual`."""
    return os.path.join("benchmarks", os.path.relpath(log, P.LOGS_ROOT)).removesuffix(".log") + ".tsv"


def aggregate_outputs():
    return JOBS.aggregate_outputs()


def analysis_outputs(question):
    return JOBS.analysis_outputs(question)


def export_outputs():
    return list(JOBS.export.outputs) if JOBS.export is not None else []


# -- real data (fetch.smk) -----------------------------------------------------------------------------------------
from stiltgrid.data import hub as HUB
from stiltgrid.data.availability import stop_message
from stiltgrid.cli.fetch import check_plan as check_locked_reads

HUB_DATASETS = [name for name, d in config["datasets"].items() if d["source"] == "hub"]
try:  # with a data lock every hub read of the grid must be locked: one line before any job, not a failing input
    check_locked_reads(JOBS)
except HUB.FetchError as err:
    sys.exit(f"data lock: {err}\n")


def fetch_job(wildcards):
    # A task whose licensed / off-hub local copy is missing stops the plan before any job runs, naming every missing
    # copy of the grid at once (stiltgrid.data.availability); only when the run needs one, so other targets still plan.
    if wildcards.dataset == DATASET and wildcards.task in GRID.unavailable:
        sys.exit(f"config error: {stop_message(GRID.preset, GRID.unavailable)}\n")
    try:
        return JOBS.fetch(wildcards.dataset, wildcards.task)
    except HUB.FetchError as err:
        sys.exit(f"config error: dataset '{wildcards.dataset}': {err}\n")

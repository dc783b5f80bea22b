"""Where the repository is, and a scratch copy of its workflow for tests that run Snakemake (with, for real-data
presets, a stand-in for the licensed CCGbank export)."""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_FILES = ("Snakefile", "config.yaml", "workflow", "profiles", "envs")


def copy_workflow(dest: Path) -> Path:
    """Copy what `snakemake` needs from the repository into ``dest`` (created if missing)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest


STAGGED = (
    "Pierre|NNP|N/N Vinken|NNP|N ,|,|, 61|CD|N/N years|NNS|N old|JJ|(S[adj]\\NP)\\NP .|.|.\n"
    "Mr.|NNP|N/N Vinken|NNP|N is|VBZ|(S[dcl]\\NP)/NP chairman|NN|N .|.|.\n"
)


def ccgbank(root: Path) -> Path:
    """A tiny CCGbank export in the layout the ``ccg`` converter reads (C&C supertagger files; 2 + 1 sentences):
    at ``resources/ccgbank`` of a workflow copy it lets a real-data preset with ``ccg`` plan."""
    root.mkdir(parents=True)
    (root / "train.stagged").write_text(STAGGED)
    (root / "wsj00.stagged").write_text("Rudolph|NNP|N/N Agnew|NNP|N\n")
    return root


def run_snakemake(workdir: Path, *args, check: bool = True, **run) -> subprocess.CompletedProcess:
    """`python -m snakemake ARGS` in ``workdir``; with ``check``, a failure raises with the end of its output."""
    cmd = [sys.executable, "-m", "snakemake", *map(str, args)]
    result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, **run)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def job_digests(config: dict) -> dict:
    """Lineage digest of every job of a config's grid, by job key (what each rule's `lineage` param carries)."""
    from stiltgrid.grid.args import grid_jobs
    from stiltgrid.grid.config import load_grid
    from stiltgrid.grid.dag import JobGraph
    from stiltgrid.grid.lineage import Lineage

    graph = JobGraph(config, load_grid(config))
    lineage = Lineage(graph)
    return {Lineage.key(job): lineage.digest(job) for job in grid_jobs(graph)}


def changed(before: dict, after: dict) -> set:
    """Keys of the jobs whose digest differs."""
    assert before.keys() == after.keys()
    return {key for key in before if before[key] != after[key]}


def planned_jobs(workdir: Path, *args) -> Counter:
    """Rule -> job count from the job-stats table of `snakemake -n ARGS` (empty when there is nothing to do)."""
    out = run_snakemake(workdir, "-n", *args).stdout
    jobs = Counter()
    if "Job stats:" not in out:
        return jobs
    for line in out.split("Job stats:", 1)[1].splitlines()[3:]:
        match = re.match(r"^(\S+)\s+(\d+)$", line.strip())
        if not match or match.group(1) == "total":
            break
        jobs[match.group(1)] = int(match.group(2))
    return jobs

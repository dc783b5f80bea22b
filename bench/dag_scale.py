"""Orchestration at scale: how long Snakemake takes to plan the `paper` grid, and to find nothing to do once it ran.

In a scratch copy of the workflow (offline: the hub is never contacted), measures side by side
  1. `snakemake -n --config preset=paper` with no results: the full plan;
  2. the same after every output exists (created empty, then `--touch`ed into DAG order): the no-op rerun;
  3. `snakemake --list-rules`: parsing the Snakefile alone (the floor every invocation pays).
`--seeds N` scales the grid (3 seeds = the paper's; 30 seeds is ~10x the jobs and per-language files). Each figure
is the wall-clock time of the command and, in brackets, the CPU seconds (user + system) of the Snakemake process and
its children, which change little when other work shares the machine.

    python bench/dag_scale.py                # paper grid as configured
    python bench/dag_scale.py --seeds 30     # ~3,300 jobs, ~53,000 metrics files
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_FILES = ("Snakefile", "config.yaml", "workflow", "profiles", "envs")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "STILTGRID_OFFLINE": "1"}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def snakemake(work: Path, *args: str) -> tuple[tuple[float, float], str]:
    """((wall s, CPU s), output) of one `snakemake --config preset=paper ARGS` in ``work``."""
    cmd = [sys.executable, "-m", "snakemake", "--config", "preset=paper", *args]
    started, cpu = time.perf_counter(), children_cpu()
    result = subprocess.run(cmd, cwd=work, env=ENV, capture_output=True, text=True)
    seconds = (time.perf_counter() - started, children_cpu() - cpu)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return seconds, result.stdout + result.stderr


def timed(work: Path, repeats: int, *args: str) -> tuple[tuple[float, float], str]:
    """Median wall-clock and median CPU seconds over ``repeats`` runs, and the last run's output."""
    runs = [snakemake(work, *args) for _ in range(repeats)]
    wall = statistics.median(t[0] for t, _ in runs)
    cpu = statistics.median(t[1] for t, _ in runs)
    return (wall, cpu), runs[-1][1]


def job_count(output: str) -> int:
    match = re.search(r"^total\s+(\d+)$", output, re.MULTILINE)
    return int(match.group(1)) if match else 0


def materialise_outputs(work: Path) -> int:
    """Create every output of the planned grid (directories for directory outputs, empty files otherwise)."""
    _, summary = snakemake(work, "--detailed-summary")
    made = 0
    for line in summary.splitlines():
        path = line.split("\t", 1)[0]
        if "\t" not in line or path == "output_file" or not path.startswith(("results/", "resources/")):
            continue
        target = work / path
        if "." in target.name:  # every file output has an extension; directory outputs never do
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
        else:
            target.mkdir(parents=True, exist_ok=True)
        made += 1
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=None, help="override the paper preset's seed count")
    parser.add_argument("--repeats", type=int, default=3, help="timings per measurement (median reported)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dag-scale-") as tmp:
        work = Path(tmp)
        for name in WORKFLOW_FILES:
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
        # the paper grid trains on CCGbank (licensed): a one-sentence stand-in export lets its full plan be built
        bank = work / "resources" / "ccgbank"
        bank.mkdir(parents=True)
        for split in ("train", "dev"):
            (bank / f"{split}.stagged").write_text("Pierre|NNP|N/N Vinken|NNP|N .|.|.\n")
        if args.seeds:
            config = yaml.safe_load((work / "config.yaml").read_text())
            config["presets"]["paper"]["seeds"] = list(range(1, args.seeds + 1))
            (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

        parse_s, _ = timed(work, args.repeats, "--list-rules")
        plan_s, plan = timed(work, args.repeats, "-n")
        jobs = job_count(plan)
        files = materialise_outputs(work)
        snakemake(work, "--touch", "--cores", "1")
        noop_s, noop = timed(work, args.repeats, "-n")
        if "Nothing to be done" not in noop:
            raise SystemExit(f"the no-op rerun planned jobs:\n{noop[-3000:]}")

    seeds = args.seeds or len(yaml.safe_load((ROOT / "config.yaml").read_text())["presets"]["paper"]["seeds"])
    print(
        f"paper grid, {seeds} seed(s): {jobs} jobs, {files} outputs; {os.cpu_count()} CPU(s); median of {args.repeats}"
    )
    print("  wall-clock s (CPU s)")
    print(f"  parse only (--list-rules)        {parse_s[0]:6.2f} ({parse_s[1]:.2f})")
    print(f"  dry run, nothing computed (-n)   {plan_s[0]:6.2f} ({plan_s[1]:.2f})")
    print(f"  no-op rerun, all up to date (-n) {noop_s[0]:6.2f} ({noop_s[1]:.2f})")
    print(f"  DAG work beyond parsing: plan {plan_s[0] - parse_s[0]:.2f} s, no-op {noop_s[0] - parse_s[0]:.2f} s")


if __name__ == "__main__":
    main()

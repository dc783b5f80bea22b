"""Job start-up with and without the fork server, measured side by side.

Each "job" is what Snakemake runs: a fresh interpreter that hands a function to stiltgrid.runtime.launch. The function
does what every stiltgrid job does before real work: import torch and transformers' XLM-R and BERT model classes.

    python bench/job_startup.py [--jobs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOB = (
    "import sys; sys.path.insert(0, {pkg!r}); from stiltgrid.runtime import launch; "
    "launch.run('bench_job_startup_target:work')"
)


def run_jobs(n: int, forkserver: bool) -> list[float]:
    env = {
        **os.environ,
        "STILTGRID_FORKSERVER": "1" if forkserver else "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "workflow"), str(Path(__file__).parent)]),
    }
    env.pop("SLURM_JOB_ID", None)
    code = JOB.format(pkg=str(ROOT / "workflow"))
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5)
    args = parser.parse_args()
    plain = run_jobs(args.jobs, forkserver=False)
    run_jobs(1, forkserver=True)  # start the server (its one-time import is the first job's cost)
    warm = run_jobs(args.jobs, forkserver=True)
    print(f"jobs: {args.jobs} each way, sequential")
    print(f"plain process : median {statistics.median(plain):.2f} s/job  ({', '.join(f'{t:.2f}' for t in plain)})")
    print(f"fork server   : median {statistics.median(warm):.2f} s/job  ({', '.join(f'{t:.2f}' for t in warm)})")
    print(f"speed-up      : {statistics.median(plain) / statistics.median(warm):.1f}x per job start")


if __name__ == "__main__":
    main()

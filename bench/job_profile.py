"""One job of a preset's grid, run in this process (no Snakemake, no fork server) under cProfile: where its CPU time
goes. The job reads the inputs the workflow would give it (they must exist: run the workflow up to them first) and
writes its outputs under a scratch directory, so the workflow's own results stay untouched.

    python bench/job_profile.py cell mnli xnli                  # a target cell: intermediate, target
    python bench/job_profile.py intermediate mnli               # an intermediate
    python bench/job_profile.py cell none bucc --top 30         # a retrieval cell
    python bench/job_profile.py cell none xnli --config preset=ci
    python bench/job_profile.py cell mnli xnli --split             # no profiler: CPU s of training and scoring

Prints CPU and wall seconds of the job and the cProfile table (cumulative time) of its top functions; with --split,
instead, the job runs without the profiler (whose per-call overhead inflates Python-heavy code ~10x) and the CPU
seconds of ``trainer.fit`` (training, with its dev evaluations) and ``inference.predict`` (every scoring pass, the
dev evaluations included) are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))
sys.path.insert(0, str(ROOT / "tests"))

from behaviour_probes import job as fake_job  # noqa: E402

from stiltgrid.cli.why import load_config  # noqa: E402
from stiltgrid.grid.config import load_grid  # noqa: E402
from stiltgrid.grid.dag import JobGraph  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("cell", "intermediate"))
    parser.add_argument("intermediate")
    parser.add_argument("target", nargs="?")
    parser.add_argument("--config", nargs="*", default=[])
    parser.add_argument("--seed", default="1")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=[], help="regular expressions a listed function must match")
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative or tottime")
    parser.add_argument("--split", action="store_true", help="no profiler; CPU seconds of fit and predict")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    config = load_config(".", [], args.config)
    graph = JobGraph(config, load_grid(config))
    model = graph.grid.model_name
    job = (
        graph.cell(model, args.intermediate, args.target, args.seed)
        if args.kind == "cell"
        else graph.intermediate(model, args.intermediate, args.seed)
    )

    from stiltgrid import jobs
    from stiltgrid.engine import inference, trainer
    from stiltgrid.runtime import launch

    for name in launch.PRELOAD:  # what the fork server has imported before any job starts
        importlib.import_module(name)

    function = {"train_intermediate": jobs.train_intermediate}.get(job.rule) or (
        jobs.evaluate_retrieval if job.rule.startswith("evaluate_") else jobs.train_target
    )
    scratch = Path(tempfile.mkdtemp(prefix="job_profile-"))
    outputs = {"cell" if args.kind == "cell" else "out": str(scratch / "out")}
    smk = fake_job(job.rule, job.settings, job.inputs, outputs, job.wildcards, scratch / "job.log")
    smk.threads = args.threads
    split: dict[str, float] = {}
    if args.split:
        for module, name in ((trainer, "fit"), (inference, "predict")):
            setattr(module, name, _cpu_clocked(getattr(module, name), split, name))
    profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
    cpu, wall = time.process_time(), time.perf_counter()
    function(smk) if args.split else profiler.runcall(function, smk)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{job.rule} {job.wildcards}: cpu {cpu:.1f} s, wall {wall:.1f} s, {args.threads} thread(s); "
        f"outputs in {scratch}"
    )
    if args.split:
        print(" ".join(f"{name} {seconds:.2f} s" for name, seconds in split.items()))
    else:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(*args.only, args.top)
    return 0


def _cpu_clocked(function, totals: dict, name: str):
    """``function``, adding the CPU seconds of each call to ``totals[name]``."""

    @functools.wraps(function)
    def clocked(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.process_time() - start

    return clocked


if __name__ == "__main__":
    sys.exit(main())

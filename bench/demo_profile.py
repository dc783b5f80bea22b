"""Where a finished run's time went: job-seconds per rule, the critical path and the idle core-seconds.

Reads the `benchmark:` record every rule writes (benchmarks/<...>.tsv beside its log: wall seconds; the file is
written as the job ends, so its mtime dates the end and ``end - s`` the start) and the preset's job graph
(stiltgrid.grid.dag: which job feeds which). Run it in the workflow's directory after `snakemake`, with the same
``--config`` / ``--configfile``:

    python bench/demo_profile.py                        # the default preset (demo)
    python bench/demo_profile.py --config preset=ci

Job-seconds are wall seconds of each job; a job's cores are its rule's `threads` (the preset's `threads:`). Idle
core-seconds = cores x run wall - sum of job-seconds x threads: what the scheduler left unused. The critical path is
the longest chain of dependent jobs by job-seconds: the run cannot be shorter than it on any number of cores.
(Jobs run in fork-server workers, so the records' CPU and RSS columns measure the job's client process only; wall
seconds are exact.)
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))

from stiltgrid.cli.why import load_config  # noqa: E402
from stiltgrid.grid.config import load_grid  # noqa: E402
from stiltgrid.grid.dag import JobGraph  # noqa: E402
from stiltgrid.grid.lineage import Lineage  # noqa: E402

# benchmark path (relative to benchmarks/, without .tsv) -> (rule, wildcards)
PATTERNS = [
    (r"data/local/(?P<task>[^/]+)", "prepare_local_task"),
    (r"data/(?P<dataset>[^/]+)/variants/(?P<variant>[^/]+)", "augment_intermediate"),
    (r"data/(?P<dataset>[^/]+)/(?P<task>[^/]+)", "fetch_task"),
    (r"data/(?P<dataset>[^/]+)", "generate_world"),
    (r"models/(?P<model>[^/]+)", "mlm_checkpoint"),
    (r"(?P<model>[^/]+)/intermediate/(?P<intermediate>[^/]+)/seed(?P<seed>\d+)", "train_intermediate"),
    (r"(?P<model>[^/]+)/(?:target|evaluate)/(?P<intermediate>[^/]+)/(?P<target>[^/]+)/seed(?P<seed>\d+)", "cell"),
    (r"(?P<model>[^/]+)/aggregate/(?P<preset>[^/]+)", "aggregate"),
    (r"(?P<model>[^/]+)/results_page/(?P<preset>[^/]+)", "results_page"),
    (r"(?P<model>[^/]+)/analysis/(?P<preset>[^/]+)/(?P<question>[^/]+)", "analysis"),
]


def job_of(graph: JobGraph, relative: str):
    for pattern, kind in PATTERNS:
        match = re.fullmatch(pattern, relative)
        if not match:
            continue
        wc = match.groupdict()
        if kind == "prepare_local_task":
            return graph.local_task(wc["task"])
        if kind == "augment_intermediate":
            return graph.variant(wc["dataset"], wc["variant"])
        if kind == "fetch_task":
            return graph.fetch(wc["dataset"], wc["task"])
        if kind == "generate_world":
            return graph.world(wc["dataset"])
        if kind == "mlm_checkpoint":
            return graph.model(wc["model"])
        if kind == "train_intermediate":
            return graph.intermediate(wc["model"], wc["intermediate"], wc["seed"])
        if kind == "cell":
            return graph.cell(wc["model"], wc["intermediate"], wc["target"], wc["seed"])
        if kind == "aggregate":
            return graph.aggregate
        if kind == "results_page":
            return graph.results_page
        return graph.analysis(wc["question"])
    return None


def threads(graph: JobGraph, rule: str) -> int:
    grid = graph.grid
    if rule == "mlm_checkpoint":
        return grid.threads("pretrain")
    if rule.startswith("train_"):
        return grid.threads("train")
    if rule.startswith("evaluate_"):
        return grid.threads("evaluate")
    return 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--directory", "-d", default=".")
    parser.add_argument("--config", nargs="*", default=[])
    parser.add_argument("--configfile", nargs="*", default=[])
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    os.chdir(args.directory)
    config = load_config(".", args.configfile, args.config)
    graph = JobGraph(config, load_grid(config))

    jobs = {}  # job key -> (rule, label, seconds, start, end, job)
    for path in Path("benchmarks").rglob("*.tsv"):
        relative = str(path.relative_to("benchmarks"))[: -len(".tsv")]
        job = job_of(graph, relative)
        if job is None:
            continue
        with path.open() as handle:
            seconds = float(next(csv.DictReader(handle, delimiter="\t"))["s"])
        end = path.stat().st_mtime
        cell = [v for k, v in job.wildcards.items() if k not in ("model", "dataset")]
        label = f"{job.rule}[{','.join(cell)}]" if cell else job.rule
        jobs[Lineage.key(job)] = (job.rule, label, seconds, end - seconds, end, job)
    if not jobs:
        print("no benchmark records under benchmarks/ for this preset: run snakemake first", file=sys.stderr)
        return 1

    start, finish = min(j[3] for j in jobs.values()), max(j[4] for j in jobs.values())
    wall = finish - start
    by_rule = defaultdict(list)
    for rule, _, seconds, *_ in jobs.values():
        by_rule[rule].append(seconds)
    print(
        f"run: {len(jobs)} jobs, wall {wall:.0f} s from the first job's start to the last job's end, {args.cores} cores"
    )
    print(f"{'rule':<24}{'jobs':>6}{'job-s':>10}{'mean':>9}{'max':>9}")
    for rule, secs in sorted(by_rule.items(), key=lambda item: -sum(item[1])):
        print(f"{rule:<24}{len(secs):>6}{sum(secs):>10.1f}{statistics.mean(secs):>9.1f}{max(secs):>9.1f}")
    busy = sum(seconds * threads(graph, rule) for rule, _, seconds, *_ in jobs.values())
    print(f"{'total':<24}{len(jobs):>6}{sum(j[2] for j in jobs.values()):>10.1f}")

    # longest chain of dependent jobs, by job-seconds (jobs in order of their end)
    longest: dict = {}
    for key, (_rule, _label, seconds, _, _end, job) in sorted(jobs.items(), key=lambda item: item[1][4]):
        best, via = 0.0, None
        for path in job.input_paths():
            producer = graph.producer(path)
            pkey = Lineage.key(producer) if producer else None
            if pkey in longest and longest[pkey][0] > best:
                best, via = longest[pkey][0], pkey
        longest[key] = (best + seconds, via)
    key = max(longest, key=lambda k: longest[k][0])
    total, chain = longest[key][0], []
    while key is not None:
        chain.append(f"{jobs[key][1]} {jobs[key][2]:.0f} s")
        key = longest[key][1]
    print(f"critical path: {total:.0f} s ({100 * total / wall:.0f} % of the wall): " + " -> ".join(reversed(chain)))
    idle = args.cores * wall - busy
    print(f"idle core-seconds: {idle:.0f} ({100 * idle / (args.cores * wall):.0f} % of {args.cores} x {wall:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Which grid a command reads, given as ``snakemake`` takes it (``--config``, ``--configfile``, ``--directory``): the
one way every ``stiltgrid`` command that reads a grid (why, plan, fetch, export) loads it, and the jobs it runs."""

from __future__ import annotations

import argparse
import os
import sys
from collections import deque
from pathlib import Path

import yaml

from stiltgrid.grid.config import ANALYSES, ConfigError, deep_merge, load_grid
from stiltgrid.grid.dag import Job, JobGraph
from stiltgrid.grid.lineage import Lineage


def load_config(workdir: str, configfiles: list[str], overrides: list[str]) -> dict:
    """config.yaml, then each --configfile, then --config KEY=VALUE (values read as YAML), as Snakemake merges them."""
    config = yaml.safe_load(Path(workdir, "config.yaml").read_text())
    for path in configfiles:
        config = deep_merge(config, yaml.safe_load(Path(path).read_text()) or {})
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"stiltgrid: --config takes KEY=VALUE, not '{item}'")
        config = deep_merge(config, {key: yaml.safe_load(value)})
    return config


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say which grid a command reads, as ``snakemake`` takes them."""
    parser.add_argument("--config", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--configfile", nargs="*", default=[], metavar="FILE")
    parser.add_argument("--directory", "-d", default=".", help="the workflow's working directory")


def graph_from_arguments(args: argparse.Namespace) -> JobGraph | None:
    """The job graph of the grid those options name, run from its directory; None after printing a config error."""
    os.chdir(args.directory)
    try:
        config = load_config(".", args.configfile, args.config)
        return JobGraph(config, load_grid(config))
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        return None


def grid_jobs(graph: JobGraph) -> list[Job]:
    """Every job the preset's targets need, upstream first."""
    roots = ([graph.aggregate] + [graph.analysis(q) for q in ANALYSES if q in graph.grid.analysis()]
             + ([graph.export] if graph.export is not None else []) + [graph.results_page])
    seen, order, queue = set(), [], deque(roots)
    while queue:
        job = queue.popleft()
        key = Lineage.key(job)
        if key in seen:
            continue
        seen.add(key)
        order.append(job)
        queue.extend(p for p in map(graph.producer, job.input_paths()) if p is not None)
    return order[::-1]

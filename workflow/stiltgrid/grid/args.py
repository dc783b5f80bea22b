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
            raise SystemExit(f"stiltgrid: --config takes KEY=VALUE, not '{item}' (outputs go before --config)")
        config = deep_merge(config, {key: yaml.safe_load(value)})
    return config


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say which grid a command reads, as ``snakemake`` takes them, plus ``--preset``."""
    parser.add_argument("--preset", help="the preset (default: config.yaml's); the same as --config preset=NAME")
    parser.add_argument("--config", action="extend", nargs="+", default=[], metavar="KEY=VALUE")
    parser.add_argument("--configfile", action="extend", nargs="+", default=[], metavar="FILE")
    parser.add_argument("--directory", "-d", default=".", help="the workflow's working directory")


def config_overrides(args: argparse.Namespace) -> list[str]:
    """The ``--config`` items those options amount to (``--preset`` last, so it wins)."""
    return args.config + ([f"preset={args.preset}"] if args.preset else [])


def config_from_arguments(args: argparse.Namespace) -> dict:
    """The merged config those options name, read from (and leaving the process in) their directory."""
    os.chdir(args.directory)
    return load_config(".", args.configfile, config_overrides(args))


def graph_from_arguments(args: argparse.Namespace) -> JobGraph | None:
    """The job graph of the grid those options name; None after printing a config error."""
    try:
        config = config_from_arguments(args)
        return JobGraph(config, load_grid(config))
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        return None


def grid_jobs(graph: JobGraph) -> list[Job]:
    """Every job the preset's targets need, upstream first."""
    roots = (
        [graph.aggregate]
        + [graph.analysis(q) for q in ANALYSES if q in graph.grid.analysis()]
        + ([graph.export] if graph.export is not None else [])
        + [graph.results_page]
    )
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

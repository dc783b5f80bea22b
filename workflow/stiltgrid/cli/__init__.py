"""The ``stiltgrid`` command: one entry point for the tools around the workflow (``stiltgrid COMMAND --help``).

Each command is a module with a ``main(argv)``, importable on its own; this file only dispatches, so ``stiltgrid
--help`` stays fast (no torch, no pandas).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

#: command -> ("module:function" taking argv, one line of help)
COMMANDS = {
    "why": ("stiltgrid.cli.why:main", "why a job would rerun: the changed setting, behaviour, input or upstream job"),
    "plan": ("stiltgrid.plan.planner:main", "GPU-hours, wall time and disk of a preset's grid before it runs"),
    "fetch": ("stiltgrid.cli.fetch:main", "fetch and lock every hub source and the model of a preset (login node)"),
    "export": ("stiltgrid.cli:export", "the preset's test predictions in the XTREME leaderboard layout"),
}


def export(argv: list[str]) -> int:
    """Build the preset's leaderboard export through Snakemake (so only what is stale reruns) and say where it is."""
    parser = argparse.ArgumentParser(prog="stiltgrid export", description=export.__doc__)
    from stiltgrid.grid.args import add_config_arguments, config_overrides, graph_from_arguments
    from stiltgrid.results.export import MANIFEST

    add_config_arguments(parser)
    parser.add_argument("--cores", default="all", help="passed to snakemake (default: all)")
    args = parser.parse_args(argv)
    graph = graph_from_arguments(args)
    if graph is None:
        return 1
    job = graph.export
    if job is None:
        print(
            f"stiltgrid export: preset '{graph.grid.preset}' exports nothing: set presets.{graph.grid.preset}."
            f"export (e.g. {{row: best-dev}}) and scores for a benchmark target",
            file=sys.stderr,
        )
        return 1
    out = job.outputs[0]
    cmd = [sys.executable, "-m", "snakemake", "--cores", args.cores, out]
    cmd += [
        flag
        for flag, values in (("--configfile", args.configfile), ("--config", config_overrides(args)))
        if values
        for flag in [flag, *values]
    ]
    done = subprocess.run(cmd)
    if done.returncode != 0:
        return done.returncode
    manifest = json.loads((Path(out) / MANIFEST).read_text())
    print(f"{out}: row {manifest['row']}, --xtreme_version {manifest['xtreme_version']}")
    for task, spec in manifest["tasks"].items():
        print(f"  {task}: {spec['intermediate']} (seed {spec['seed']}, {len(spec['languages'])} languages)")
    for target, why in manifest["skipped"].items():
        print(f"  {target}: skipped, {why}")
    return 0


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {help_}" for name, (_, help_) in COMMANDS.items()]
    return "usage: stiltgrid COMMAND [options]\n\ncommands:\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    if not argv or argv[0] not in COMMANDS:
        unknown = f"stiltgrid: unknown command '{argv[0]}'\n" if argv else ""
        print(unknown + usage(), file=sys.stderr)
        return 2
    module, _, function = COMMANDS[argv[0]][0].partition(":")
    return getattr(importlib.import_module(module), function)(argv[1:])

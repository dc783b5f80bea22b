"""Why would a job rerun? ``stiltgrid why [--config preset=ci] [--configfile F] [OUTPUT ...]``

Run from the workflow's directory with the same ``--config`` / ``--configfile`` as ``snakemake``. For every job of
the preset's grid (or the jobs writing the OUTPUTs named), compares the lineage its outputs were sealed with
(stiltgrid.grid.lineage) with today's, and prints what changed: a setting (``settings.hparams.lr: 0.001 -> 0.0005``), a
behaviour version of the engine, an input edited since it was produced, an external file's content, or -- followed
upstream, even when the upstream output is gone -- the change in the job that produced an input. Jobs whose outputs
are missing are listed as such; up-to-date jobs are not printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from stiltgrid.grid.args import add_config_arguments, graph_from_arguments, grid_jobs
from stiltgrid.grid.dag import Job
from stiltgrid.grid.lineage import Lineage, edited_files, read_manifest

MAX_DEPTH = 6


def _plain(value):
    return json.loads(json.dumps(value, default=str))


def _diff(old, new, where: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{where}.{key}" if where else str(key)
            if key not in old:
                lines.append(f"{sub}: added ({json.dumps(new[key])})")
            elif key not in new:
                lines.append(f"{sub}: removed (was {json.dumps(old[key])})")
            else:
                lines += _diff(old[key], new[key], sub)
        return lines
    return [] if old == new else [f"{where}: {json.dumps(old)} -> {json.dumps(new)}"]


class Explainer:
    def __init__(self, lineage: Lineage):
        self.lineage, self.graph = lineage, lineage.graph

    def status(self, job: Job) -> tuple[str, list[str]]:
        """('missing' | 'unsealed' | 'stale' | 'current', reasons)."""
        if not all(os.path.exists(out) for out in job.outputs):
            return "missing", []
        manifest = read_manifest(job.outputs[0])
        if manifest is None:
            return "unsealed", [
                "no manifest: written before lineage tracking or by hand (Snakemake decides by its own records)"
            ]
        if manifest["record"]["digest"] == self.lineage.digest(job):
            return "current", []
        return "stale", self.explain(manifest["record"], manifest.get("upstream", {}), job, 0)

    def explain(self, record: dict, upstream: dict, job: Job, depth: int) -> list[str]:
        now = _plain(self.lineage.components(job))
        lines = _diff(_plain(record["settings"]), now["settings"], "settings")
        lines += [
            f"{line} (engine behaviour version)" for line in _diff(record["behaviour"], now["behaviour"], "behaviour")
        ]
        current_inputs = {**now["inputs"], **now["reads"]}
        for path in sorted(set(record["inputs"]) | set(current_inputs)):
            old, new = record["inputs"].get(path), current_inputs.get(path)
            if old == new:
                continue
            if old is None or new is None:
                lines.append(f"input {path}: {'added' if old is None else 'no longer read'}")
                continue
            lines += self._explain_input(path, upstream.get(path), depth)
        return lines or ["lineage digest changed (no difference found in settings, behaviour or inputs)"]

    def _explain_input(self, path: str, recorded: dict | None, depth: int) -> list[str]:
        producer = self.graph.producer(path)
        if producer is None:
            return [f"input {path}: content changed (a file from outside the workflow)"]
        manifest = read_manifest(producer.outputs[0])
        edits = edited_files(path, manifest, self.lineage.hashes)
        if edits:
            shown = ", ".join(
                f"{os.path.relpath(p, path) if p != path else p}: {kind}" for p, kind in sorted(edits.items())[:5]
            )
            return [f"input {path}: edited since {producer.rule} produced it ({shown})"]
        if not os.path.exists(path):
            state = "missing, will be rebuilt"
        else:
            state = (
                "rebuilt since"
                if manifest and manifest["record"]["digest"] == self.lineage.digest(producer)
                else "stale"
            )
        head = f"input {path} ({producer.rule}, {state}):"
        if recorded is None or depth >= MAX_DEPTH:
            return [f"{head} its lineage changed"]
        upstream = manifest.get("upstream", {}) if manifest and manifest["record"] == recorded else {}
        return [head] + ["  " + line for line in self.explain(recorded, upstream, producer, depth + 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stiltgrid why", description=__doc__.split("\n\n")[0])
    parser.add_argument("outputs", nargs="*", help="outputs whose jobs to explain (default: the whole grid)")
    add_config_arguments(parser)
    args = parser.parse_args(argv)
    graph = graph_from_arguments(args)
    if graph is None:
        return 1
    explainer = Explainer(Lineage(graph))
    if args.outputs:
        jobs = []
        for out in args.outputs:
            job = graph.producer(out)
            if job is None:
                print(f"{out}: no job of preset '{graph.grid.preset}' writes it", file=sys.stderr)
                return 1
            jobs.append(job)
    else:
        jobs = grid_jobs(graph)
    counts: dict[str, int] = {}
    for job in jobs:
        state, reasons = explainer.status(job)
        counts[state] = counts.get(state, 0) + 1
        if state == "current" and not args.outputs:
            continue
        print(f"{job.outputs[0]} ({job.rule}): {state}")
        for line in reasons:
            print(f"  {line}")
    print(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

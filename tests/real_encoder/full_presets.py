"""The lineage of every job of the full-size presets (`paper`, `xtreme-r`), for the test that says the settings for
small tasks and sentence-embedding encoders left them as they were. Files the jobs read from the package (their
inputs or reads) are named
relative to it, so the digests do not depend on where the repository lies.

    PYTHONPATH=workflow python3 tests/real_encoder/full_presets.py    # rewrites full_presets_lineage.json
"""

import json
import os
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "full_presets_lineage.json"
PRESETS = ("paper", "xtreme-r")


def digests(config: dict) -> dict[str, str]:
    """Job key -> lineage digest of every job of the config's grid."""
    import stiltgrid
    from stiltgrid.grid.args import grid_jobs
    from stiltgrid.grid.config import load_grid
    from stiltgrid.grid.dag import JobGraph
    from stiltgrid.grid.lineage import Lineage, digest

    package = os.path.dirname(stiltgrid.__file__)
    graph = JobGraph(config, load_grid(config))
    lineage = Lineage(graph)
    out = {}
    for job in grid_jobs(graph):
        parts = lineage.components(job)
        for kind in ("inputs", "reads"):
            parts[kind] = {
                os.path.relpath(p, package) if p.startswith(package) else p: v for p, v in parts[kind].items()
            }
        out[" ".join(f"{k}" for k in (job.rule, *sorted(job.wildcards.items())))] = digest(parts)
    return out


def all_presets(root: Path) -> dict[str, dict[str, str]]:
    config = yaml.safe_load((root / "config.yaml").read_text())
    return {preset: digests({**config, "preset": preset}) for preset in PRESETS}


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent
    FIXTURE.write_text(json.dumps(all_presets(root), indent=0, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE}")

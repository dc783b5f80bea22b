"""Where the repository is, and a scratch copy of its workflow for tests that run Snakemake."""

import shutil
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

"""Where the repository is, and a scratch copy of its workflow for tests that run Snakemake."""

import shutil
import subprocess
import sys
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


def run_snakemake(workdir: Path, *args, check: bool = True, **run) -> subprocess.CompletedProcess:
    """`python -m snakemake ARGS` in ``workdir``; with ``check``, a failure raises with the end of its output."""
    cmd = [sys.executable, "-m", "snakemake", *map(str, args)]
    result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, **run)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}\n"
                             f"{result.stderr[-6000:]}")
    return result

"""The fetch rule in a real Snakemake run (a copy of the repository whose Snakefile includes fetch.smk): it fetches a
task from the mirror, a second run has nothing to do, a changed revision would refetch (the params carry it), and an
offline fetch fails with one line on stderr and no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from repo import ROOT

INCLUDE = 'include: "workflow/rules/fetch.smk"'


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("fetch-workflow")
    for name in ("Snakefile", "config.yaml", "workflow", "envs"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(
            src, work / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if src.is_dir() else {})
        )
    snakefile = work / "Snakefile"
    text = snakefile.read_text()
    if INCLUDE not in text:
        text = text.replace('include: "workflow/rules/data.smk"\n', f'include: "workflow/rules/data.smk"\n{INCLUDE}\n')
        snakefile.write_text(text)
    return work


def snakemake(work, *args, env=None):
    environ = {**os.environ, "STILTGRID_FORKSERVER": "0", **(env or {})}
    cmd = [sys.executable, "-m", "snakemake", *args, "--cores", "1", "--config", "preset=paper"]
    return subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=environ)


def test_fetch_rule_fetches_once_then_never_again(workdir, mirror):
    target = "resources/data/hub/tasks/sst2"
    run = snakemake(workdir, target, env={"STILTGRID_HUB_MIRROR": str(mirror)})
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(p.name for p in (workdir / target).iterdir() if not p.name.startswith(".")) == [
        "dev.jsonl",
        "task.json",
        "train.jsonl",
    ]
    again = snakemake(workdir, target, "-n", env={"HF_HUB_OFFLINE": "1"})
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def test_offline_fetch_rule_fails_with_one_line(workdir):
    run = snakemake(workdir, "resources/data/hub/tasks/qqp", env={"HF_HUB_OFFLINE": "1", "STILTGRID_HUB_MIRROR": ""})
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if "cannot fetch task" in line]
    assert len(lines) == 1, run.stderr[-3000:]
    assert lines[0].startswith("stiltgrid: cannot fetch task 'qqp': hub dataset 'nyu-mll/glue'")
    assert "stiltgrid fetch --preset paper" in lines[0]
    assert "Traceback" not in run.stderr

"""Exact staleness end to end on a finished `ci` grid (each test works on its own copy): a failed or killed rerun
never loses a change, edits inside generated data make exactly that task's cells stale, a behaviour version bump
makes exactly its phase stale while comments and renames make nothing stale, BUCC-only settings leave Tatoeba alone,
and jobs run the code of the checkout they belong to. `python -m stiltgrid.cli.why` names the cause."""

import os
import re
import shutil
import subprocess
import sys
from collections import Counter

import pytest
import yaml
from repo import ROOT, planned_jobs, run_snakemake

from stiltgrid.core.behaviour import VERSIONS

pytestmark = pytest.mark.slow
CI = yaml.safe_load((ROOT / "config.yaml").read_text())["presets"]["ci"]
TARGET_RULES = {"xnli": "train_xnli", "udpos": "train_udpos", "xquad": "train_xquad", "tatoeba": "evaluate_tatoeba"}
ARGS = ("--cores", "2", "--config", "preset=ci")


@pytest.fixture
def grid(ci_grid, tmp_path):
    work = tmp_path / "grid"
    shutil.copytree(ci_grid, work, symlinks=True)
    return work


def plan(work, *args) -> Counter:
    return planned_jobs(work, *ARGS, *args)


def why(work, *args) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "stiltgrid.cli.why", "--config", "preset=ci", *args],
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(work / "workflow")},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def row():
    """The mnli intermediate job, the cells below it, the aggregates and the leaderboard export."""
    return Counter(
        {
            "train_intermediate": 1,
            "aggregate": 1,
            "export_predictions": 1,
            "results_page": 1,
            "all": 1,
            **{TARGET_RULES[t]: 1 for t in CI["targets"]},
        }
    )


@pytest.mark.parametrize("forcerun", [False, True], ids=["rerun", "forcerun"])
def test_a_failed_rerun_keeps_the_change_stale(grid, tmp_path, forcerun):
    change = tmp_path / "change.yaml"
    change.write_text(
        yaml.safe_dump({"presets": {"ci": {"training": {"intermediate": {"tasks": {"mnli": {"lr": 0.00042}}}}}}})
    )
    extra = ["--forcerun", "results/tiny-ci/intermediate/mnli/seed1"] if forcerun else []
    failed = run_snakemake(
        grid,
        *ARGS,
        "--configfile",
        change,
        *extra,
        "--retries",
        "0",
        check=False,
        env={**os.environ, "STILTGRID_FAULT": "train_intermediate[intermediate=mnli]:fail_once"},
    )
    assert failed.returncode != 0 and "injected transient failure" in failed.stdout + failed.stderr
    assert not (grid / "results/tiny-ci/intermediate/mnli/seed1").exists()  # Snakemake removed the failed output
    assert plan(grid, "--configfile", change) == row()
    explained = why(grid, "--configfile", change)
    assert "results/tiny-ci/intermediate/mnli/seed1 (train_intermediate): missing" in explained
    assert (
        "input results/tiny-ci/intermediate/mnli/seed1 (train_intermediate, missing, will be rebuilt):\n"
        "    settings.hparams.lr: 0.001 -> 0.00042"
    ) in explained


def test_editing_generated_task_data_reruns_that_tasks_cells(grid):
    train = grid / "resources/data/world-ci/tasks/udpos/train.jsonl"
    os.utime(train)  # a touch changes nothing
    assert plan(grid) == Counter()
    lines = train.read_text().splitlines(keepends=True)
    train.write_text("".join(lines[:3] + [lines[4], lines[3]] + lines[5:]))  # two lines swapped: same size
    expected = Counter(
        {"train_udpos": len(CI["intermediate"]), "aggregate": 1, "export_predictions": 1, "results_page": 1, "all": 1}
    )
    assert plan(grid) == expected
    assert re.search(
        r"input resources/data/world-ci/tasks/udpos: edited since generate_world produced it "
        r"\(train.jsonl: edited\)",
        why(grid),
    )
    with train.open("a") as handle:  # and appended
        handle.write(lines[0])
    assert plan(grid) == expected


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_code_changes_rerun_only_when_behaviour_is_versioned(grid):
    package = grid / "workflow" / "stiltgrid"
    # comments, whitespace and a rename change no output: nothing reruns
    _edit(
        package / "engine" / "trainer.py",
        "    started = time.time()\n",
        "\n    # a comment\n    started  =  time.time()\n",
    )
    _edit(package / "engine" / "embed.py", "import torch", "import torch  # re-worded")
    _edit(
        package / "jobs" / "evaluate.py",
        "    cell, headline, all_warnings = Path(smk.output.cell), {}, []",
        "    cell, best_by_lang, all_warnings = Path(smk.output.cell), {}, []",
    )
    _edit(package / "jobs" / "evaluate.py", "        headline[lang] = metrics", "        best_by_lang[lang] = metrics")
    _edit(package / "jobs" / "evaluate.py", "task.headline_metric: headline,", "task.headline_metric: best_by_lang,")
    assert plan(grid) == Counter()
    # a behaviour change comes with a version bump of its phase (tests/test_behaviour.py enforces it)
    version = VERSIONS["retrieval"]
    _edit(package / "core" / "behaviour.py", f'"retrieval": {version},', f'"retrieval": {version + 1},')
    assert plan(grid) == Counter(
        {
            "evaluate_tatoeba": len(CI["intermediate"]),
            "aggregate": 1,
            "export_predictions": 1,
            "results_page": 1,
            "all": 1,
        }
    )
    assert f"behaviour.retrieval: {version} -> {version + 1} (engine behaviour version)" in why(grid)


def test_bucc_settings_leave_tatoeba_alone(grid):
    change = grid / "margin.yaml"
    change.write_text(yaml.safe_dump({"presets": {"ci": {"retrieval": {"margin_k": 6, "mining": "bf16"}}}}))
    assert plan(grid, "--configfile", change) == Counter()
    change.write_text(yaml.safe_dump({"presets": {"ci": {"retrieval": {"layer": 1}}}}))
    assert plan(grid, "--configfile", change) == Counter(
        {
            "evaluate_tatoeba": len(CI["intermediate"]),
            "aggregate": 1,
            "export_predictions": 1,
            "results_page": 1,
            "all": 1,
        }
    )


def test_jobs_run_their_own_checkouts_code(tmp_path):
    """Checkout B runs with the interpreter whose editable install points at this repository (checkout A): its jobs
    import B's package and use B's fork server."""
    from repo import copy_workflow

    installed = subprocess.run(
        [sys.executable, "-c", "import stiltgrid; print(stiltgrid.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    ).stdout.strip()
    other = copy_workflow(tmp_path / "b")
    package = other / "workflow" / "stiltgrid"
    assert installed and os.path.dirname(installed) != str(package)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run_snakemake(other, "resources/data/world-ci/languages.tsv", *ARGS, env=env)
    log = (other / "logs/data/world-ci.log").read_text()
    used = re.search(r"stiltgrid package (\S+), fork server (\S+)", log)
    assert used, log
    assert used.group(1) == str(package)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); from stiltgrid.runtime import launch; print(launch.socket_path())"
    )
    own = subprocess.run(
        [sys.executable, "-c", probe, str(other / "workflow")], capture_output=True, text=True, env=env
    ).stdout.strip()
    theirs = subprocess.run(
        [sys.executable, "-c", probe, os.path.dirname(os.path.dirname(installed))],
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()
    assert used.group(2) in (own, "off") and own != theirs

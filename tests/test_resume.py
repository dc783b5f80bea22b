"""Faults at workflow level, injected with stiltgrid.runtime.faults (STILTGRID_FAULT) into a temp copy of the
repository:

* a training job SIGKILLed mid-training fails in Snakemake, leaves no output of its cell, and its rerun resumes from
  the last checkpoint and writes byte-identical metrics and predictions to an uninterrupted run (same seed, CPU);
* a non-finite loss stops the job at once with a message naming it, and no output of the cell exists;
* a transient failure of one job is retried (`--retries 1`, as profiles/workstation sets) and the grid completes.

The workflow tests share one copy: its reference run builds the world, the MLM checkpoint and one cell (none/xnli)."""

import json
import os
import signal
import subprocess
import sys
import time
import types

import pytest
import yaml
from repo import ROOT, copy_workflow, run_snakemake

from stiltgrid.core.paths import CELL_TRAIN_SUMMARY
from stiltgrid.runtime import faults

MODEL = "tiny-ci"
CELL = f"results/{MODEL}/eval/none/xnli/seed1"
TARGET = CELL  # a cell is asked for by its directory, the one output of its job
CELL_LOG = f"logs/{MODEL}/target/none/xnli/seed1.log"


# --- the hook itself (fast) -----------------------------------------------------------------------------------------


@pytest.fixture
def fault(monkeypatch, tmp_path):
    """Set STILTGRID_FAULT (markers under tmp_path) and forget the current job afterwards."""
    monkeypatch.setattr(faults, "_job", {"rule": None, "tasks": (), "wildcards": {}})
    monkeypatch.setenv(faults.DIR_ENV, str(tmp_path / "markers"))

    def set_fault(spec):
        monkeypatch.setenv(faults.ENV, spec)

    return set_fault


def fake_job(rule="train_xnli", tasks=("xnli",), **wildcards):
    wildcards = {"model": MODEL, "intermediate": "none", "seed": "1", **wildcards}
    params = types.SimpleNamespace(settings={"tasks": list(tasks)})
    return types.SimpleNamespace(rule=rule, params=params, wildcards=wildcards)


def test_hooks_do_nothing_by_default(monkeypatch):
    monkeypatch.delenv(faults.ENV, raising=False)
    faults.job_started(fake_job())
    loss = object()
    assert all(faults.training_loss("xnli", step, loss) is loss for step in range(1, 50))


def test_fail_once_fails_the_first_attempt_of_the_chosen_job_only(fault):
    fault("train_xnli[intermediate=mnli]:fail_once")
    faults.job_started(fake_job(intermediate="none"))  # another job of the rule: untouched
    with pytest.raises(faults.InjectedFault, match="injected transient failure"):
        faults.job_started(fake_job(intermediate="mnli"))
    faults.job_started(fake_job(intermediate="mnli"))  # the retry
    fault("xnli:fail_once")  # by task name
    with pytest.raises(faults.InjectedFault):
        faults.job_started(fake_job(intermediate="squad"))


def test_nan_at_step_poisons_that_step_only(fault):
    torch = pytest.importorskip("torch")
    fault("xnli:nan_at_step:3")
    faults.job_started(fake_job())
    loss = torch.tensor(0.5)
    assert [bool(torch.isfinite(faults.training_loss("xnli", s, loss))) for s in (1, 2, 3, 4)] == [1, 1, 0, 1]
    assert torch.isfinite(faults.training_loss("udpos", 3, loss))  # another task: untouched


def test_kill_at_step_sigkills_the_process_once(tmp_path):
    code = "from stiltgrid.runtime import faults\nfor step in range(1, 6): faults.training_loss('xnli', step, 0.0)\n"
    env = {
        **os.environ,
        faults.ENV: "xnli:kill_at_step:4",
        faults.DIR_ENV: str(tmp_path),
        "PYTHONPATH": str(ROOT / "workflow"),
    }
    first = subprocess.run([sys.executable, "-c", code], env=env)
    assert first.returncode == -9  # SIGKILL
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0  # the retry is not killed


def test_a_malformed_fault_is_refused(fault):
    fault("train_xnli:explode")
    with pytest.raises(ValueError, match="STILTGRID_FAULT"):
        faults.job_started(fake_job())


# --- workflow level (slow) ------------------------------------------------------------------------------------------


def no_fault_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in (faults.ENV, faults.DIR_ENV)}


def snakemake(workdir, *args, fault=None, fault_dir=None, check=True, timeout=1800):
    """`snakemake --cores 2 --config preset=ci ARGS` in workdir, with STILTGRID_FAULT set only when given."""
    env = no_fault_env()
    if fault:
        env.update({faults.ENV: fault, faults.DIR_ENV: str(fault_dir)})
    return run_snakemake(workdir, *args, "--cores", "2", "--config", "preset=ci", check=check, env=env, timeout=timeout)


def planned(workdir, *targets) -> str:
    """The dry-run plan (Snakemake's output) for targets."""
    result = snakemake(workdir, "-n", *targets)
    return result.stdout + result.stderr


def grid_of(workdir):
    from stiltgrid.grid.config import load_grid

    config = yaml.safe_load((workdir / "config.yaml").read_text())
    return load_grid({**config, "preset": "ci"})


def cell_files(cell_dir) -> dict[str, bytes]:
    """Every per-language output of a cell (metrics and predictions), by name."""
    return {p.name: p.read_bytes() for p in sorted(cell_dir.glob("*.*.json*"))}


def checkpoint_of(cell_dir):
    return cell_dir.parent / f".{cell_dir.name}.checkpoint"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A copy of the repository in which the uninterrupted reference run of one cell (none/xnli) has finished."""
    work = tmp_path_factory.mktemp("resume")
    copy_workflow(work)
    snakemake(work, TARGET)
    reference = cell_files(work / CELL)
    assert len([n for n in reference if n.endswith(".metrics.json")]) == len(grid_of(work).languages("xnli"))
    return types.SimpleNamespace(dir=work, reference=reference)


@pytest.mark.slow
def test_killed_training_job_resumes_to_identical_metrics(work, tmp_path):
    cell, summary = work.dir / CELL, json.loads((work.dir / CELL / CELL_TRAIN_SUMMARY).read_text())
    every = grid_of(work.dir).hparams("target", "xnli")["checkpoint_every"]
    assert every < summary["steps"], "the reference run must write a periodic checkpoint before it ends"
    resume_at = 2 * every if 2 * every < summary["steps"] else every  # after an evaluation, where possible
    kill_at = min(resume_at + max(1, every // 5), summary["steps"])

    killed = snakemake(
        work.dir,
        TARGET,
        "--forcerun",
        "train_xnli",
        check=False,
        fault_dir=tmp_path,
        fault=f"train_xnli[intermediate=none]:kill_at_step:{kill_at}",
    )
    out = killed.stdout + killed.stderr
    assert killed.returncode != 0 and "Error in rule train_xnli" in out, out[-3000:]
    assert list(tmp_path.iterdir()), "the kill fault did not fire"
    assert "exit status 137" in out, "the job should end by SIGKILL (exit status 128 + 9)"
    # Nothing of the killed cell is there or taken as complete; only its hidden checkpoint is left.
    assert not cell.exists() or sorted(p.name for p in cell.iterdir()) == []
    assert (checkpoint_of(cell) / "state.pt").exists()
    plan = planned(work.dir, TARGET)
    assert "train_xnli" in plan and "Nothing to be done" not in plan

    snakemake(work.dir, TARGET)  # the rerun, without the fault
    log = (work.dir / CELL_LOG).read_text()
    assert "resumed from" in log and f"at step {resume_at}/{summary['total_steps']}" in log, log[-3000:]
    assert cell_files(cell) == work.reference  # byte-equal metrics and predictions
    rerun = json.loads((cell / CELL_TRAIN_SUMMARY).read_text())
    assert {k: v for k, v in rerun.items() if k != "seconds"} == {k: v for k, v in summary.items() if k != "seconds"}
    assert not checkpoint_of(cell).exists()  # cleared once the outputs are complete
    assert "Nothing to be done" in planned(work.dir, TARGET)


@pytest.mark.slow
def test_kill_of_snakemake_and_its_job_leaves_nothing_taken_as_complete(work):
    """kill -9 of the whole run (Snakemake and the training job: a node dying) leaves no chance to clean up. Whatever
    the job had written stays marked incomplete (profiles/default: rerun-incomplete), so the rerun redoes the cell,
    resumes from the checkpoint, and matches the reference."""
    cell = work.dir / CELL
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        TARGET,
        "--forcerun",
        "train_xnli",
        "--cores",
        "2",
        "--config",
        "preset=ci",
    ]
    run = subprocess.Popen(
        cmd,
        cwd=work.dir,
        env=no_fault_env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 900
    while not (checkpoint_of(cell) / "state.pt").exists() and run.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert run.poll() is None, "the run ended before its training job wrote a checkpoint"
    os.killpg(run.pid, signal.SIGKILL)  # Snakemake, its job process (and so the job's fork-server worker)
    run.wait()
    # Stand-ins for outputs the killed job had written: every one of them, so only Snakemake's own record (the
    # job started and never finished) can tell that they are not complete.
    cell.mkdir(parents=True, exist_ok=True)
    for name in [*work.reference, CELL_TRAIN_SUMMARY]:
        (cell / name).write_text("{}\n")

    snakemake(work.dir, "--unlock")  # the killed Snakemake left its lock
    plan = planned(work.dir, TARGET)
    assert "train_xnli" in plan and "Nothing to be done" not in plan, plan[-2000:]
    snakemake(work.dir, TARGET)
    assert "resumed from" in (work.dir / CELL_LOG).read_text()
    assert cell_files(cell) == work.reference
    assert "Nothing to be done" in planned(work.dir, TARGET)


@pytest.mark.slow
def test_non_finite_loss_stops_the_job_and_writes_nothing(work, tmp_path):
    target = TARGET.replace("/xnli/", "/udpos/")
    cell = work.dir / CELL.replace("/xnli/", "/udpos/")
    failed = snakemake(work.dir, target, fault="train_udpos:nan_at_step:3", fault_dir=tmp_path, check=False)
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0 and "Error in rule train_udpos" in out
    # one line on the console, the traceback in the job's log only
    assert "stiltgrid: non-finite training loss (nan) on task 'udpos' at optimiser step 3" in out, out[-3000:]
    assert "Traceback" not in out
    log = (work.dir / CELL_LOG.replace("/xnli/", "/udpos/")).read_text()
    assert "non-finite training loss" in log and " dev " not in log  # stopped at once: no evaluation ran
    assert "NonFiniteLoss" in log and "Traceback" in log
    assert not cell.exists() or sorted(p.name for p in cell.iterdir()) == []
    assert not checkpoint_of(cell).exists()
    plan = planned(work.dir, target)
    assert "train_udpos" in plan and "Nothing to be done" not in plan


@pytest.mark.slow
def test_transient_failure_is_retried_and_the_grid_completes(work, tmp_path):
    from stiltgrid.core import paths

    done = snakemake(
        work.dir, "--retries", "1", fault="train_intermediate[intermediate=mnli]:fail_once", fault_dir=tmp_path
    )
    out = done.stdout + done.stderr
    assert len(list(tmp_path.iterdir())) == 1, "the fault fires on one job, once"
    assert "Error in rule train_intermediate" in out and "injected transient failure" in out, out[-3000:]
    grid = grid_of(work.dir)
    expected = [
        paths.METRICS.format(model=MODEL, intermediate=inter, target=target, seed=seed, lang=lang)
        for inter in grid.intermediates
        for target in grid.targets
        for seed in grid.seeds
        for lang in grid.languages(target)
    ]
    missing = [p for p in expected if not (work.dir / p).is_file()]
    assert not missing, f"{len(missing)} of {len(expected)} metrics files missing, e.g. {missing[:3]}"
    assert (work.dir / f"results/{MODEL}/tables/ci/scores.tsv").stat().st_size > 0
    assert "Nothing to be done" in planned(work.dir)

"""The fork server: jobs run in warm workers with the job's cwd, env, fds and exit status; a killed job's worker
dies with it; the fallback runs in-process."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from repo import ROOT

TESTS = ROOT / "tests"


def job(tmp_path, target, *args, env=None):
    """A job process as Snakemake would start it: a fresh interpreter calling launch.run."""
    code = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT / "workflow")!r}, {str(TESTS)!r}]
        from stiltgrid.runtime import launch
        launch.run({target!r}, *{args!r})
    """)
    run_env = {**os.environ, "LAUNCH_MARK": "mark", "STILTGRID_FORKSERVER_IDLE": "20", **(env or {})}
    run_env.pop("SLURM_JOB_ID", None)
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=run_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_job_runs_in_a_worker_with_its_cwd_env_and_output(tmp_path):
    proc = job(tmp_path, "launch_targets:write", str(tmp_path / "out.txt"), "hello")
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert (tmp_path / "out.txt").read_text() == f"hello {tmp_path} mark"
    assert "stdout from pid" in out and f"pid {proc.pid}" not in out  # ran in a forked worker, output reached us
    assert "stderr line" in err


def test_exit_status_and_errors_reach_the_job(tmp_path):
    proc = job(tmp_path, "launch_targets:fail", 3)
    proc.communicate(timeout=180)
    assert proc.returncode == 3
    proc = job(tmp_path, "launch_targets:crash")
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 1 and "ValueError: boom" in err


def test_killing_the_job_kills_its_worker(tmp_path):
    out = tmp_path / "slow.txt"
    proc = job(tmp_path, "launch_targets:sleep_then_write", str(out), 30)
    deadline = time.time() + 180
    while not (tmp_path / "slow.txt.pid").exists() and time.time() < deadline:
        time.sleep(0.1)
    worker = int((tmp_path / "slow.txt.pid").read_text())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker outlived its killed job")
    assert not out.exists()


def test_disabled_runs_in_process(tmp_path):
    proc = job(tmp_path, "launch_targets:write", str(tmp_path / "o.txt"), "x", env={"STILTGRID_FORKSERVER": "0"})
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert f"pid {proc.pid}" in out

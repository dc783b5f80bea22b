"""Workstation GPU assignment: concurrently running GPU jobs never share a device (simulated device count)."""

import os
import subprocess
import sys
import textwrap
import time

import pytest
from repo import ROOT

from stiltgrid.runtime import gpus

CHILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {pkg!r})
    from stiltgrid.runtime import gpus
    claimed = gpus.claim(1, lock_dir={locks!r})
    with open({out!r} + "/" + str(os.getpid()), "w") as f:
        f.write(os.environ["CUDA_VISIBLE_DEVICES"])
    time.sleep(float(sys.argv[1]))
""")


def spawn(tmp_path, seconds, env):
    script = CHILD.format(pkg=str(ROOT / "workflow"), locks=str(tmp_path / "locks"), out=str(tmp_path / "out"))
    return subprocess.Popen([sys.executable, "-c", script, str(seconds)], env=env, stderr=subprocess.PIPE, text=True)


def test_concurrent_jobs_get_distinct_devices_and_locks_die_with_the_process(tmp_path):
    (tmp_path / "out").mkdir()
    env = {**os.environ, "STILTGRID_GPUS": "0,1,2"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    env.pop("SLURM_JOB_ID", None)
    jobs = [spawn(tmp_path, 3, env) for _ in range(3)]
    deadline = time.time() + 60
    while len(list((tmp_path / "out").iterdir())) < 3 and time.time() < deadline:
        time.sleep(0.1)
    seen = sorted(p.read_text() for p in (tmp_path / "out").iterdir())
    assert seen == ["0", "1", "2"]  # three concurrent jobs, three different devices

    fourth = spawn(tmp_path, 0, env)  # all devices busy: a clear error, not a shared device
    assert fourth.wait(timeout=60) != 0 and "no free GPU" in fourth.stderr.read()

    jobs[0].kill()  # kill -9 releases the device
    jobs[0].wait()
    for job in jobs[1:]:
        job.wait(timeout=60)
    for p in (tmp_path / "out").iterdir():
        p.unlink()
    again = spawn(tmp_path, 0, env)
    assert again.wait(timeout=60) == 0
    assert [p.read_text() for p in (tmp_path / "out").iterdir()] == ["0"]


def test_scheduler_assignment_is_kept(monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    monkeypatch.setenv("STILTGRID_GPUS", "0,1,2,3")
    assert gpus.claim(1) == [] and os.environ["CUDA_VISIBLE_DEVICES"] == "3"


def test_no_gpu_claims_nothing(monkeypatch):
    monkeypatch.setenv("STILTGRID_GPUS", "")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    assert gpus.claim(1) == []


@pytest.mark.parametrize("count", [0])
def test_cpu_jobs_claim_nothing(count, monkeypatch):
    monkeypatch.setenv("STILTGRID_GPUS", "0")
    assert gpus.claim(count) == []

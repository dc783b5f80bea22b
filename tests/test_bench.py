"""Smoke tests of the benchmark scripts: each runs in its smallest mode and prints its figures."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_bench(script: str, *args: str) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_train_throughput_quick():
    out = run_bench("train_throughput.py", "--quick")
    for mode in ("ours", "ours-random", "fixed", "hf"):
        assert f"\n{mode} " in out
    assert "speed-up ours vs fixed" in out and "speed-up ours vs hf" in out
    assert "mean dev acc ours" in out and "mean dev acc fixed" in out


def test_retrieval_quick():
    out = run_bench("retrieval.py", "--quick")
    assert "faiss vs numpy:" in out and "identical pairs and order" in out
    assert "speed-up faiss flat (exact) vs numpy" in out and "ivf nlist" in out
    assert "bf16 vs numpy:" in out and "DIFFERENT" not in out.split("bf16 vs numpy:")[1].splitlines()[0]
    assert "bf16 screen:" in out and "speed-up bf16 screen (exact) vs numpy" in out


def test_gpu_mfu_tiny():
    out = run_bench("gpu_mfu.py", "--tiny", "--device", "cpu")
    assert "tokens/s" in out and "FLOPs/step = 6 x" in out
    assert "MFU: not meaningful on CPU" in out


def test_collate_pads_to_a_fixed_length():
    from stiltgrid.engine.features import collate

    feats = [{"input_ids": [0, 5, 2], "labels": 1}, {"input_ids": [0, 2], "labels": 0}]
    dynamic, fixed = collate(feats, 1), collate(feats, 1, pad_to=6)
    assert dynamic["input_ids"].shape == (2, 3) and fixed["input_ids"].shape == (2, 6)
    assert fixed["attention_mask"].sum() == dynamic["attention_mask"].sum() == 5
    assert (fixed["input_ids"][:, :3] == dynamic["input_ids"]).all()


@pytest.mark.parametrize(
    "name, peak",
    [
        ("NVIDIA H100 80GB HBM3", 989.4),
        ("NVIDIA H100 PCIe", 756.0),
        ("NVIDIA H200", 989.4),
        ("NVIDIA A100-SXM4-80GB", 312.0),
        ("NVIDIA H100 NVL", None),
        ("Tesla T4", None),
    ],
)
def test_gpu_peak_table(name, peak):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import gpu_mfu
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert gpu_mfu.peak_for(name) == peak
    # XLM-R Large, batch 32 x 256: 303,362,051 parameters outside the embeddings
    assert gpu_mfu.step_flops(303_362_051, 24, 1024, 256, 8192) == pytest.approx(15.53e12, rel=1e-3)


@pytest.mark.slow
def test_dag_scale_plans_the_paper_grid_and_finds_nothing_to_redo():
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "dag_scale.py"), "--repeats", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]  # exits non-zero if the no-op plans jobs
    jobs = int(proc.stdout.split(" jobs,", 1)[0].rsplit(" ", 1)[1])
    assert jobs > 300  # 11 intermediates x 9 targets x 3 seeds, plus fetches, training and aggregates
    for line in ("parse only", "dry run, nothing computed", "no-op rerun, all up to date"):
        assert line in proc.stdout


def test_lora_quick():
    out = run_bench("lora.py", "--quick")
    assert "\nfull " in out and "\nlora " in out and "LoRA vs full:" in out
    large = out.split("part 2:")[1]
    assert "full (encoder)             558,840,832   558,840,832      2.2 GB       1x" in large
    ratio = int(re.search(r"LoRA \+ MNLI head .* (\d+)x\n", large).group(1))
    assert ratio >= 50  # the goal: a LoRA intermediate checkpoint of XLM-R Large at least 50x smaller

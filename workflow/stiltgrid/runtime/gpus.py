"""Give each running GPU job its own device on a workstation.

Snakemake's ``gpu`` resource only counts: with ``--resources gpu=2`` two GPU jobs run at once, but Snakemake never
sets ``CUDA_VISIBLE_DEVICES``, so both would use device 0. Each job therefore claims a free device by taking an
exclusive ``flock`` on ``<lock_dir>/gpu<i>.lock`` and keeps the lock open for its lifetime; the kernel drops the lock
when the process ends, even on ``kill -9``, so a crashed job never leaks a device. Under a scheduler that already
assigned devices (SLURM sets ``CUDA_VISIBLE_DEVICES``) nothing is changed.

The devices come from ``STILTGRID_GPUS`` (e.g. ``0,1,2,3``; also how tests simulate a device count) or, when unset,
from ``nvidia-smi``; with neither there is no GPU and nothing is claimed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

DEFAULT_LOCK_DIR = Path(os.environ.get("STILTGRID_GPU_LOCKS", "/tmp/stiltgrid-gpu-locks"))
_held = []  # open lock files: keeping a reference keeps the lock


def available_devices() -> list[str]:
    listed = os.environ.get("STILTGRID_GPUS")
    if listed is not None:
        return [d.strip() for d in listed.split(",") if d.strip()]
    if shutil.which("nvidia-smi") is None:
        return []
    result = subprocess.run(
        ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"], capture_output=True, text=True, check=False
    )
    return [line.strip() for line in result.stdout.splitlines() if line.strip()] if result.returncode == 0 else []


def claim(count: int = 1, lock_dir: Path | str = DEFAULT_LOCK_DIR) -> list[str]:
    """Claim ``count`` free devices for this process and expose only them through CUDA_VISIBLE_DEVICES.

    Must run before CUDA is initialised. Returns the claimed device ids ([] when no GPU is present or a scheduler
    already assigned them)."""
    if count <= 0 or "SLURM_JOB_ID" in os.environ and "CUDA_VISIBLE_DEVICES" in os.environ:
        return []
    devices = available_devices()
    if not devices:
        return []
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    claimed = []
    for device in devices:
        handle = open(lock_dir / f"gpu{device}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        _held.append(handle)
        claimed.append(device)
        if len(claimed) == count:
            break
    if len(claimed) < count:
        raise RuntimeError(
            f"no free GPU: {count} wanted, {len(claimed)} free of {devices} (locks in {lock_dir}); "
            "is --resources gpu=N larger than the number of devices?"
        )
    os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(claimed)
    return claimed

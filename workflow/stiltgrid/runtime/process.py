"""Process-level set-up shared by every job: quiet libraries, threads, seeds, device and precision."""

from __future__ import annotations

import logging
import os
import random
import sys
from contextlib import nullcontext

import numpy as np
import torch

log = logging.getLogger("stiltgrid")


def setup(threads: int | None = None, log_path: str | None = None) -> None:
    """Configure logging to the job's log file (and stderr), quiet the HF libraries, and bound CPU threads."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_path:
        os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True
    )
    if threads:
        torch.set_num_threads(int(threads))
    sys.excepthook = _log_uncaught


def _log_uncaught(kind, error, tb) -> None:
    """Uncaught errors go to the job's log file too, where Snakemake points the user. An error raised on purpose
    (stiltgrid.core.errors.UserError) puts one line on the console and its traceback in the log file only."""
    from stiltgrid.core.errors import UserError

    if not isinstance(error, UserError):
        log.error("job failed: %s: %s", kind.__name__, error, exc_info=(kind, error, tb))
        return
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, "job failed: %s", (error,), (kind, error, tb))
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)
    print(f"stiltgrid: {error}", file=sys.stderr, flush=True)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def device() -> torch.device:
    # Each GPU job sees only its assigned device (CUDA_VISIBLE_DEVICES), so cuda:0 is always the right one.
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolved_precision(precision: str, dev: torch.device) -> str:
    """The precision a setting means on a device: bf16 on CUDA when asked for ("auto" or "bf16"), else fp32."""
    if dev.type == "cuda" and precision in ("auto", "bf16") and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


def autocast(precision: str, dev: torch.device):
    if resolved_precision(precision, dev) == "bf16":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return nullcontext()


def provenance(precision: str, lineage: dict | None = None) -> dict:
    """What produced a result: device, the precision actually used, library and behaviour versions, and the job's
    lineage digest (stiltgrid.grid.lineage)."""
    import platform

    import transformers

    dev = device()
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.machine()
    record = {
        "device": f"{dev.type} ({name})",
        "precision": resolved_precision(precision, dev),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    if lineage:
        record.update(behaviour=dict(lineage["behaviour"]), lineage=lineage["digest"])
    return record

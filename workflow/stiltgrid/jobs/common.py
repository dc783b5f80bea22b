"""What every job shares: the set-up of its process, the sealing of its outputs, reading a task's split."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from stiltgrid.core import paths
from stiltgrid.formats import read_jsonl
from stiltgrid.grid.lineage import seal_job
from stiltgrid.runtime import faults
from stiltgrid.runtime import process as runtime

log = runtime.log


def sealed(job):
    """A job function whose outputs, once complete, are sealed with their manifest (stiltgrid.grid.lineage)."""

    @functools.wraps(job)
    def run(smk) -> None:
        job(smk)
        seal_job(smk)

    return run


def setup(smk) -> None:
    from stiltgrid.grid.config import register_declared_tasks
    from stiltgrid.runtime import gpus, launch

    runtime.setup(threads=smk.threads, log_path=smk.log[0] if smk.log else None)
    # Which checkout's code runs this job (and through which fork server): the workflow's own (scripts put it first).
    log.info(
        "stiltgrid package %s, fork server %s",
        Path(__file__).parent.parent,
        launch.socket_path() if launch.enabled() else "off",
    )
    register_declared_tasks(smk.config)
    faults.job_started(smk)  # tests only: STILTGRID_FAULT (off by default)
    claimed = gpus.claim(int(smk.resources.get("gpu", 0)))
    if claimed:
        log.info("using GPU %s", ",".join(claimed))


def write_json(path: str | Path, payload: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def load_split(data_dir: str, task, split: str, labels: list[str] | None = None) -> list[dict]:
    # the same checks as a declared task's files (ids used twice included), for generated and fetched data too
    return read_jsonl(Path(data_dir) / paths.split_file(split), task.format, labels, unique_ids=True)


def metrics_record(
    smk,
    target: str,
    lang: str,
    metrics: dict,
    n: int,
    precision: str,
    split: str = "test",
    truncation=None,
    warnings=(),
) -> dict:
    wc = smk.wildcards
    record = {
        "model": wc.model,
        "intermediate": wc.intermediate,
        "target": target,
        "language": lang,
        "seed": int(wc.seed),
        "split": split,
        "n_examples": n,
        "metrics": metrics,
    }
    if truncation is not None:
        record["truncation"] = truncation
    return {
        **record,
        "warnings": [w for w in warnings if w],
        "provenance": runtime.provenance(precision, getattr(smk.params, "lineage", None)),
    }


def log_warnings(record: dict, where: str) -> None:
    for warning in record["warnings"]:
        log.warning("%s: %s", where, warning)

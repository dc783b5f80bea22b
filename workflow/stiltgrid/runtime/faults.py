"""Fault injection for tests: does nothing unless the environment variable ``STILTGRID_FAULT`` is set.

    STILTGRID_FAULT="WHERE:KIND[:N]"        several faults: separate them with ";"

WHERE  a rule (``train_xnli``, ``train_intermediate``, ``generate_world``, ...) or a task (``xnli``, ``mnli``),
       optionally narrowed to one job by wildcards: ``train_xnli[intermediate=none,seed=1]``; ``*`` matches every job.
KIND   ``fail_once``       the job raises :class:`InjectedFault` as it starts, on its first attempt only
       ``kill_at_step:N``  the training process SIGKILLs itself before optimiser step N, on its first attempt only
                           (pick N after the first ``checkpoint_every`` so a checkpoint exists to resume from)
       ``nan_at_step:N``   the training loss of optimiser step N is NaN, on every attempt

"First attempt only" is remembered per job by a marker file in ``STILTGRID_FAULT_DIR`` (default
``.snakemake/stiltgrid-faults`` under the job's working directory, so a retry sees it, also on SLURM). Snakemake passes
the environment to its jobs, locally and on SLURM (the plugin submits with ``--export=ALL``).

Hooks: ``stiltgrid.jobs`` calls :func:`job_started` as every job starts; ``stiltgrid.engine.trainer.fit`` passes each
training loss through :func:`training_loss`.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

from stiltgrid.core.errors import UserError

ENV, DIR_ENV = "STILTGRID_FAULT", "STILTGRID_FAULT_DIR"
KINDS = {"fail_once": False, "kill_at_step": True, "nan_at_step": True}  # kind -> takes a step number
_job: dict = {"rule": None, "tasks": (), "wildcards": {}}  # the job this process runs (set by job_started)


class InjectedFault(UserError, RuntimeError):
    pass


def _faults() -> list[tuple[str, dict, str, int | None]]:
    """(name, wildcard filter, kind, step) for each fault in STILTGRID_FAULT."""
    faults = []
    for spec in filter(None, (s.strip() for s in os.environ.get(ENV, "").split(";"))):
        match = re.fullmatch(r"([\w*]+)(?:\[([^\]]*)\])?:(\w+)(?::(\d+))?", spec)
        if not match or match.group(3) not in KINDS or KINDS[match.group(3)] != bool(match.group(4)):
            raise ValueError(
                f"{ENV}: cannot read {spec!r}; expected WHERE:fail_once, WHERE:kill_at_step:N or "
                "WHERE:nan_at_step:N (WHERE = rule or task, optionally [wildcard=value,...])"
            )
        name, filters, kind, step = match.groups()
        wanted = dict(f.split("=", 1) for f in filters.split(",") if f) if filters else {}
        faults.append((name, wanted, kind, int(step) if step else None))
    return faults


def _active(kind: str, task: str | None = None) -> list[tuple[str, int | None]]:
    """(spec, step) of the faults of ``kind`` aimed at the current job: at its rule, or at ``task`` (a training step)
    or, without ``task``, at any of the job's tasks."""
    if not os.environ.get(ENV):
        return []
    names = {_job["rule"], *([task] if task else _job["tasks"])} - {None}
    return [
        (f"{name}:{k}", step)
        for name, wanted, k, step in _faults()
        if k == kind
        and (name == "*" or name in names)
        and all(str(_job["wildcards"].get(key)) == value for key, value in wanted.items())
    ]


def _first_attempt(spec: str) -> bool:
    """True the first time this job reaches ``spec`` (leaves a marker for the next attempt)."""
    job = ".".join([_job["rule"] or "-", *(f"{k}={v}" for k, v in sorted(_job["wildcards"].items()))])
    marker = Path(os.environ.get(DIR_ENV) or ".snakemake/stiltgrid-faults") / re.sub(r"[^\w.=+-]", "_", f"{job}.{spec}")
    if marker.exists():
        return False
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{os.getpid()}\n")
    return True


def job_started(smk) -> None:
    """Hook: every job calls this as it starts. Records which job this is; raises for ``fail_once``."""
    _job.update(
        rule=getattr(smk, "rule", None),
        tasks=tuple(getattr(smk.params, "settings", {}).get("tasks") or ()),
        wildcards=dict(smk.wildcards.items()),
    )
    for spec, _ in _active("fail_once"):
        if _first_attempt(spec):
            raise InjectedFault(f"injected transient failure ({ENV}={spec}): this attempt fails, a retry succeeds")


def training_loss(task: str, step: int, loss):
    """Hook: ``fit`` passes the loss of optimiser step ``step`` (1-based) of ``task`` through this."""
    for spec, at in _active("kill_at_step", task):
        if step == at and _first_attempt(spec):
            os.kill(os.getpid(), signal.SIGKILL)
    for _spec, at in _active("nan_at_step", task):
        if step == at:
            return loss * float("nan")
    return loss

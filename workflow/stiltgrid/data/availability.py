"""Licensed or off-hub data, checked when the grid is planned.

A hub dataset builds most tasks from the hub, but some from a local copy the user provides: CCGbank for ``ccg``
(licensed, LDC2005T13) and the Mewsli-X release for ``mewslix`` (not on the hub), found through
``datasets.<name>.<key>`` (:data:`stiltgrid.data.hub.LOCAL_PATH_KEYS`). :func:`unavailable` looks each copy up the way
its converter will (:meth:`stiltgrid.hub.base.LocalSource.problem`: a few ``stat`` calls, no file read), so a grid that
needs a missing copy stops before any job (``workflow/rules/common.smk``) with one line per missing copy, instead of
a fetch job failing hours into the run. The opt-out ``drop_unavailable: true`` (or ``--config
drop_unavailable=true``) drops those tasks from the grid and from ``multitask``'s tasks instead, with a line in
``warnings.md`` (:func:`drop_warning`). docs/licensed-data.md is the user's side of this.
"""

from __future__ import annotations

from collections.abc import Iterable

#: the config key of the opt-out (top level: `--config drop_unavailable=true` sets it for one run)
DROP_KEY = "drop_unavailable"
DOC = "docs/licensed-data.md"


def drop_requested(config: dict) -> bool:
    """The opt-out's value; ``--config drop_unavailable=true`` passes the string 'true'."""
    value = config.get(DROP_KEY, False)
    return value if isinstance(value, bool) else str(value).lower() == "true"


def unavailable(dataset_name: str, dataset: dict, tasks: Iterable[str]) -> dict[str, str]:
    """Task -> one line (what is missing, what to get, the key to set) for every task among ``tasks`` that the
    dataset builds from a local copy which is not there. Empty for a generated world, and for tasks declared from
    local files (their files are Snakemake inputs, checked by the dry run)."""
    if dataset.get("source") != "hub":
        return {}
    from stiltgrid.data.hub import LOCAL_PATH_KEYS, FetchError, source_for
    from stiltgrid.tasks import get_task

    out = {}
    for task in tasks:
        if get_task(task).extra.get("local"):
            continue
        key = LOCAL_PATH_KEYS.get(task)
        try:
            source = source_for(task, dataset.get("sources"), local_path=dataset.get(key) if key else None)
        except FetchError:
            continue  # an unknown source choice is the fetch job's one-line error, unchanged
        problem = source.problem() if getattr(source, "local", False) else None
        if problem:
            reason = problem.removeprefix(f"cannot build task '{task}': ").replace(
                "datasets.<name>.", f"datasets.{dataset_name}."
            )
            where = f"datasets.{dataset_name}.{key}" if key else None
            out[task] = f"{task}: {reason}" + (f"; config key {where}" if where and where not in reason else "")
    return out


def stop_message(preset: str, missing: dict[str, str]) -> str:
    """What the dry run prints when the grid needs local copies that are missing: every one at once, and the
    opt-out."""
    lines = [
        f"preset '{preset}' needs {len(missing)} task(s) whose data is licensed or not on the hub, and the "
        f"local copy was not found ({DOC}):"
    ]
    lines += [f"  {line}" for line in missing.values()]
    lines.append(
        f"Set the key(s) above to your copies, or run the grid without {', '.join(missing)}: "
        f"`--config {DROP_KEY}=true` (or `{DROP_KEY}: true` in config.yaml) drops them from the grid and "
        f"from multitask, and warnings.md says so."
    )
    return "\n".join(lines)


def drop_warning(task: str, line: str, multitask: list[str] | None) -> str:
    """The warnings.md line of a dropped task; ``multitask``: the tasks multitask trains on instead (None when the
    grid has no multitask)."""
    reason = line.removeprefix(f"{task}: ")
    rest = f"; multitask trains on the {len(multitask)} others ({', '.join(multitask)})" if multitask else ""
    return f"task '{task}' dropped from the grid ({DROP_KEY}: true): {reason}{rest}"

"""The ``fetch_task`` rule's job: fetch one task of a ``source: hub`` dataset into its task directory.

Kept out of ``stiltgrid.jobs`` so that it imports neither torch nor transformers. A failure the user can act on (offline
without a cached copy, hub error, unknown language, missing CCGbank) ends the job with exit status 1 and ONE line on
stderr (also in the job's log), without a traceback.
"""

from __future__ import annotations

import logging
import os

from stiltgrid.grid.lineage import seal_job

log = logging.getLogger("stiltgrid")


def _setup_logging(log_path: str | None) -> None:
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_path:
        os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers, force=True
    )
    for noisy in ("datasets", "huggingface_hub", "fsspec", "filelock", "urllib3", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def prefetch_hint(out_dir: str, config: dict | None, dataset: str | None) -> str:
    """The command that fetches this data where there is internet, with the same params: every fetch of the preset
    when this dataset is the preset's (same languages), else this one directory."""
    config = config or {}
    preset = config.get("preset")
    presets, data, cursor, seen = config.get("presets") or {}, None, preset, set()
    while cursor in presets and cursor not in seen and data is None:  # the preset's dataset, through `inherit`
        seen.add(cursor)
        data, cursor = presets[cursor].get("data"), presets[cursor].get("inherit")
    if preset and dataset and data == dataset:
        return f"stiltgrid fetch --preset {preset}"
    return f"snakemake --cores 1 {out_dir}"


def fetch_task(smk) -> None:
    from stiltgrid.data import hub

    _setup_logging(smk.log[0] if smk.log else None)
    params = dict(smk.params.settings["spec"])
    out_dir = str(smk.output[0])
    dataset = getattr(getattr(smk, "wildcards", None), "dataset", None)
    try:
        record = hub.fetch_spec(params, out_dir, hint=prefetch_hint(out_dir, getattr(smk, "config", None), dataset))
    except hub.FetchError as err:
        root = logging.getLogger()
        for handler in list(root.handlers):  # the log file gets the message; stderr gets it once, below
            if not isinstance(handler, logging.FileHandler):
                root.removeHandler(handler)
        log.error("%s", err)
        raise SystemExit(f"stiltgrid: {err}") from None
    log.info(
        "fetched %s into %s: %s",
        params["task"],
        out_dir,
        ", ".join(f"{name} {n}" for name, n in record["counts"].items()),
    )
    if record.get("dropped"):
        log.info("skipped rows: %s", record["dropped"])
    seal_job(smk)

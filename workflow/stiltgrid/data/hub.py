"""Real task data from the Hugging Face hub (dataset ``source: hub``), converted to the engine's formats.

A task's module declares the sources that build it (``sources=`` in :mod:`stiltgrid.tasks`); :func:`sources` maps
each source name to its :class:`~stiltgrid.hub.base.Source`: the task names of the paper grid, XTREME-R's XCOPA,
LAReQA and Mewsli-X, plus alternative sources (``anli_plus``: SNLI + MNLI + ANLI for the ``anli`` task). The package
:mod:`stiltgrid.hub` holds what sources share: hub repositories and their revisions, parsers per format, plans per
repository family.
``fetch(task, out_dir, languages)`` writes one task directory (``train.jsonl``, ``dev.jsonl``, ``test.<lang>.jsonl``;
retrieval ``dev|test.<lang>.jsonl``, query/pool retrieval also ``test.pool.jsonl``) plus a
``task.json`` recording the hub ids, configs, splits, revisions (and, after an online fetch, the commits they resolved
to), counts and dropped rows. Rules: workflow/rules/fetch.smk (``fetch_task``, a localrule).

Sources per task (hub id / config; all revisions unpinned constants in the family modules, see below):

============== ==============================================================================================
mnli           nyu-mll/glue mnli (train, validation_matched)
qqp, sst2      nyu-mll/glue qqp / sst2 (train, validation)
squad          rajpurkar/squad plain_text (train, validation)
anli           facebook/anli plain_text (train_r1..3, dev_r1..3); source anli_plus adds stanfordnlp/snli + MNLI
hellaswag      Rowan/hellaswag (train, validation)
cosmosqa       Samsoup/cosmos_qa, a parquet copy of the script-only allenai/cosmos_qa (train, validation)
commonsenseqa  tau/commonsense_qa (train, validation)
ccg            local CCGbank copy (licensed), see stiltgrid.hub.ccg
xnli           train MNLI; dev/test google/xtreme XNLI (filtered by language)
pawsx          google/xtreme PAWS-X.<lang>
udpos          google/xtreme udpos.<English language name>
panx           google/xtreme PAN-X.<lang>
xquad, mlqa    train/dev rajpurkar/squad; test google/xtreme XQuAD.<lang> / MLQA.<lang>.<lang>
tydiqa         google/xtreme tydiqa (English train; GoldP dev split by language)
bucc           google/xtreme bucc18.<lang> (validation -> dev, test -> test; gold pairs only)
tatoeba        google/xtreme tatoeba.<iso639-3> (validation -> test)
xcopa          train/dev lighteval/siqa (English SIQA, pinned commit); test cambridgeltl/xcopa <lang>
lareqa         google-research-datasets/xquad_r <lang> (validation); pool of all 11 languages in test.pool.jsonl
mewslix        local copy of the Mewsli-X release (not on the hub), see stiltgrid.hub.mewslix
============== ==============================================================================================

Revisions: every hub repository has one revision constant (``glue.GLUE_REVISION``, ``tasks.xcopa.SIQA_HUB``, ...),
mostly ``main``. No source reads a loading script or the dataset viewer's ``refs/convert/parquet`` branch (which the
viewer deletes and squashes). The data lock (:mod:`stiltgrid.hub.lock`, ``stiltgrid fetch --preset NAME``) pins each
repository to the commit it resolved to; the commit is part of the fetch rule's params, so moving it refetches exactly
the tasks that read that repository. A dataset entry in config.yaml may override revisions per hub id
(``revisions: {google/xtreme: <sha>}``); the lock then holds the commit of that revision.

Offline: with ``HF_HUB_OFFLINE=1``, ``HF_DATASETS_OFFLINE=1`` or ``STILTGRID_OFFLINE=1`` a fetch only reads the local
cache (``resources/hub_cache``) and otherwise fails with one line naming the dataset and the command to pre-fetch it
on a machine with internet. ``STILTGRID_HUB_MIRROR=/dir`` reads ``/dir/<owner>/<name>`` snapshots of the hub
repositories instead of the hub (the tests use this with tiny repositories in the hub's on-disk layout).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from stiltgrid.hub import lock as lock_mod
from stiltgrid.hub.base import DEFAULT_CACHE_DIR, FetchError, HubReader, HubRef, Part, Read, Reader, Source, offline_var

__all__ = [
    "sources",
    "tasks",
    "FetchError",
    "Source",
    "HubRef",
    "Part",
    "Read",
    "Reader",
    "HubReader",
    "fetch",
    "fetch_spec",
    "source_for",
    "spec",
    "offline_var",
    "DEFAULT_CACHE_DIR",
    "SOURCES_VAR",
]


def sources() -> dict[str, Source]:
    """Every hub source the registered tasks declare, by name."""
    from stiltgrid.tasks import all_tasks

    out: dict[str, Source] = {}
    for task in all_tasks().values():
        for source in task.sources:
            if out.setdefault(source.name, source) is not source:
                raise ImportError(f"hub source '{source.name}' is defined twice")
    return out


def tasks() -> tuple[str, ...]:
    """The tasks the hub dataset can build."""
    return tuple(sorted({source.task for source in sources().values()}))


#: ``task:source,task:source`` picks a task's source without a config key (e.g. ``anli:anli_plus``)
SOURCES_VAR = "STILTGRID_HUB_SOURCES"


def _env_sources() -> dict[str, str]:
    out = {}
    for item in os.environ.get(SOURCES_VAR, "").replace(";", ",").split(","):
        if ":" in item:
            task, _, name = item.partition(":")
            out[task.strip()] = name.strip()
    return out


#: dataset keys naming the local copy a local source converts (licensed or not on the hub)
LOCAL_PATH_KEYS = {"ccg": "ccg_path", "mewslix": "mewslix_path"}


def source_for(
    task: str, chosen: dict | None = None, ccg_path: str | None = None, local_path: str | None = None
) -> Source:
    """The source that builds ``task``: its own, or one chosen in ``chosen`` (the dataset's ``sources``) or the
    environment.
    ``local_path`` (``ccg_path`` for CCG) points a local source (CCGbank, Mewsli-X) at its copy."""
    name = {**_env_sources(), **(chosen or {})}.get(task, task)
    known = sources()
    if name not in known:
        raise FetchError(f"no hub source '{name}' for task '{task}'; known: {', '.join(sorted(known))}")
    source = known[name]
    if source.task != task:
        raise FetchError(f"hub source '{name}' builds task '{source.task}', not '{task}'")
    path = local_path or (ccg_path if name == "ccg" else None)
    if getattr(source, "local", False) and path:
        return source.at(path)
    return source


def spec(task: str, languages: Iterable[str] = (), dataset: dict | None = None, preset: str | None = None) -> dict:
    """The fetch rule's params for one task: source, hub ids + revisions, configs/splits read, languages.

    ``dataset`` is the config.yaml entry of the dataset; its optional keys ``sources``, ``revisions``, ``mirror``,
    ``ccg_path`` and ``mewslix_path`` are honoured when present. With a data lock (:mod:`stiltgrid.hub.lock`) each
    repository entry also carries its locked ``commit``, read instead of the revision."""
    dataset = dataset or {}
    source = source_for(
        task, dataset.get("sources"), local_path=dataset.get(LOCAL_PATH_KEYS[task]) if task in LOCAL_PATH_KEYS else None
    )
    out = source.params(languages, dataset.get("revisions") or {})
    lock = lock_mod.active()
    if lock is not None:  # once a lock exists every read is at its locked commit (part of the job's params)
        for entry in out["hub"]:
            entry["commit"] = lock.pin("datasets", entry["id"], entry["revision"], preset)
    if dataset.get("mirror"):
        out["mirror"] = str(dataset["mirror"])
    return out


def fetch(
    task: str,
    out_dir: str | Path,
    languages: Iterable[str] = (),
    *,
    source: str | None = None,
    revisions: dict | None = None,
    cache_dir: str | Path | None = None,
    mirror: str | Path | None = None,
    ccg_path: str | None = None,
    hint: str | None = None,
    reader: Reader | None = None,
    local_path: str | None = None,
    progress: bool = False,
) -> dict:
    """Fetch ``task`` (for targets: its ``languages``) into ``out_dir``; returns the task.json record.

    Raises :class:`FetchError` (one line) when offline without a cached copy, when the hub fails, or when a language
    is not available."""
    from stiltgrid.tasks import get_task

    chosen = source_for(task, {task: source} if source else None, ccg_path, local_path)
    if reader is None and not getattr(chosen, "local", False):
        reader = HubReader(
            cache_dir=cache_dir,
            mirror=mirror,
            task=task,
            hint=hint or f"snakemake --cores 1 {Path(out_dir).as_posix()}",
            needs=[ref.hub_id for ref in chosen.refs],
            progress=progress,
        )
    return chosen.write(get_task(task), out_dir, languages, reader=reader, revisions=revisions or {})


def fetch_spec(
    params: dict,
    out_dir: str | Path,
    *,
    cache_dir: str | Path | None = None,
    hint: str | None = None,
    progress: bool = False,
) -> dict:
    """Fetch from the params :func:`spec` produced (what the Snakemake job receives)."""
    revisions = {entry["id"]: entry.get("commit") or entry["revision"] for entry in params.get("hub", [])}
    return fetch(
        params["task"],
        out_dir,
        params.get("languages", []),
        source=params.get("source"),
        revisions=revisions,
        cache_dir=cache_dir,
        mirror=params.get("mirror"),
        local_path=params.get("local_path"),
        hint=hint,
        progress=progress,
    )

"""The machinery every hub loader shares: what a source reads, how rows are read, how a task directory is written.

A :class:`Source` turns one or more Hugging Face hub datasets into one task directory in the engine's layout
(``train.jsonl``, ``dev.jsonl``, ``test.{lang}.jsonl``; retrieval tasks ``dev.{lang}.jsonl`` / ``test.{lang}.jsonl``;
see :mod:`stiltgrid.formats`). Its plan is a list of :class:`Part` (one output file each), and a part is a list of
:class:`Read` (hub id + config + split, a row filter, and the parser that maps hub-schema rows to our format).

Rows come from a :class:`Reader`. :class:`HubReader` calls ``datasets.load_dataset(hub_id, config, split=...,
revision=...)`` with its cache under ``resources/`` and hands the parsers plain dicts (ClassLabel integers decoded to
their names). With a *mirror* (a directory holding ``<owner>/<name>`` snapshots of hub dataset repositories, as
``huggingface-cli download --repo-type dataset ID --local-dir MIRROR/ID`` writes them) it calls the same
``load_dataset`` on the local snapshot instead: the tests use exactly this path with tiny repositories in the hubs'
real on-disk layout (README ``configs:`` + parquet files), so the parsers they exercise are the ones a real fetch runs.

Every failure to read is a :class:`FetchError` with a one-line message that names the hub dataset and says how to
pre-fetch it (offline mode: ``HF_HUB_OFFLINE=1``, ``HF_DATASETS_OFFLINE=1`` or ``STILTGRID_OFFLINE=1``).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stiltgrid.core.errors import UserError
from stiltgrid.formats import FormatError, get_format, read_jsonl, write_jsonl

#: where ``datasets`` keeps downloads and prepared arrow files (relative to the workflow directory)
DEFAULT_CACHE_DIR = "resources/hub_cache"
OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "STILTGRID_OFFLINE")
MIRROR_VAR = "STILTGRID_HUB_MIRROR"
_TRUE = {"1", "ON", "YES", "TRUE"}


class FetchError(UserError, RuntimeError):
    """A task's data could not be fetched or converted; the message is one line and says what to do."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def offline_var() -> str | None:
    """The environment variable that switches offline mode on, or None when online."""
    for var in OFFLINE_VARS:
        if os.environ.get(var, "").strip().upper() in _TRUE:
            return var
    return None


def publish(tmp: Path, out_dir: Path, record: dict) -> None:
    """Write ``task.json`` into the finished temporary directory and put it in place of ``out_dir``."""
    (tmp / "task.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh sibling temporary directory to build a task directory in (``publish`` renames it into place);
    removed on the way out, whether or not it was published."""
    tmp = out_dir.parent / f".{out_dir.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class LocalSource:
    """A task source converted from local files (licensed or not on the hub): it reads no hub repository."""

    refs = ()
    local = True

    def __init__(self, path: str | Path | None = None):
        self.path = path

    def at(self, path: str | Path) -> LocalSource:
        """The same source pointed at another local copy."""
        other = copy.copy(self)
        other.path = path
        return other

    def reads(self, languages=()) -> list[dict]:
        return []

    def configs(self, languages=()) -> list:
        return []

    def problem(self) -> str | None:
        """Why the local copy cannot be converted, in one line naming the path or file, or None: the converter's
        own file lookup plus an empty-file check, no file read (cheap enough for every Snakemake invocation,
        stiltgrid.data.availability)."""
        try:
            found = self._find(Path(self.params()["local_path"]))
        except FetchError as err:
            return str(err)
        empty = [str(path) for path in found.values() if path.stat().st_size == 0]
        return f"cannot build task '{self.task}': {empty[0]} is empty" if empty else None


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- what a source reads ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HubRef:
    """One hub dataset repository at one revision."""

    hub_id: str
    revision: str


@dataclass(frozen=True)
class Read:
    """Rows of one split of one config of a hub dataset, optionally filtered, parsed into our format."""

    ref: HubRef
    config: str | None
    split: str
    #: parse(rows, prefix, drops) -> examples in our format; rows it skips are counted with drops.add(reason)
    parse: Callable[[Iterable[dict], str, Drops], Iterator[dict]]
    #: prefix for generated example ids (parsers keep the hub's own ids where it has them)
    prefix: str
    #: keep only rows for which this is true (e.g. one language of a multilingual split)
    where: Callable[[dict], bool] | None = None
    where_doc: str | None = None

    def describe(self) -> dict:
        out = {"id": self.ref.hub_id, "config": self.config, "split": self.split}
        if self.where_doc:
            out["where"] = self.where_doc
        return out


@dataclass(frozen=True)
class Part:
    """One output file, the concatenation of its reads."""

    file: str
    reads: tuple[Read, ...]


# -- reading rows ----------------------------------------------------------------------------------------------------
class Reader:
    """Yields a split's rows as plain dicts with ClassLabel values decoded to their names."""

    def rows(self, read: Read, revision: str) -> Iterator[dict]:
        raise NotImplementedError

    def resolved_revision(self, ref: HubRef, revision: str) -> str | None:
        return None


def _decoder(feature):
    """A function mapping a stored value of ``feature`` to the value parsers see (ClassLabel ints -> names)."""
    from datasets import ClassLabel

    if isinstance(feature, ClassLabel):
        names = feature.names
        return lambda v: v if v is None or isinstance(v, str) or v < 0 else names[v]
    inner = getattr(feature, "feature", None)  # List / Sequence / LargeList
    if inner is not None and not isinstance(feature, dict):
        if isinstance(inner, dict):  # legacy Sequence of a dict: stored as a dict of lists
            decoders = {k: _decoder(f) for k, f in inner.items()}
            if all(d is None for d in decoders.values()):
                return None
            return lambda v: (
                v
                if v is None
                else (
                    {k: [decoders[k](x) for x in xs] if decoders.get(k) else xs for k, xs in v.items()}
                    if isinstance(v, dict)
                    else [_decode_dict(x, decoders) for x in v]
                )
            )
        sub = _decoder(inner)
        return None if sub is None else (lambda v: v if v is None else [sub(x) for x in v])
    if isinstance(feature, dict):
        decoders = {k: _decoder(f) for k, f in feature.items()}
        if all(d is None for d in decoders.values()):
            return None
        return lambda v: v if v is None else _decode_dict(v, decoders)
    return None


def _decode_dict(value: dict, decoders: dict) -> dict:
    return {k: (decoders[k](x) if decoders.get(k) else x) for k, x in value.items()}


def decoded_rows(dataset) -> Iterator[dict]:
    """Iterate a ``datasets.Dataset`` as dicts, ClassLabel columns (also nested in lists/structs) as names."""
    decoders = {name: _decoder(feature) for name, feature in (dataset.features or {}).items()}
    decoders = {k: d for k, d in decoders.items() if d is not None}
    for row in dataset:
        if decoders:
            row = dict(row)
            for key, decode in decoders.items():
                row[key] = decode(row[key])
        yield row


class HubReader(Reader):
    """Reads through ``datasets.load_dataset``: from the hub (cached under ``cache_dir``) or from a local mirror."""

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        mirror: str | Path | None = None,
        task: str = "?",
        hint: str | None = None,
        needs: Iterable[str] = (),
        progress: bool = False,
    ):
        self.progress = progress
        self.cache_dir = str(cache_dir or DEFAULT_CACHE_DIR)
        mirror = mirror if mirror is not None else os.environ.get(MIRROR_VAR) or None
        self.mirror = Path(mirror) if mirror else None
        self.task = task
        self.hint = hint
        self.needs = tuple(needs)

    # One line, for the user: which dataset, why, and how to get it.
    def _error(self, read: Read, revision: str, err: BaseException | None) -> FetchError:
        what = (
            f"hub dataset '{read.ref.hub_id}' (config '{read.config or 'default'}', split '{read.split}', "
            f"revision '{revision}')"
        )
        hint = self.hint or f"snakemake --cores 1 resources/data/hub/tasks/{self.task}"
        var = offline_var()
        if self.mirror is not None:
            return FetchError(
                f"cannot fetch task '{self.task}': {what} is not readable from the mirror "
                f"{self.mirror / read.ref.hub_id} ({type(err).__name__}: {one_line(err, 160)})"
            )
        script = _script_only(err)
        if script:
            return FetchError(
                f"cannot fetch task '{self.task}': hub dataset '{read.ref.hub_id}' at revision "
                f"'{revision}' holds only a loading script ({script}), which datasets >= 4 no longer "
                f"runs; read a script-free copy instead (a parquet revision or repository: "
                f"datasets.<name>.revisions / sources in config.yaml), or provide its files as a local "
                f"mirror (STILTGRID_HUB_MIRROR=DIR with DIR/{read.ref.hub_id}); see docs/real-data.md"
            )
        if var:
            needs = f" (the task reads {', '.join(self.needs)})" if len(self.needs) > 1 else ""
            return FetchError(
                f"cannot fetch task '{self.task}': {what} is not in the cache {self.cache_dir} and "
                f"offline mode is on ({var}=1){needs}; pre-fetch it on a machine with internet: "
                f"{hint} (then copy resources/ here)"
            )
        return FetchError(
            f"cannot fetch task '{self.task}': {what} failed ({type(err).__name__}: "
            f"{one_line(err, 160)}); check the id, config and revision, or pre-fetch it on a machine "
            f"with internet: {hint}"
        )

    def _load(self, read: Read, revision: str):
        import datasets

        from stiltgrid.hub.transport import COMMIT, with_retries

        _sync_offline_flags(offline_var() is not None)
        if self.progress and not os.environ.get("HF_DATASETS_DISABLE_PROGRESS_BARS"):
            datasets.enable_progress_bars()
        else:
            datasets.disable_progress_bars()
        path = str(self.mirror / read.ref.hub_id) if self.mirror is not None else read.ref.hub_id
        if self.mirror is not None and not Path(path).is_dir():
            raise self._error(read, revision, FileNotFoundError(f"no directory {path}"))
        pinned = self.mirror is None and COMMIT.match(revision)

        def load():
            data = datasets.load_dataset(
                path, read.config, split=read.split, revision=revision, cache_dir=self.cache_dir
            )
            # When the hub fails, datasets falls back to its newest prepared copy whatever its commit: refuse that
            if pinned and not any(f"/{revision}/" in f["filename"] for f in data.cache_files):
                if offline_var():
                    raise FetchError(
                        f"cannot fetch task '{self.task}': the cached copy of hub dataset "
                        f"'{read.ref.hub_id}' (config '{read.config or 'default'}', split "
                        f"'{read.split}') is not of the locked commit {revision}; fetch it where there "
                        f"is internet: {self.hint or 'stiltgrid fetch --preset NAME'} (then copy "
                        f"resources/ here)"
                    )
                script = _script_of(read.ref.hub_id, revision)
                if script:
                    raise RuntimeError(f"Dataset scripts are no longer supported, but found {script}")
                raise StaleCopy(f"could not read commit {revision}; datasets offered a cached copy of another")
            return data

        try:  # 429 / 5xx / a dropped connection: retried with backoff (the download itself resumes); offline,
            # the libraries' "cannot reach the hub" never heals: it fails at once
            return with_retries(load, attempts=1 if offline_var() else 5)
        except FetchError:
            raise
        except Exception as err:  # datasets / hub raise many types; the user needs one line
            raise self._error(read, revision, err) from None

    def rows(self, read: Read, revision: str) -> Iterator[dict]:
        return decoded_rows(self._load(read, revision))

    def resolved_revision(self, ref: HubRef, revision: str) -> str | None:
        """The commit a branch or tag resolves to (recorded in task.json so it can be pinned); None offline."""
        from stiltgrid.hub.transport import COMMIT

        if COMMIT.match(revision):
            return revision
        if self.mirror is not None or offline_var():
            return None
        try:
            from huggingface_hub import HfApi

            return HfApi().dataset_info(ref.hub_id, revision=revision, timeout=30).sha
        except Exception:
            return None


class StaleCopy(ConnectionError):
    """datasets read a cached copy of another commit than the one asked for (its fallback when the hub fails):
    retried like a connection error."""


def _script_of(hub_id: str, commit: str) -> str | None:
    """The loading script a repository holds at a commit (``<name>.py``), or None."""
    from huggingface_hub import HfApi

    from stiltgrid.hub.transport import with_retries

    name = f"{hub_id.split('/')[-1]}.py"
    try:
        found = with_retries(lambda: HfApi().file_exists(hub_id, name, repo_type="dataset", revision=commit))
    except Exception:  # noqa: BLE001 - the caller reports its own error then
        return None
    return name if found else None


def _script_only(err: BaseException | None) -> str | None:
    """The loading script a repository holds instead of data files, from datasets' refusal to run it."""
    import re

    match = re.search(r"Dataset scripts are no longer supported, but found (\S+?\.py)", str(err or ""))
    return match.group(1) if match else None


def _sync_offline_flags(offline: bool) -> None:
    """``datasets`` and ``huggingface_hub`` read the offline variables once, at import. A job forked from the
    fork server inherits the server's import-time value, so set them from this job's environment."""
    try:
        import huggingface_hub.constants as hub_constants

        hub_constants.HF_HUB_OFFLINE = offline
    except Exception:
        pass
    try:
        import datasets.config as ds_config

        ds_config.HF_HUB_OFFLINE = offline
        ds_config.HF_DATASETS_OFFLINE = offline
    except Exception:
        pass


# -- a source --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """How to build one task directory from the hub.

    ``name`` is the registry key (a task name, or an alternative source such as ``anli_plus``); ``task`` is the task
    whose format and labels the files follow. ``plan(languages)`` lists the output files and what each reads;
    ``languages`` are the evaluation languages of a target (ignored by intermediate tasks). ``available`` lists the
    languages the source has, in the benchmark's official order.
    """

    name: str
    task: str
    refs: tuple[HubRef, ...]
    plan: Callable[[list[str]], list[Part]]
    description: str = ""
    available: tuple[str, ...] = ()
    #: notes recorded in task.json (deviations from the benchmark's own files, known limits)
    notes: tuple[str, ...] = ()
    #: a source that reads local files instead of the hub (CCGbank) provides its own writer
    local: bool = False
    extra: dict = field(default_factory=dict)

    # -- what Snakemake sees ------------------------------------------------------------------------------------------
    def check_languages(self, languages: Iterable[str]) -> list[str]:
        languages = list(languages or [])
        if not self.available:
            return []
        missing = [lang for lang in languages if lang not in self.available]
        if missing:
            raise FetchError(
                f"task '{self.task}' (source '{self.name}') has no data for language "
                f"'{missing[0]}'; available: {' '.join(self.available)}"
            )
        return languages

    def params(self, languages: Iterable[str] = (), revisions: dict | None = None) -> dict:
        """Everything that decides the fetched files (hub ids, revisions, configs, splits, languages): a rule's
        params, so that changing any of them refetches."""
        langs = self.check_languages(languages)
        revisions = revisions or {}
        reads = self.reads(langs)
        used = {read["id"] for read in reads}  # a repository read only for some languages is listed only then
        return {
            "source": self.name,
            "task": self.task,
            "hub": [
                {"id": ref.hub_id, "revision": revisions.get(ref.hub_id, ref.revision)}
                for ref in self.refs
                if ref.hub_id in used or not used
            ],
            "reads": reads,
            "languages": langs,
        }

    def reads(self, languages: Iterable[str] = ()) -> list[dict]:
        """Each (hub id, config, split[, row filter]) the source reads for these languages, once, in order."""
        out: list[dict] = []
        for part in self.plan(self.check_languages(languages)):
            for read in part.reads:
                entry = read.describe()
                if entry not in out:
                    out.append(entry)
        return out

    def configs(self, languages: Iterable[str] = ()) -> list[tuple[str, str | None]]:
        """The (hub id, config) pairs read for these languages."""
        return list(dict.fromkeys((r["id"], r["config"]) for r in self.reads(languages)))

    # -- writing ------------------------------------------------------------------------------------------------------
    def write(
        self,
        task,
        out_dir: str | Path,
        languages: Iterable[str] = (),
        reader: Reader | None = None,
        revisions: dict | None = None,
    ) -> dict:
        """Write the task directory (atomically: into a sibling temporary directory, renamed at the end) and return
        its ``task.json`` record. ``task`` is the registry's Task named ``self.task``: its format and labels check
        the converted files."""
        langs = self.check_languages(languages)
        reader = reader or HubReader(task=self.task)
        revisions = revisions or {}
        out_dir = Path(out_dir)
        counts, dropped, started = {}, {}, time.time()
        with staging(out_dir) as tmp:
            for part in self.plan(langs):
                seen: set[str] = set()

                def examples(part=part, seen=seen) -> Iterator[dict]:  # streamed: ANLI+ has ~1.1M rows
                    for read in part.reads:
                        revision = revisions.get(read.ref.hub_id, read.ref.revision)
                        rows: Iterable[dict] = reader.rows(read, revision)
                        if read.where is not None:
                            rows = (row for row in rows if read.where(row))
                        drops = Drops()
                        for ex in read.parse(rows, read.prefix, drops):
                            if ex["id"] in seen:
                                raise FetchError(
                                    f"task '{self.task}': duplicate example id '{ex['id']}' in {part.file}"
                                )
                            seen.add(ex["id"])
                            yield ex
                        if drops.reasons:
                            key = f"{part.file} <- {read.ref.hub_id}:{read.config or 'default'}:{read.split}"
                            dropped[key] = dict(drops.reasons)

                write_jsonl(tmp / part.file, examples())
                if not seen:
                    raise FetchError(
                        f"task '{self.task}': no usable examples for {part.file} from "
                        + ", ".join(f"{r.ref.hub_id}:{r.config or 'default'}:{r.split}" for r in part.reads)
                    )
                counts[part.file] = len(seen)
            labels = list(task.labels) if task.labels else None
            for name in counts:  # the engine's own reader is the judge of the format
                try:
                    read_jsonl(tmp / name, task.format, labels)
                except FormatError as err:
                    raise FetchError(
                        f"task '{self.task}': converted file does not match format {task.format}: {one_line(err, 200)}"
                    ) from None
            record = self._record(task, counts, dropped, langs, reader, revisions, time.time() - started)
            publish(tmp, out_dir, record)
        return record

    def _record(self, task, counts, dropped, langs, reader, revisions, seconds) -> dict:
        splits: dict[str, list[str]] = {}
        for name in counts:
            splits.setdefault(name.split(".", 1)[0], []).append(name)
        params = self.params(langs, revisions)
        for entry in params["hub"]:
            resolved = reader.resolved_revision(HubRef(entry["id"], entry["revision"]), entry["revision"])
            if resolved:
                entry["resolved_commit"] = resolved
        n_choices = self.extra.get("n_choices") if get_format(task.format).multi_sequence else None
        return {
            "task": task.name,
            "format": task.format,
            "labels": list(task.labels) if task.labels else None,
            "n_choices": n_choices,
            "splits": splits,
            "counts": counts,
            "dropped": dropped,
            "source": params,
            "notes": list(self.notes),
            "seconds": round(seconds, 1),
        }


class Drops:
    """Counts what a parser skips or repairs (unlabelled rows, empty sentences, realigned answers), per reason;
    reported in task.json."""

    def __init__(self):
        self.reasons: dict[str, int] = {}

    def add(self, reason: str, n: int = 1) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + n

"""The data lock: which commit of every hub repository (datasets and the model) a workflow reads, like a package lock.

``stiltgrid fetch --preset NAME`` writes ``stiltgrid.lock.json`` in the workflow directory (``STILTGRID_LOCK``
names another path); users commit it with their config. For each repository it records the requested revision,
the commit it resolved to and the sha256 of every file read at that commit; for each task the repositories it
reads, what it reads from them (configs, splits, languages) and the rows written per split and language.

Once the file exists, planning pins every read to its locked commit (:func:`pin`): the commit becomes part of the
``fetch_task`` and ``mlm_checkpoint`` jobs' params, so their lineage changes exactly when a locked commit does. A
repository the lock does not hold, or holds for another requested revision, stops planning with one line naming the
command that adds it (``stiltgrid fetch --preset NAME``, or with ``--refresh`` to move to the newest commits).

Transient hub errors (HTTP 408/429/5xx, a dropped or refused connection) are retried with backoff
(:func:`with_retries`); ``huggingface_hub`` retries some calls itself but not repository info.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stiltgrid.hub.base import FetchError
from stiltgrid.hub.transport import COMMIT, transient, with_retries  # noqa: F401  (the lock's users)

LOCK_FILE = "stiltgrid.lock.json"
LOCK_VAR = "STILTGRID_LOCK"
VERSION = 1
KINDS = ("datasets", "models")


class LockError(FetchError):
    """The lock file is unreadable, or does not hold a repository the plan reads (one line, with the fix)."""


def lock_path() -> Path:
    return Path(os.environ.get(LOCK_VAR) or LOCK_FILE)


class Lock:
    """The lock file's content (empty when there is no file)."""

    def __init__(self, path: Path, data: dict | None = None):
        self.path = Path(path)
        self.exists = data is not None
        self.data = data or {"version": VERSION, "datasets": {}, "models": {}, "tasks": {}}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Lock:
        path = Path(path) if path is not None else lock_path()
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise LockError(
                f"{path}: not a readable lock file ({err}); restore it from version control or "
                f"delete it and run `stiltgrid fetch --preset NAME`"
            ) from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise LockError(
                f"{path}: lock version {data.get('version') if isinstance(data, dict) else '?'} is "
                f"not {VERSION}; rewrite it with `stiltgrid fetch --preset NAME --refresh`"
            )
        for key in (*KINDS, "tasks"):
            data.setdefault(key, {})
        return cls(path, data)

    def save(self) -> None:
        self.data["version"] = VERSION
        text = json.dumps(self.data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(self.path)
        self.exists = True

    # -- repositories -----------------------------------------------------------------------------------------------
    def repo(self, kind: str, repo_id: str) -> dict | None:
        return self.data[kind].get(repo_id)

    def commit(self, kind: str, repo_id: str, requested: str) -> str | None:
        """The locked commit of a repository at this requested revision, or None."""
        entry = self.repo(kind, repo_id)
        return entry["commit"] if entry and entry.get("revision") == requested else None

    def set_repo(self, kind: str, repo_id: str, requested: str, commit: str, files: dict[str, str]) -> None:
        entry = self.data[kind].get(repo_id)
        if not entry or entry.get("commit") != commit:
            entry = {"revision": requested, "commit": commit, "files": {}}
        entry["revision"] = requested
        entry["files"] = dict(sorted({**entry["files"], **files}.items()))
        self.data[kind][repo_id] = entry

    def pin(self, kind: str, repo_id: str, requested: str, preset: str | None = None) -> str:
        """The commit planning reads ``repo_id`` at; one line naming the fix when the lock does not hold it."""
        commit = self.commit(kind, repo_id, requested)
        if commit:
            return commit
        entry = self.repo(kind, repo_id)
        cmd = f"stiltgrid fetch --preset {preset or 'NAME'}"
        if entry:
            raise LockError(
                f"{self.path}: {kind[:-1]} '{repo_id}' is locked at revision '{entry.get('revision')}' "
                f"but the config asks for '{requested}'; update the lock with `{cmd} --refresh`"
            )
        raise LockError(
            f"{self.path}: {kind[:-1]} '{repo_id}' is not in the data lock; add it with `{cmd}` (on "
            f"a machine with internet), then commit the lock"
        )


_ACTIVE = {"on": True}
_CACHE: dict[tuple, Lock] = {}


def active() -> Lock | None:
    """The lock planning pins reads to: the lock file when it exists, else None (reads stay at their revisions)."""
    if not _ACTIVE["on"]:
        return None
    path = lock_path()
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = Lock.load(path)
    return _CACHE[key]


@contextmanager
def unlocked() -> Iterator[None]:
    """Plan without pinning (what ``stiltgrid fetch`` does before it resolves the revisions itself)."""
    before = _ACTIVE["on"]
    _ACTIVE["on"] = False
    try:
        yield
    finally:
        _ACTIVE["on"] = before


# -- files ------------------------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot_dir(kind: str, repo_id: str, commit: str) -> Path:
    """Where huggingface_hub keeps a repository's files at a commit (files read there appear as links)."""
    from huggingface_hub import constants

    prefix = {"datasets": "datasets", "models": "models"}[kind]
    return Path(constants.HF_HUB_CACHE) / f"{prefix}--{repo_id.replace('/', '--')}" / "snapshots" / commit


def snapshot_files(kind: str, repo_id: str, commit: str) -> dict[str, str]:
    """sha256 of every file of a repository read at a commit (those in the hub cache)."""
    root = snapshot_dir(kind, repo_id, commit)
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def cached_as_locked(kind: str, repo_id: str, entry: dict | None) -> bool:
    """Every locked file of the repository is in the hub cache at its locked commit, with its locked sha256."""
    if not entry or not entry.get("files"):
        return False
    root = snapshot_dir(kind, repo_id, entry["commit"])
    return all((root / name).is_file() and sha256(root / name) == digest for name, digest in entry["files"].items())


# -- retries ----------------------------------------------------------------------------------------------------------
def resolve(kind: str, repo_id: str, revision: str) -> str:
    """The commit a revision of a hub repository resolves to (a commit resolves to itself, without a request)."""
    if COMMIT.match(revision):
        return revision
    from huggingface_hub import HfApi

    api = HfApi()
    info = api.dataset_info if kind == "datasets" else api.model_info
    return with_retries(lambda: info(repo_id, revision=revision)).sha

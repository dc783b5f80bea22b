"""Exact staleness: a job's identity covers its whole lineage.

Snakemake reruns a job when its own params, its input files or its script change. Three things escape that, and each
let stale results stand silently:

* an upstream job whose output a failed or killed rerun deleted: the jobs below it keep their old results, since
  their own params did not change and a missing input is only rebuilt when something below needs it;
* edits inside a directory output (task data, a checkpoint): Snakemake dates a directory by its timestamp file;
* the engine's code, which Snakemake never sees.

So every job carries in ``params: lineage`` a Merkle-style digest of its rule and wildcards, its settings (the rule's
other params), the behaviour versions of the engine phases it runs (:mod:`stiltgrid.core.behaviour`) and the identity of
each input. An input written by the workflow is identified by its producer's digest, which exists before the input
does, plus -- only when its files no longer match the manifest its producer sealed it with -- a digest of its edited
content; a file from outside the workflow is identified by its content. Any change anywhere upstream therefore changes
the params of every job below it, even when the upstream output is gone, and Snakemake's own params trigger reruns
exactly those jobs. (Snakemake's between-workflow ``cache:`` hashes provenance the same way.)

Each job seals its outputs with a manifest, a hidden sibling ``.<name>.manifest.json`` of its first output: size,
mtime and SHA-256 of every file it wrote, its lineage record, and the records of the jobs that produced its inputs.
Plan time only stats files (a changed stat is re-hashed, so a bare ``touch`` is no edit), and
``python -m stiltgrid.cli.why`` reads the manifests to say why a job would rerun.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from stiltgrid.core.behaviour import versions
from stiltgrid.grid.dag import Job, JobGraph

MANIFEST_SUFFIX = ".manifest.json"
IGNORED = {".snakemake_timestamp"}
HASH_CACHE = ".snakemake/stiltgrid/content-hashes.json"


PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the stiltgrid package


def location_free(path: str) -> str:
    """A path as a job's identity names it: a file of the package (e.g. its language table) relative to the package,
    so that the same grid has the same lineage wherever the repository lies; any other path as it is."""
    absolute = os.path.abspath(path)
    if absolute.startswith(PACKAGE_DIR + os.sep):
        return "<stiltgrid>/" + os.path.relpath(absolute, PACKAGE_DIR).replace(os.sep, "/")
    return path


def digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def manifest_path(output: str) -> str:
    """Where the manifest of the job whose first output is ``output`` lives: a hidden sibling, so that it is no part
    of a directory output and survives the clean-up of a failed job (a rerun overwrites it)."""
    parent, _, name = output.rstrip("/").rpartition("/")
    return f"{parent}/.{name}{MANIFEST_SUFFIX}" if parent else f".{name}{MANIFEST_SUFFIX}"


def file_sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _walk(path: str) -> dict[str, os.stat_result]:
    """Every file of an output (itself, or the files below a directory), by path."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {}
    if not os.path.isdir(path):
        return {path: st}
    found = {}
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in files:
            if name not in IGNORED:
                full = os.path.join(root, name)
                found[full] = os.stat(full)
    return found


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns]


class ContentHashes:
    """SHA-256 of files by path, reused while size and mtime are unchanged (git's index does the same), kept under
    ``.snakemake/`` so a large local encoder or data file is hashed once, not at every plan."""

    def __init__(self, path: str = HASH_CACHE):
        self.path = path
        self._table: dict | None = None
        self._dirty = False

    def _load(self) -> dict:
        if self._table is None:
            try:
                self._table = json.loads(Path(self.path).read_text())
            except (OSError, ValueError):
                self._table = {}
        return self._table

    def sha256(self, path: str, st: os.stat_result | None = None) -> str:
        st = st or os.stat(path)
        key, table = os.path.abspath(path), self._load()
        cached = table.get(key)
        if cached and cached[:2] == _stat_key(st):
            return cached[2]
        sha = file_sha256(path)
        table[key] = [*_stat_key(st), sha]
        self._dirty = True
        return sha

    def save(self) -> None:
        if self._dirty and self._table is not None:
            try:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                tmp = f"{self.path}.{os.getpid()}"
                Path(tmp).write_text(json.dumps(self._table))
                os.replace(tmp, self.path)
            except OSError:
                return  # a read-only working directory: hash again next time
            self._dirty = False


def content_id(path: str, hashes: ContentHashes) -> str:
    """The identity of a file or directory from outside the workflow: a digest of what it contains."""
    found = _walk(path)
    if not found:
        return "missing"
    return digest({os.path.relpath(p, path) if p != path else "": hashes.sha256(p, st) for p, st in found.items()})


def read_manifest(output: str) -> dict | None:
    try:
        return json.loads(Path(manifest_path(output)).read_text())
    except (OSError, ValueError):
        return None


def edited_files(path: str, manifest: dict | None, hashes: ContentHashes | None = None) -> dict[str, str] | None:
    """Files of ``path`` (an output, or a file inside one) that differ from what its producer sealed: path -> 'edited',
    'added' or 'removed'. None when there is nothing to compare (no output, or no manifest)."""
    if manifest is None or not os.path.exists(path):
        return None
    sealed = {p: v for p, v in manifest["files"].items() if p == path or p.startswith(path.rstrip("/") + "/")}
    current = _walk(path)
    changes = {p: "removed" for p in sealed.keys() - current.keys()}
    changes.update({p: "added" for p in current.keys() - sealed.keys()})
    for p in sealed.keys() & current.keys():
        size_mtime, sha = sealed[p][:2], sealed[p][2]
        if _stat_key(current[p]) != size_mtime:
            now = hashes.sha256(p, current[p]) if hashes else file_sha256(p)
            if now != sha:
                changes[p] = "edited"
    return changes


def seal(outputs: list[str], lineage: dict, settings: dict) -> None:
    """Write the manifest of a finished job: the files it wrote and what it was computed from."""
    files = {}
    for out in outputs:
        for path, st in _walk(out).items():
            files[path] = [*_stat_key(st), file_sha256(path)]
    upstream = {}
    for path, (_, producer_output) in lineage["inputs"].items():
        manifest = read_manifest(producer_output) if producer_output else None
        if manifest is not None:
            upstream[path] = manifest["record"]
    record = {
        **{k: lineage[k] for k in ("rule", "wildcards", "digest", "behaviour")},
        "settings": settings,
        "inputs": {path: identity for path, (identity, _) in lineage["inputs"].items()},
    }
    payload = {"record": record, "upstream": upstream, "files": files}
    target = Path(manifest_path(outputs[0]))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, target)


class Lineage:
    """Digests of the jobs of a :class:`JobGraph`, computed once per Snakemake invocation."""

    def __init__(self, graph: JobGraph, hashes: ContentHashes | None = None):
        self.graph = graph
        self.hashes = hashes or ContentHashes()
        self._digests: dict = {}
        self._identities: dict = {}

    @staticmethod
    def key(job: Job) -> tuple:
        return job.rule, tuple(sorted(job.wildcards.items()))

    def identity(self, path: str) -> tuple[str, str | None]:
        """(identity, first output of its producer or None) of an input path."""
        if path not in self._identities:
            producer = self.graph.producer(path)
            if producer is None:
                self._identities[path] = (digest(["content", content_id(path, self.hashes)]), None)
            else:
                edits = edited_files(path, read_manifest(producer.outputs[0]), self.hashes)
                edited = digest(["edited", content_id(path, self.hashes)]) if edits else None
                self._identities[path] = (digest(["output", self.digest(producer), path, edited]), producer.outputs[0])
        return self._identities[path]

    def digest(self, job: Job) -> str:
        key = self.key(job)
        if key not in self._digests:
            self._digests[key] = digest(self.components(job))
        return self._digests[key]

    def components(self, job: Job) -> dict:
        return {
            "rule": job.rule,
            "wildcards": job.wildcards,
            "settings": job.settings,
            "behaviour": versions(job.phases),
            "inputs": {location_free(p): self.identity(p)[0] for p in job.input_paths()},
            "reads": {location_free(p): self.read_identity(p) for p in job.reads},
        }

    def read_identity(self, path: str) -> str:
        """The identity of a file from outside the workflow that a job reads without declaring it (by content)."""
        if path not in self._identities:
            self._identities[path] = (digest(["content", content_id(path, self.hashes)]), None)
        return self._identities[path][0]

    def param(self, job: Job) -> dict:
        """The rule's ``lineage`` param: the digest, and what the job needs to seal its outputs."""
        reads = {p: [self.read_identity(p), None] for p in job.reads}
        value = {
            "rule": job.rule,
            "wildcards": job.wildcards,
            "digest": self.digest(job),
            "behaviour": versions(job.phases),
            "inputs": {**{p: list(self.identity(p)) for p in job.input_paths()}, **reads},
        }
        self.hashes.save()
        return value


# -- in the job ----------------------------------------------------------------------------------------------------
def settings_of(smk):
    """The rule's settings (its ``settings`` param) with attribute access."""
    from types import SimpleNamespace

    return SimpleNamespace(**smk.params.settings)


def seal_job(smk) -> None:
    """Seal the outputs of a finished job (see :func:`seal`); a job called outside the workflow has no lineage."""
    if getattr(smk.params, "lineage", None) is None:
        return
    seal([str(out) for out in smk.output], dict(smk.params.lineage), dict(smk.params.settings))

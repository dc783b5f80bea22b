"""``stiltgrid fetch --preset NAME``: fetch every hub source and the model of a preset once, and lock them.

Run it on a machine with internet (a cluster's login node) before the grid is submitted, in the workflow directory,
with the ``--config`` / ``--configfile`` you give ``snakemake`` (or as the Snakemake target ``fetch``). For each task
the preset reads it resolves each repository's revision to a commit (the locked one if the lock holds it), reads the
task at that commit through ``datasets.load_dataset`` (filling the hub cache and ``resources/hub_cache``, which the
grid's ``fetch_task`` jobs then read, offline if need be), converts it and checks its rows against the published
sizes (each task's ``published``); then the model (``snapshot_download`` at its commit, without ``onnx/``). It writes
``stiltgrid.lock.json`` (stiltgrid.hub.lock) and ends with one table: task, source@commit, rows, size, licence,
status, and below it every failure with its fix; the exit status is 1 if anything failed. A task whose locked files
are all in the hub cache with their locked sha256 is not read again (``cached``): a second run downloads nothing.

``--refresh`` resolves every revision again (``main`` may have moved) and refetches what changed; the grid then
reruns exactly the jobs that read a repository whose commit moved. Licensed or local sources (CCGbank, Mewsli-X)
are converted when configured and otherwise reported as ``missing`` with the key to set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: licence of each source as its dataset card or release states it (docs/real-data.md has the table)
LICENCES = {
    "nyu-mll/glue": "per task (GLUE)",
    "rajpurkar/squad": "CC BY-SA 4.0",
    "facebook/anli": "CC BY-NC 4.0",
    "stanfordnlp/snli": "CC BY-SA 4.0",
    "Rowan/hellaswag": "MIT",
    "Samsoup/cosmos_qa": "CC BY 4.0 (Cosmos QA)",
    "tau/commonsense_qa": "MIT",
    "google/xtreme": "per dataset (XTREME)",
    "google/xquad": "CC BY-SA 4.0",
    "unimelb-nlp/wikiann": "ODC-BY (WikiANN)",
    "lighteval/siqa": "CC BY 4.0 (Social IQa)",
    "cambridgeltl/xcopa": "CC BY 4.0",
    "google-research-datasets/xquad_r": "CC BY-SA 4.0",
    "FacebookAI/xlm-roberta-large": "MIT",
    "ccg": "LDC licence (CCGbank, LDC2005T13)",
    "mewslix": "Mewsli-X release terms (Wikinews CC BY 2.5, Wikipedia CC BY-SA)",
}


@dataclass
class Row:
    task: str
    source: str
    rows: str = "-"
    size: str = "-"
    licence: str = "-"
    status: str = "failed"
    fix: str = ""
    failed: bool = False


def _size(n: int | None) -> str:
    if not n:
        return "-"
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return "-"


def _rows_text(counts: dict[str, int]) -> str:
    train, dev = counts.get("train.jsonl"), counts.get("dev.jsonl")
    tests = {k: v for k, v in counts.items() if k.startswith("test.")}
    parts = [
        f"train {train:,}" if train is not None else None,
        f"dev {dev:,}" if dev is not None else None,
        f"test {sum(tests.values()):,} in {len(tests)} lang" if tests else None,
    ]
    return ", ".join(p for p in parts if p) or "-"


def row_check(task: str, counts: dict[str, int]) -> list[str]:
    """How the rows compare with the published sizes (each task's ``published``): the English training set exactly, each
    language's test set at most the published (largest) size."""
    from stiltgrid.tasks import all_tasks

    published = all_tasks()[task].published if task in all_tasks() else None
    if published is None:
        return []
    notes = []
    train = counts.get("train.jsonl")
    if published.train is not None and train is not None and train != published.train:
        notes.append(f"train {train:,} rows, published {published.train:,}")
    limit = published.test  # per language: examples, or gold pairs for retrieval
    over = [k for k, v in counts.items() if k.startswith("test.") and k != "test.pool.jsonl" and limit and v > limit]
    if over:
        notes.append(f"{', '.join(over)} above the published {limit:,}")
    return notes


class Fetcher:
    def __init__(self, config: dict, refresh: bool = False, only: list[str] | None = None, log=None):
        from stiltgrid.grid.args import grid_jobs
        from stiltgrid.grid.config import load_grid
        from stiltgrid.grid.dag import JobGraph
        from stiltgrid.hub import lock as hub_lock

        self.config, self.refresh = config, refresh
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.grid = load_grid(config)
        graph = JobGraph(config, self.grid)
        with hub_lock.unlocked():  # the requested revisions; this command resolves them
            jobs = [
                job
                for job in grid_jobs(graph)
                if job.rule == "fetch_task" and (not only or job.wildcards["task"] in only)
            ]
        order = [*self.grid.all_intermediates, *self.grid.targets]  # the preset's order, then multitask's others
        self.jobs = sorted(
            jobs,
            key=lambda job: (
                order.index(job.wildcards["task"]) if job.wildcards["task"] in order else len(order),
                job.wildcards["task"],
            ),
        )
        model_spec = config["models"][self.grid.model_name]
        self.model = model_spec if model_spec["source"] == "hub" and (not only or "model" in only) else None
        self.lock = hub_lock.Lock.load()
        self.resolved: dict[tuple[str, str], str] = {}
        self.checked: dict[tuple, bool] = {}

    def commit(self, kind: str, repo_id: str, requested: str) -> str:
        """The commit to read: the locked one (unless refreshing), else the revision resolved now (once per run)."""
        from stiltgrid.hub import lock as hub_lock
        from stiltgrid.hub.base import FetchError, offline_var, one_line

        key = (kind, repo_id)
        if key not in self.resolved:
            locked = self.lock.commit(kind, repo_id, requested)
            if locked and not self.refresh:
                self.resolved[key] = locked
            elif offline_var():
                raise FetchError(
                    f"offline mode is on ({offline_var()}=1) and the lock does not hold {kind[:-1]} "
                    f"'{repo_id}' at revision '{requested}'; run this where there is internet"
                )
            else:
                try:
                    self.resolved[key] = hub_lock.resolve(kind, repo_id, requested)
                except Exception as err:  # noqa: BLE001 - one line: which repository, why, what to check
                    raise FetchError(
                        f"cannot resolve {kind[:-1]} '{repo_id}' at revision '{requested}' "
                        f"({type(err).__name__}: {one_line(err, 160)}); check the id and revision, "
                        f"the connection to the hub (HF_ENDPOINT), and HF_TOKEN for a gated "
                        f"repository"
                    ) from None
        return self.resolved[key]

    def cached(self, kind: str, repo_id: str) -> bool:
        """The repository's locked files are in the hub cache with their sha256 (checked once per run: a repository
        such as google/xtreme serves many tasks)."""
        from stiltgrid.hub import lock as hub_lock

        entry = self.lock.repo(kind, repo_id)
        key = (kind, repo_id, entry and entry["commit"], entry and len(entry["files"]))
        if key not in self.checked:
            self.checked[key] = hub_lock.cached_as_locked(kind, repo_id, entry)
        return self.checked[key]

    def run(self) -> list[Row]:
        rows = []
        total = len(self.jobs) + (self.model is not None)
        for i, job in enumerate(self.jobs, 1):
            self.log(f"[{i}/{total}] {job.wildcards['task']}")
            rows.append(self.task(job))
        if self.model is not None:
            self.log(f"[{total}/{total}] model {self.model['id']}")
            rows.append(self.fetch_model())
        return rows

    def task(self, job) -> Row:
        from stiltgrid.data import hub
        from stiltgrid.hub import lock as hub_lock
        from stiltgrid.hub.base import DEFAULT_CACHE_DIR

        task, spec = job.wildcards["task"], dict(job.settings["spec"])
        ids = [entry["id"] for entry in spec.get("hub", [])]
        row = Row(
            task,
            ", ".join(ids) or f"local ({spec.get('source', task)})",
            licence="; ".join(LICENCES.get(i, "see the dataset card") for i in ids) or LICENCES.get(task, "-"),
        )
        hint = f"stiltgrid fetch --preset {self.grid.preset}"
        try:
            if ids:
                spec["hub"] = [
                    {**entry, "commit": self.commit("datasets", entry["id"], entry["revision"])}
                    for entry in spec["hub"]
                ]
                row.source = ", ".join(f"{e['id']}@{e['commit'][:7]}" for e in spec["hub"])
                commits = {e["id"]: e["commit"] for e in spec["hub"]}
                locked = self.lock.data["tasks"].get(task)
                if (
                    locked
                    and locked.get("reads") == spec["reads"]
                    and locked.get("commits") == commits
                    and all(self.cached("datasets", i) for i in ids)
                ):
                    counts, size, row.status = locked["rows"], locked.get("bytes"), "cached"
                else:
                    counts, size = self._convert(spec, DEFAULT_CACHE_DIR, hint)
                    for entry in spec["hub"]:
                        self.lock.set_repo(
                            "datasets",
                            entry["id"],
                            entry["revision"],
                            entry["commit"],
                            hub_lock.snapshot_files("datasets", entry["id"], entry["commit"]),
                        )
                    self.lock.data["tasks"][task] = {
                        "source": spec["source"],
                        "commits": commits,
                        "reads": spec["reads"],
                        "rows": counts,
                        "bytes": size,
                    }
                    self.lock.save()
                    row.status = "fetched"
            else:  # a licensed or local source: converted when configured
                counts, size = self._convert(spec, DEFAULT_CACHE_DIR, hint)
                row.status = "converted"
        except hub.FetchError as err:
            row.failed = True
            row.status = "missing" if not ids else "failed"
            row.fix = str(err)
            return row
        except Exception as err:  # noqa: BLE001 - one line per task, the table lists them all
            row.failed, row.fix = True, f"{type(err).__name__}: {' '.join(str(err).split())[:300]}"
            return row
        row.rows, row.size = _rows_text(counts), _size(size)
        notes = row_check(task, counts)
        if notes:
            row.status += "; " + "; ".join(notes)
        return row

    def _convert(self, spec: dict, cache_dir: str, hint: str) -> tuple[dict, int]:
        """Read and convert the task (as its fetch_task job will) into a scratch directory; its rows and size."""
        from stiltgrid.data import hub

        Path("resources").mkdir(exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".fetch-", dir="resources"))
        try:
            record = hub.fetch_spec(spec, scratch / spec["task"], cache_dir=cache_dir, hint=hint, progress=True)
            size = sum(p.stat().st_size for p in (scratch / spec["task"]).iterdir() if p.is_file())
            return record["counts"], size
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def fetch_model(self) -> Row:
        from stiltgrid.hub import lock as hub_lock
        from stiltgrid.hub.base import FetchError
        from stiltgrid.hub.model import download_hub

        spec = self.model
        row = Row("model", spec["id"], licence=LICENCES.get(spec["id"], "see the model card"))
        try:
            commit = self.commit("models", spec["id"], spec["revision"])
            row.source = f"{spec['id']}@{commit[:7]}"
            entry = self.lock.repo("models", spec["id"])
            if entry and entry["commit"] == commit and self.cached("models", spec["id"]):
                row.status = "cached"
            else:
                download_hub(spec["id"], commit)
                self.lock.set_repo(
                    "models",
                    spec["id"],
                    spec["revision"],
                    commit,
                    hub_lock.snapshot_files("models", spec["id"], commit),
                )
                self.lock.save()
                row.status = "fetched"
            root = hub_lock.snapshot_dir("models", spec["id"], commit)
            row.size = _size(sum(p.stat().st_size for p in root.rglob("*") if p.is_file()))
        except FetchError as err:
            row.failed, row.fix = True, str(err)
        except Exception as err:  # noqa: BLE001 - one line, in the table
            row.failed = True
            row.fix = (
                f"model '{spec['id']}' at revision '{spec['revision']}': {type(err).__name__}: "
                f"{' '.join(str(err).split())[:300]}"
            )
        return row


def table(rows: list[Row]) -> str:
    head = ("task", "source@commit", "rows", "size", "licence", "status")
    cells = [head] + [(r.task, r.source, r.rows, r.size, r.licence, r.status) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(head))).rstrip() for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failed = [r for r in rows if r.failed]
    if failed:
        lines += ["", f"{len(failed)} of {len(rows)} failed:"] + [f"  {r.task}: {r.fix}" for r in failed]
    return "\n".join(lines)


def fetch_all(config: dict, refresh: bool = False, only: list[str] | None = None) -> int:
    """Fetch and lock a config's preset; prints the table; 0 when nothing failed."""
    from stiltgrid.hub import lock as hub_lock

    fetcher = Fetcher(config, refresh=refresh, only=only)
    if not fetcher.jobs and fetcher.model is None:
        print(f"stiltgrid fetch: preset '{fetcher.grid.preset}' reads nothing from the hub")
        return 0
    rows = fetcher.run()
    print(table(rows))
    if fetcher.lock.exists:
        print(f"\nlock: {hub_lock.lock_path()} (commit it with your config)")
    return 1 if any(r.failed for r in rows) else 0


def fetch_from_snakemake(config: dict, log_file: str) -> None:
    """The Snakemake target ``fetch``: the table on the console and in the log; fails when a source failed."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = fetch_all(config)
    print(buffer.getvalue(), end="")
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    Path(log_file).write_text(buffer.getvalue(), encoding="utf-8")
    if status:  # an Exception, not SystemExit: Snakemake reports it as the job's failure
        from snakemake.exceptions import WorkflowError

        raise WorkflowError("stiltgrid fetch: some sources failed; the table above says how to fix each")


def main(argv: list[str] | None = None) -> int:
    from stiltgrid.grid.args import add_config_arguments, config_from_arguments
    from stiltgrid.grid.config import ConfigError
    from stiltgrid.hub.base import FetchError
    from stiltgrid.hub.lock import LOCK_VAR

    parser = argparse.ArgumentParser(
        prog="stiltgrid fetch",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--refresh", action="store_true", help="resolve every revision again and refetch what moved (updates the lock)"
    )
    parser.add_argument("--task", action="append", default=[], help="only this task (repeatable; `model`: the model)")
    parser.add_argument("--lock", help=f"the lock file (default: ${LOCK_VAR} or stiltgrid.lock.json)")
    args = parser.parse_args(argv)
    if args.lock:
        os.environ[LOCK_VAR] = os.path.abspath(args.lock)
    try:
        config = config_from_arguments(args)
        return fetch_all(config, refresh=args.refresh, only=args.task or None)
    except (ConfigError, FetchError, ValueError, OSError) as err:
        print(f"stiltgrid fetch: {' '.join(str(err).split())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())


def check_plan(graph) -> None:
    """With a lock, build every job of the grid (which pins each hub read): the first read the lock does not hold
    raises its one line (the Snakefile stops before any job). Without a lock, nothing to check."""
    from stiltgrid.grid.args import grid_jobs
    from stiltgrid.hub import lock as hub_lock

    if hub_lock.active() is not None:
        grid_jobs(graph)

"""``stiltgrid fetch`` against a local hub server (hub_server.py): the real ``load_dataset`` / ``snapshot_download``
path through ``HF_ENDPOINT``, nothing in ``datasets`` patched. The libraries read ``HF_ENDPOINT`` at import, so every
fetch runs in a subprocess pointed at the server, with its own hub cache.

The ``paper`` preset is fetched with tiny repositories (hub_fixtures) for German (the one language every fixture
target has; TyDiQA has no German and is left out). The tests share one server and one workflow copy, in order: the
first fetch writes the lock, a second downloads nothing, offline reuses the cache, transient errors are survived,
a moved ``main`` changes nothing until ``--refresh``, and a script-only repository gets one line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
import yaml
from hub_server import HubServer
from repo import ROOT, changed, copy_workflow, job_digests, run_snakemake

pytestmark = pytest.mark.slow  # subprocesses against a local server: about 70 s together

PAPER_TARGETS = ["xnli", "pawsx", "udpos", "panx", "xquad", "mlqa", "bucc", "tatoeba"]
OVERLAY = {"presets": {"paper": {"languages": ["de"], "targets": PAPER_TARGETS}}}
SIQA_COMMIT = "54c6a1f8cb6daf4f5abf24a601852612fb35eb25"
MODEL = "FacebookAI/xlm-roberta-large"
#: every repository the paper preset reads (its tasks' sources; CCGbank is local)
PAPER_REPOS = {
    "nyu-mll/glue",
    "rajpurkar/squad",
    "facebook/anli",
    "Rowan/hellaswag",
    "Samsoup/cosmos_qa",
    "tau/commonsense_qa",
    "google/xtreme",
}
GLUE_TASKS = {"mnli", "qqp", "sst2", "xnli"}


def model_files() -> dict[str, bytes]:
    # 24 MB: huggingface_hub reads 10 MB chunks, and resumes a cut download from the last chunk it wrote
    weights = hashlib.sha256(b"w").digest() * (3 * 2**18)
    return {
        "config.json": b'{"model_type": "xlm-roberta"}',
        "tokenizer.json": b"{}",
        "sentencepiece.bpe.model": b"spm",
        "model.safetensors": weights,
        "onnx/model.onnx": b"onnx",
        "onnx/config.json": b"{}",
        "README.md": b"# model\n",
    }


@pytest.fixture(scope="module")
def server(mirror):
    hub = HubServer()
    hub.add_mirror(mirror)
    siqa = hub.repos.pop(("dataset", "lighteval/siqa")).commits.popitem()[1]
    hub.add_repo("dataset", "lighteval/siqa", siqa, sha=SIQA_COMMIT)
    hub.add_repo("model", MODEL, model_files())
    for (kind, repo_id), repo in list(hub.repos.items()):  # a second commit on every main
        readme = repo.commits[repo.branches["main"]].get("README.md", b"")
        hub.commit(kind, repo_id, {"README.md": readme + b"\nsecond commit\n"})
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = copy_workflow(tmp_path_factory.mktemp("hub-server-workflow"))
    (work / "overlay.yaml").write_text(yaml.safe_dump(OVERLAY))
    return work


def env_for(server, home, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "HF_HUB_OFFLINE",
            "HF_DATASETS_OFFLINE",
            "STILTGRID_OFFLINE",
            "STILTGRID_HUB_MIRROR",
            "HF_TOKEN",
            "HF_HUB_CACHE",
            "HF_DATASETS_CACHE",
            "STILTGRID_LOCK",
        )
    }
    env.update(
        HF_ENDPOINT=server.url,
        HF_HOME=str(home),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_UPDATE_DOWNLOAD_COUNTS="0",
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        PYTHONPATH=str(ROOT / "workflow"),
        STILTGRID_FORKSERVER="0",
        **extra,
    )
    return env


def stiltgrid_fetch(work, env, *args) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "stiltgrid.cli", "fetch", "--preset", "paper", "--configfile", "overlay.yaml", *args]
    return subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)


def table_rows(out: str) -> dict[str, list[str]]:
    """task -> its cells, from the summary table."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("task "))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        cells = [c for c in line.split("  ") if c.strip()]
        rows[cells[0].strip()] = [c.strip() for c in cells]
    return rows


def served_sha256(server, kind, repo_id, commit, path) -> str:
    return hashlib.sha256(server.repos[(kind, repo_id)].commits[commit][path]).hexdigest()


@pytest.fixture(scope="module")
def first(server, work, tmp_path_factory):
    home = tmp_path_factory.mktemp("hf-home")
    run = stiltgrid_fetch(work, env_for(server, home))
    return run, home


def test_first_fetch_reads_every_source_and_writes_the_lock(server, work, first):
    run, _ = first
    rows = table_rows(run.stdout)
    assert run.returncode == 1, run.stdout + run.stderr[-3000:]  # CCGbank is not configured
    assert {t for t, r in rows.items() if r[-1].startswith("fetched")} == (
        {"mnli", "squad", "hellaswag", "anli", "qqp", "cosmosqa", "commonsenseqa", "sst2", "model"} | set(PAPER_TARGETS)
    ), run.stdout
    assert rows["ccg"][-1] == "missing" and rows["ccg"][-2].startswith("LDC licence")
    failures = run.stdout.split(f"1 of {len(rows)} failed:")[1].strip().split("\n\n")[0].splitlines()
    assert len(failures) == 1 and failures[0].startswith("ccg: cannot build task 'ccg': CCGbank is licensed")
    assert "put your copy there or set" in failures[0]
    glue = server.repos[("dataset", "nyu-mll/glue")].branches["main"]
    assert rows["sst2"][1] == f"nyu-mll/glue@{glue[:7]}" and rows["sst2"][2] == "train 3, dev 1"
    assert "train 3 rows, published 67,349" in rows["sst2"][-1]  # checked against the task's published sizes

    lock = json.loads((work / "stiltgrid.lock.json").read_text())
    assert set(lock["datasets"]) == PAPER_REPOS
    for repo_id, entry in lock["datasets"].items():
        assert entry["revision"] == "main" and entry["commit"] == server.repos[("dataset", repo_id)].branches["main"]
        assert entry["files"] and all(
            served_sha256(server, "dataset", repo_id, entry["commit"], path) == digest
            for path, digest in entry["files"].items()
        )
    assert "sst2/train-00000-of-00001.parquet" in lock["datasets"]["nyu-mll/glue"]["files"]
    assert lock["tasks"]["pawsx"]["rows"] == {"train.jsonl": 3, "dev.jsonl": 2, "test.de.jsonl": 2}
    model = lock["models"][MODEL]
    assert model["commit"] == server.repos[("model", MODEL)].branches["main"]
    assert sorted(model["files"]) == ["config.json", "model.safetensors", "sentencepiece.bpe.model", "tokenizer.json"]
    assert not any("refs%2Fconvert" in path or "refs/convert" in path for _, path in server.requests)


def test_second_fetch_downloads_nothing(server, work, first):
    server.reset_log()
    run = stiltgrid_fetch(work, env_for(server, first[1]))
    rows = table_rows(run.stdout)
    assert {r[-1].split(";")[0] for t, r in rows.items() if t != "ccg"} == {"cached"}, run.stdout
    assert server.requests == []


def test_the_snakemake_target_fetch_runs_the_same_command(server, work, first):
    server.reset_log()
    run = run_snakemake(
        work,
        "--cores",
        "1",
        "fetch",
        "--configfile",
        "overlay.yaml",
        "--config",
        "preset=paper",
        check=False,
        env=env_for(server, first[1]),
    )
    assert run.returncode != 0  # CCGbank is still missing
    log = (work / "logs" / "data" / "fetch.log").read_text()
    rows = table_rows(log)
    assert rows["ccg"][-1] == "missing" and rows["sst2"][-1].startswith("cached") and rows["model"][-1] == "cached"
    assert "some sources failed; the table above says how to fix each" in run.stdout + run.stderr
    assert server.requests == []


def test_offline_rerun_uses_the_cache(server, work, first):
    server.reset_log()
    env = env_for(server, first[1], HF_HUB_OFFLINE="1")
    run = stiltgrid_fetch(work, env)
    assert {r[-1].split(";")[0] for t, r in table_rows(run.stdout).items() if t != "ccg"} == {"cached"}
    # the grid's fetch job, offline: it reads the prepared copy of the locked commit
    code = (
        "import json, sys; from stiltgrid.grid.config import load_grid; from stiltgrid.grid.dag import JobGraph; "
        "from stiltgrid.grid.args import load_config; from stiltgrid.data import hub; "
        "c = load_config('.', ['overlay.yaml'], ['preset=paper']); g = JobGraph(c, load_grid(c)); "
        "spec = g.fetch('hub', 'pawsx').settings['spec']; "
        "print(json.dumps(hub.fetch_spec(spec, sys.argv[1])['counts']))"
    )
    job = subprocess.run(
        [sys.executable, "-c", code, str(work / "offline-pawsx")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert job.returncode == 0, job.stderr[-3000:]
    assert json.loads(job.stdout) == {"train.jsonl": 3, "dev.jsonl": 2, "test.de.jsonl": 2}
    assert server.requests == []


def test_every_source_resolves_to_its_locked_commit(server, work, first, monkeypatch):
    """No unpinned revision once a lock exists: each repository's requested revision and the commit planned."""
    from stiltgrid.grid.args import grid_jobs, load_config
    from stiltgrid.grid.config import load_grid
    from stiltgrid.grid.dag import JobGraph

    monkeypatch.chdir(work)
    lock = json.loads((work / "stiltgrid.lock.json").read_text())
    config = load_config(".", ["overlay.yaml"], ["preset=paper"])
    graph = JobGraph(config, load_grid(config))
    planned = {}
    for job in grid_jobs(graph):
        if job.rule == "fetch_task":
            for entry in job.settings["spec"]["hub"]:
                planned.setdefault(entry["id"], set()).add((entry["revision"], entry["commit"]))
    assert planned == {repo_id: {("main", lock["datasets"][repo_id]["commit"])} for repo_id in PAPER_REPOS}
    model = graph.model("xlm-roberta-large").settings["spec"]
    assert (model["revision"], model["commit"]) == ("main", lock["models"][MODEL]["commit"])
    # XCOPA's SIQA is read at its pinned commit, whatever main says
    from stiltgrid.data import hub

    assert hub.sources()["xcopa"].params(["et"])["hub"][0] == {"id": "lighteval/siqa", "revision": SIQA_COMMIT}


def test_planning_a_source_missing_from_the_lock_is_one_line(work, first):
    run = run_snakemake(work, "-n", "--config", "preset=xtreme-r", check=False)
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.startswith("data lock:")]
    assert len(lines) == 1, run.stderr[-3000:]
    assert "is not in the data lock; add it with `stiltgrid fetch --preset xtreme-r`" in lines[0]


def test_429s_5xx_and_a_dropped_connection_are_survived(server, work, tmp_path):
    server.reset_log()
    server.fail_next(2, 429)
    server.fail_next(1, 503)
    server.drop_next(1, ".safetensors")
    env = env_for(server, tmp_path / "hf", STILTGRID_LOCK=str(tmp_path / "lock.json"))
    run = stiltgrid_fetch(work, env, "--task", "hellaswag", "--task", "model")
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    rows = table_rows(run.stdout)
    assert rows["hellaswag"][-1].startswith("fetched") and rows["model"][-1] == "fetched"
    assert [status for status in (429, 503) if status in server.faults] == [] and server.drops == 0
    assert server.ranges == ["model.safetensors"], "the cut download resumes with a Range request"
    lock = json.loads((tmp_path / "lock.json").read_text())
    assert lock["tasks"]["hellaswag"]["rows"] == {"train.jsonl": 2, "dev.jsonl": 1}
    model = lock["models"][MODEL]
    assert model["files"]["model.safetensors"] == served_sha256(
        server, "model", MODEL, model["commit"], "model.safetensors"
    )


def test_moving_main_changes_nothing_until_refresh_then_exactly_its_readers(server, work, first, monkeypatch):
    from stiltgrid.grid.args import load_config

    monkeypatch.chdir(work)
    monkeypatch.setenv("STILTGRID_LOCK", str(work / "stiltgrid.lock.json"))
    config = load_config(".", ["overlay.yaml"], ["preset=paper"])
    before = job_digests(config)
    old = json.loads((work / "stiltgrid.lock.json").read_text())["datasets"]["nyu-mll/glue"]["commit"]
    new = server.commit(
        "dataset",
        "nyu-mll/glue",
        {
            "sst2/validation-00000-of-00001.parquet": server.repos[("dataset", "nyu-mll/glue")].commits[old][
                "sst2/train-00000-of-00001.parquet"
            ]
        },
    )
    env = env_for(server, first[1])
    server.reset_log()
    again = stiltgrid_fetch(work, env)
    assert server.requests == [] and table_rows(again.stdout)["sst2"][1] == f"nyu-mll/glue@{old[:7]}"
    assert job_digests(config) == before

    refreshed = stiltgrid_fetch(work, env, "--refresh")
    rows = table_rows(refreshed.stdout)
    assert {t for t, r in rows.items() if r[-1].startswith("fetched")} == GLUE_TASKS, refreshed.stdout
    assert rows["sst2"][1] == f"nyu-mll/glue@{new[:7]}" and rows["sst2"][2] == "train 3, dev 3"
    after = job_digests(config)
    stale = changed(before, after)
    assert {dict(k[1])["task"] for k in stale if k[0] == "fetch_task"} == GLUE_TASKS
    assert (
        "train_intermediate",
        (("intermediate", "squad"), ("model", "xlm-roberta-large"), ("seed", "1")),
    ) not in stale
    cells = {(dict(k[1])["intermediate"], dict(k[1])["target"]) for k in stale if "target" in dict(k[1])}
    assert ("none", "xnli") in cells and ("sst2", "pawsx") in cells and ("squad", "pawsx") not in cells


def test_a_script_only_repository_is_one_clear_line(server, work, first):
    server.commit("dataset", "tau/commonsense_qa", {"commonsense_qa.py": b"import datasets\n"})
    run = stiltgrid_fetch(work, env_for(server, first[1]), "--task", "commonsenseqa", "--refresh")
    assert run.returncode == 1
    failures = run.stdout.split("1 of 1 failed:")[1].strip().split("\n\n")[0].splitlines()
    assert len(failures) == 1
    assert failures[0].startswith(
        "commonsenseqa: cannot fetch task 'commonsenseqa': hub dataset 'tau/commonsense_qa' at revision '"
    )
    assert "holds only a loading script (commonsense_qa.py)" in failures[0]
    assert "STILTGRID_HUB_MIRROR=DIR with DIR/tau/commonsense_qa" in failures[0]

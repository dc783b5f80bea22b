"""The data lock's rules without a server: what planning does with it, its one-line errors, and the retry policy for
transient hub errors."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from stiltgrid.data import hub
from stiltgrid.hub import lock as hub_lock
from stiltgrid.hub.lock import Lock, LockError, transient, with_retries

GLUE = "a" * 40
XTREME = "b" * 40


@pytest.fixture
def lock_file(tmp_path, monkeypatch):
    path = tmp_path / "stiltgrid.lock.json"
    monkeypatch.setenv(hub_lock.LOCK_VAR, str(path))
    return path


def write(path, datasets=None, models=None):
    path.write_text(json.dumps({"version": 1, "datasets": datasets or {}, "models": models or {}, "tasks": {}}))


def test_without_a_lock_reads_stay_at_their_revisions(lock_file):
    assert hub.spec("xnli", ["de"])["hub"] == [
        {"id": "nyu-mll/glue", "revision": "main"},
        {"id": "google/xtreme", "revision": "main"},
    ]


def test_a_lock_pins_every_read_to_its_commit(lock_file):
    write(
        lock_file,
        {
            "nyu-mll/glue": {"revision": "main", "commit": GLUE, "files": {}},
            "google/xtreme": {"revision": "main", "commit": XTREME, "files": {}},
        },
    )
    spec = hub.spec("xnli", ["de"])
    assert spec["hub"] == [
        {"id": "nyu-mll/glue", "revision": "main", "commit": GLUE},
        {"id": "google/xtreme", "revision": "main", "commit": XTREME},
    ]
    with hub_lock.unlocked():  # what `stiltgrid fetch` plans with before it resolves the revisions
        assert "commit" not in hub.spec("xnli", ["de"])["hub"][0]


def test_a_repository_missing_from_the_lock_is_one_line(lock_file):
    write(lock_file, {"nyu-mll/glue": {"revision": "main", "commit": GLUE, "files": {}}})
    with pytest.raises(LockError) as caught:
        hub.spec("xnli", ["de"], preset="paper")
    assert str(caught.value) == (
        f"{lock_file}: dataset 'google/xtreme' is not in the data lock; add it with "
        f"`stiltgrid fetch --preset paper` (on a machine with internet), then commit the lock"
    )
    assert isinstance(caught.value, hub.FetchError)  # the rules turn it into one line before any job


def test_a_revision_other_than_the_locked_one_asks_for_a_refresh(lock_file):
    write(lock_file, {"nyu-mll/glue": {"revision": "main", "commit": GLUE, "files": {}}})
    with pytest.raises(
        LockError,
        match=r"dataset 'nyu-mll/glue' is locked at revision 'main' but the config asks "
        r"for 'v2'; update the lock with `stiltgrid fetch --preset paper --refresh`",
    ):
        hub.spec("sst2", dataset={"revisions": {"nyu-mll/glue": "v2"}}, preset="paper")


def test_an_unreadable_lock_is_one_line(lock_file):
    lock_file.write_text("{not json")
    with pytest.raises(
        LockError,
        match=r"stiltgrid.lock.json: not a readable lock file .*; restore it from version "
        r"control or delete it and run `stiltgrid fetch --preset NAME`$",
    ):
        hub.spec("sst2")


def test_the_model_is_pinned_like_the_data(lock_file):
    from repo import ROOT

    from stiltgrid.grid.args import load_config
    from stiltgrid.grid.config import load_grid
    from stiltgrid.grid.dag import JobGraph

    config = load_config(str(ROOT), [], ["preset=pretrained"])
    model = config["presets"]["pretrained"]["model"]
    model_id = config["models"][model]["id"]
    write(lock_file, models={model_id: {"revision": "main", "commit": GLUE, "files": {}}})
    spec = JobGraph(config, load_grid(config)).model(model).settings["spec"]
    assert (spec["id"], spec["revision"], spec["commit"]) == (model_id, "main", GLUE)


def _http_error(status, retry_after=None):
    err = RuntimeError(f"HTTP {status}")
    err.response = SimpleNamespace(status_code=status, headers={"Retry-After": retry_after} if retry_after else {})
    return err


@pytest.mark.parametrize(
    "status,retry",
    [(429, True), (500, True), (502, True), (503, True), (504, True), (408, True), (404, False), (401, False)],
)
def test_which_statuses_are_transient(status, retry):
    assert transient(_http_error(status))[0] is retry


def test_a_wrapped_connection_error_is_transient():
    class RemoteProtocolError(Exception):
        pass

    try:
        try:
            raise RemoteProtocolError("peer closed connection")
        except RemoteProtocolError as inner:
            raise ValueError("loading failed") from inner
    except ValueError as outer:
        assert transient(outer) == (True, None)


def test_retries_back_off_and_honour_retry_after():
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise _http_error(429, "7")
        if len(calls) < 4:
            raise _http_error(503)
        return "ok"

    assert with_retries(flaky, sleep=sleeps.append) == "ok"
    assert sleeps == [7.0, 2.0, 4.0]


def test_a_permanent_error_is_not_retried_and_attempts_are_bounded():
    sleeps = []
    with pytest.raises(RuntimeError, match="HTTP 404"):
        with_retries(lambda: (_ for _ in ()).throw(_http_error(404)), sleep=sleeps.append)
    assert sleeps == []
    with pytest.raises(RuntimeError, match="HTTP 500"):
        with_retries(lambda: (_ for _ in ()).throw(_http_error(500)), attempts=3, sleep=sleeps.append)
    assert sleeps == [1.0, 2.0]


def test_set_repo_keeps_files_of_one_commit_and_drops_them_when_it_moves(tmp_path):
    lock = Lock(tmp_path / "l.json")
    lock.set_repo("datasets", "o/n", "main", GLUE, {"a": "1"})
    lock.set_repo("datasets", "o/n", "main", GLUE, {"b": "2"})
    assert lock.repo("datasets", "o/n")["files"] == {"a": "1", "b": "2"}
    lock.set_repo("datasets", "o/n", "main", XTREME, {"b": "3"})
    assert lock.repo("datasets", "o/n") == {"revision": "main", "commit": XTREME, "files": {"b": "3"}}
    lock.save()
    assert Lock.load(tmp_path / "l.json").commit("datasets", "o/n", "main") == XTREME


#: the revision each hub repository is requested at; the lock turns each into a commit
REQUESTED = {
    "nyu-mll/glue": "main",
    "rajpurkar/squad": "main",
    "facebook/anli": "main",
    "stanfordnlp/snli": "main",
    "Rowan/hellaswag": "main",
    "Samsoup/cosmos_qa": "main",
    "tau/commonsense_qa": "main",
    "google/xtreme": "main",
    "google/xquad": "main",
    "unimelb-nlp/wikiann": "main",
    "lighteval/siqa": "54c6a1f8cb6daf4f5abf24a601852612fb35eb25",
    "cambridgeltl/xcopa": "main",
    "google-research-datasets/xquad_r": "main",
}


@pytest.mark.parametrize("name", sorted(n for n, s in hub.sources().items() if not s.local))
def test_every_source_reads_its_locked_commit(name, lock_file):
    source = hub.sources()[name]
    commits = {repo_id: hashlib_sha(repo_id) for repo_id in REQUESTED}
    write(
        lock_file,
        {repo_id: {"revision": rev, "commit": commits[repo_id], "files": {}} for repo_id, rev in REQUESTED.items()},
    )
    langs = list(source.available[:2])
    spec = hub.spec(source.task, langs, {"sources": {source.task: name}})
    assert spec["hub"] and all(
        entry == {"id": entry["id"], "revision": REQUESTED[entry["id"]], "commit": commits[entry["id"]]}
        for entry in spec["hub"]
    )


def hashlib_sha(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()

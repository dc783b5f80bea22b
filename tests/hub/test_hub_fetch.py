"""Fetch behaviour around the loaders: offline failures are one line that names the dataset and the pre-fetch
command, the Snakemake job turns them into one line on stderr without a traceback, CCGbank is read from a local path,
and the rule's params carry hub ids, revisions, configs and languages."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from stiltgrid.data import hub
from stiltgrid.data.hub import FetchError
from stiltgrid.hub.base import MIRROR_VAR, OFFLINE_VARS


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.delenv(MIRROR_VAR, raising=False)
    for var in OFFLINE_VARS:
        monkeypatch.delenv(var, raising=False)

    def switch(var="HF_HUB_OFFLINE"):
        monkeypatch.setenv(var, "1")

    return switch


@pytest.mark.parametrize("var", OFFLINE_VARS)
def test_offline_fetch_is_one_line_naming_dataset_and_prefetch(offline, var, tmp_path):
    offline(var)
    out = tmp_path / "tasks" / "sst2"
    with pytest.raises(FetchError) as caught:
        hub.fetch("sst2", out, cache_dir=tmp_path / "cache")
    msg = str(caught.value)
    assert "\n" not in msg
    assert msg.startswith(
        "cannot fetch task 'sst2': hub dataset 'nyu-mll/glue' (config 'sst2', split 'train', "
        "revision 'main') is not in the cache"
    )
    assert f"offline mode is on ({var}=1)" in msg
    assert f"pre-fetch it on a machine with internet: snakemake --cores 1 {out.as_posix()}" in msg
    assert not out.exists() and not any(out.parent.iterdir())  # nothing half-written


def test_a_config_missing_from_the_mirror_is_one_line(mirror, tmp_path):
    with pytest.raises(
        FetchError,
        match=r"^cannot fetch task 'bucc': hub dataset 'google/xtreme' \(config "
        r"'bucc18.fr', split 'validation', revision 'main'\) is not readable from "
        r"the mirror .*google/xtreme \(ValueError: ",
    ):
        hub.fetch("bucc", tmp_path / "bucc", ["de", "fr"], mirror=mirror, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "bucc").exists()


def test_offline_fetch_of_a_target_names_its_first_dataset(offline, tmp_path):
    offline()
    with pytest.raises(
        FetchError,
        match=r"hub dataset 'google/xtreme' \(config 'PAWS-X.en'.*; pre-fetch it on a "
        r"machine with internet: HINT \(then copy resources/ here\)$",
    ):
        hub.fetch("pawsx", tmp_path / "pawsx", ["de"], cache_dir=tmp_path / "cache", hint="HINT")
    with pytest.raises(FetchError, match=r"\(the task reads nyu-mll/glue, google/xtreme\); pre-fetch"):
        hub.fetch("xnli", tmp_path / "xnli", ["de"], cache_dir=tmp_path / "cache")


@pytest.fixture(autouse=True)
def restore_logging():
    """The job configures the root logger (its log file); give the next test the handlers it had."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:], root.level = handlers, level


def fake_job(spec, out, log, preset="paper", dataset="hub"):
    config = {"preset": preset, "presets": {"paper": {"data": "hub"}, "demo": {"data": "world-demo"}}}
    return SimpleNamespace(
        params=SimpleNamespace(settings={"spec": spec}),
        output=[str(out)],
        log=[str(log)],
        config=config,
        wildcards=SimpleNamespace(dataset=dataset, task=spec["task"]),
    )


def test_job_exits_with_one_line_and_no_traceback(offline, tmp_path, capsys):
    from stiltgrid.jobs.fetch import fetch_task

    offline()
    log = tmp_path / "fetch.log"
    with pytest.raises(SystemExit) as caught:
        fetch_task(fake_job(hub.spec("qqp"), tmp_path / "qqp", log))
    message = caught.value.code
    assert isinstance(message, str) and "\n" not in message
    assert message.startswith("stiltgrid: cannot fetch task 'qqp': hub dataset 'nyu-mll/glue'")
    assert message.endswith(
        "pre-fetch it on a machine with internet: stiltgrid fetch --preset paper (then copy resources/ here)"
    )
    assert capsys.readouterr().err == ""  # SystemExit prints the line once; nothing else reaches stderr
    assert "cannot fetch task 'qqp'" in log.read_text() and "Traceback" not in log.read_text()

    # a preset that does not use this dataset would not fetch it: name the directory instead
    with pytest.raises(SystemExit) as caught:
        fetch_task(fake_job(hub.spec("qqp"), tmp_path / "qqp", log, preset="demo"))
    assert f"pre-fetch it on a machine with internet: snakemake --cores 1 {tmp_path / 'qqp'} " in caught.value.code


def test_job_fetches_from_a_mirror(mirror, tmp_path, monkeypatch, caplog):
    from stiltgrid.jobs.fetch import fetch_task

    monkeypatch.setenv(MIRROR_VAR, str(mirror))
    monkeypatch.chdir(tmp_path)  # the hub cache goes to ./resources/hub_cache
    out = tmp_path / "resources" / "data" / "hub" / "tasks" / "tatoeba"
    fetch_task(fake_job(hub.spec("tatoeba", ["de"]), out, tmp_path / "t.log"))
    assert sorted(p.name for p in out.iterdir()) == ["task.json", "test.de.jsonl"]
    assert (tmp_path / "resources" / "hub_cache").is_dir()


# -- params ------------------------------------------------------------------------------------------------------------
def test_params_follow_revisions_configs_and_languages():
    base = hub.spec("udpos", ["en", "de"])
    assert base["hub"] == [{"id": "google/xtreme", "revision": "main"}]
    assert [r["config"] for r in base["reads"]] == ["udpos.English", "udpos.English", "udpos.English", "udpos.German"]
    pinned = hub.spec("udpos", ["en", "de"], {"source": "hub", "revisions": {"google/xtreme": "abc123"}})
    assert pinned["hub"] == [{"id": "google/xtreme", "revision": "abc123"}]
    assert hub.spec("udpos", ["en"]) != base
    assert hub.spec("mnli", ["ignored"])["languages"] == []


def test_every_task_of_the_registry_has_a_hub_source():
    from stiltgrid.data.xtreme import XTREME_R
    from stiltgrid.grid.config import official_languages
    from stiltgrid.tasks import all_tasks

    builtin = {name: task for name, task in all_tasks().items() if not task.extra.get("local")}
    assert set(hub.tasks()) == set(builtin)
    # XTREME-R languages of XTREME tasks that the hub has no source for (a hub grid leaves them out)
    no_source = {"udpos": {"lt", "pl", "uk", "wo", "ro"}, "tatoeba": {"az", "lt", "pl", "uk", "ro"}}
    for name, task in builtin.items():
        if task.role == "intermediate":
            continue
        for benchmark in ("xtreme", XTREME_R):
            langs = [
                lang
                for lang in task.tested_languages(official_languages(name, benchmark))
                if lang not in no_source.get(name, ())
            ]
            assert hub.spec(name, langs)["languages"] == langs  # the official list is available


# -- CCGbank -----------------------------------------------------------------------------------------------------------
STAGGED = """# this file was generated by the following command(s):
#   C&C supertagger training data

Pierre|NNP|N/N Vinken|NNP|N ,|,|, 61|CD|N/N years|NNS|N old|JJ|(S[adj]\\NP)\\NP .|.|.
Mr.|NNP|N/N Vinken|NNP|N is|VBZ|(S[dcl]\\NP)/NP chairman|NN|N .|.|.
"""


def test_ccg_reads_local_supertag_files(tmp_path):
    bank = tmp_path / "ccgbank"
    bank.mkdir()
    (bank / "train.stagged").write_text(STAGGED)
    (bank / "wsj00.stagged").write_text("Rudolph|NNP|N/N Agnew|NNP|N\n")
    out = tmp_path / "tasks" / "ccg"
    record = hub.fetch("ccg", out, ccg_path=str(bank))
    train = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    assert train[0]["tokens"][:3] == ["Pierre", "Vinken", ","]
    assert train[0]["tags"][5] == "(S[adj]\\NP)\\NP" and len(train) == 2
    assert record["counts"] == {"train.jsonl": 2, "dev.jsonl": 1}
    assert hub.spec("ccg", dataset={"ccg_path": str(bank)})["local_path"] == str(bank)


def test_ccg_missing_path_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("STILTGRID_CCGBANK", str(tmp_path / "nowhere"))
    with pytest.raises(FetchError) as caught:
        hub.fetch("ccg", tmp_path / "ccg")
    msg = str(caught.value)
    assert "\n" not in msg and "licensed (LDC2005T13)" in msg and str(tmp_path / "nowhere") in msg
    assert "STILTGRID_CCGBANK" in msg and "train.stagged and dev.stagged" in msg


def test_ccg_malformed_token_names_file_and_line(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "train.stagged").write_text("Pierre|NNP|N/N Vinken\n")
    (bank / "dev.stagged").write_text("a|DT|NP/N\n")
    with pytest.raises(FetchError, match=r"train.stagged:1: token 'Vinken' is not word\|POS\|supertag"):
        hub.fetch("ccg", tmp_path / "ccg", ccg_path=str(bank))

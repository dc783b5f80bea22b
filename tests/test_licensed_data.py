"""Licensed or off-hub data is looked up when the grid is planned (stiltgrid.data.availability).

`paper` trains on CCGbank (`ccg`, licensed) and `xtreme-r` also scores Mewsli-X (`mewslix`, not on the hub). Without
their local copies the dry run stops before any job, naming every missing copy, its config key and the opt-out; with
`drop_unavailable: true` the grid, its cells and multitask go on without those tasks and warnings.md says so; with
the copies in place the tasks are planned. Generated worlds never look."""

import copy
import json
import re

import pytest
import yaml
from repo import ROOT, ccgbank, copy_workflow, planned_jobs, run_snakemake

from stiltgrid.data import availability, hub
from stiltgrid.grid.config import ConfigError, load_grid
from stiltgrid.grid.dag import JobGraph
from stiltgrid.hub.base import LocalSource
from stiltgrid.results.aggregate import gather_warnings, write_warnings

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
#: preset -> the tasks it reads from a local copy, and the config key of each
LOCAL = {"paper": {"ccg": "ccg_path"}, "xtreme-r": {"ccg": "ccg_path", "mewslix": "mewslix_path"}}


def mewsli(root):
    """A Mewsli-X dataset directory as get-mewsli-x.sh writes it, one German mention."""
    root.mkdir(parents=True)
    entity = {"entity_id": "Q90", "title": "Paris", "description": "Paris ist die Hauptstadt Frankreichs."}
    article = {
        "context": {"document_id": "d1", "language": "de", "text": "Paris ist groß.", "sentence_spans": [[0, 15]]},
        "mentions": [{"example_id": "m1", "entity_id": "Q90", "mention_span": {"text": "Paris", "start": 0, "end": 5}}],
    }
    (root / "candidate_set_entities.jsonl").write_text(json.dumps(entity) + "\n")
    (root / "wikinews_mentions-test.jsonl").write_text(json.dumps(article) + "\n")
    return root


COPIES = {"ccg_path": ccgbank, "mewslix_path": mewsli}


@pytest.fixture(autouse=True)
def nowhere(tmp_path, monkeypatch):
    """No copy anywhere: the default locations (resources/ccgbank, resources/mewsli-x) are read relative to the
    working directory, and the environment variables are unset."""
    monkeypatch.chdir(tmp_path)
    for var in ("STILTGRID_CCGBANK", "STILTGRID_MEWSLIX"):
        monkeypatch.delenv(var, raising=False)


def config(preset, drop=None, **dataset):
    out = copy.deepcopy(CONFIG)
    out["preset"] = preset
    out["datasets"]["hub"].update(dataset)
    if drop is not None:
        out["drop_unavailable"] = drop
    return out


def with_copies(tmp_path, preset):
    return {key: str(COPIES[key](tmp_path / key)) for key in LOCAL[preset].values()}


@pytest.mark.parametrize("preset", LOCAL)
def test_missing_copies_are_listed_at_once_with_key_and_opt_out(preset):
    grid = load_grid(config(preset))
    assert list(grid.unavailable) == list(LOCAL[preset]) and grid.dropped == ()
    message = availability.stop_message(preset, grid.unavailable)
    lines = message.splitlines()
    assert len(lines) == len(LOCAL[preset]) + 2 and lines[0].startswith(f"preset '{preset}' needs")
    for line, (task, key) in zip(lines[1:], LOCAL[preset].items()):
        assert line.startswith(f"  {task}: ") and f"datasets.hub.{key}" in line and "does not exist" in line
    assert "--config drop_unavailable=true" in lines[-1] and "docs/licensed-data.md" in lines[0]
    assert "CCGbank is licensed (LDC2005T13)" in lines[1]
    if preset == "xtreme-r":
        assert "get-mewsli-x.sh" in lines[2]


@pytest.mark.parametrize("preset", LOCAL)
@pytest.mark.parametrize("drop", [True, "true"])  # `--config drop_unavailable=true` passes the string
def test_opt_out_drops_the_tasks_from_grid_and_multitask_with_a_warning(preset, drop, tmp_path):
    full, grid = load_grid(config(preset)), load_grid(config(preset, drop=drop))
    dropped = tuple(LOCAL[preset])
    assert grid.dropped == dropped and grid.unavailable == {}
    assert not set(dropped) & set(grid.intermediates + grid.targets + tuple(grid.data_tasks()))
    assert grid.intermediates == tuple(i for i in full.intermediates if i != "ccg")
    assert grid.targets == tuple(t for t in full.targets if t != "mewslix")
    remaining = [t for t in full.multitask_tasks() if t != "ccg"]
    assert grid.multitask_tasks() == remaining and len(remaining) == 8
    graph = JobGraph(config(preset, drop=drop), grid)
    multitask = graph.intermediate(grid.model_name, "multitask", 1)  # what the multitask job's params carry
    assert multitask.settings["tasks"] == remaining
    assert multitask.inputs["data"] == [graph.task_dir(t) for t in remaining]
    # every dropped task is one line of warnings.md, through the aggregate job's settings
    settings = graph.aggregate.settings
    assert "ccg" not in settings["intermediates"] and "mewslix" not in settings["targets"]
    assert not any("/ccg/" in p or "/mewslix/" in p for p in settings["metrics"])
    write_warnings(gather_warnings(settings["config_warnings"], [], []), tmp_path / "warnings.md")
    text = (tmp_path / "warnings.md").read_text()
    assert f"{len(dropped)} warning(s)" in text
    ccg = next(line for line in text.splitlines() if "'ccg'" in line)
    assert ccg.startswith(
        "- configuration: task 'ccg' dropped from the grid (drop_unavailable: true): CCGbank is licensed (LDC2005T13)"
    )
    assert ccg.endswith(f"multitask trains on the 8 others ({', '.join(remaining)})")
    if preset == "xtreme-r":
        mewslix = next(line for line in text.splitlines() if "'mewslix'" in line)
        assert "Mewsli-X is not on the hub" in mewslix and "datasets.hub.mewslix_path" in mewslix
        assert "multitask" not in mewslix  # a target: multitask never read it


@pytest.mark.parametrize("preset", LOCAL)
def test_copies_in_place_are_planned_and_convert(preset, tmp_path):
    paths = with_copies(tmp_path, preset)
    for drop in (None, True):  # the opt-out drops nothing when nothing is missing
        grid = load_grid(config(preset, drop=drop, **paths))
        assert grid.unavailable == {} and grid.dropped == () and grid.warnings == ()
        assert "ccg" in grid.intermediates and "ccg" in grid.multitask_tasks()
        assert ("mewslix" in grid.targets) == (preset == "xtreme-r")
    # what the check accepts, the converter reads
    assert hub.fetch("ccg", tmp_path / "out" / "ccg", local_path=paths["ccg_path"])["counts"] == {
        "train.jsonl": 2,
        "dev.jsonl": 1,
    }
    if "mewslix_path" in paths:
        record = hub.fetch("mewslix", tmp_path / "out" / "mewslix", ["de"], local_path=paths["mewslix_path"])
        assert record["counts"]["test.de.jsonl"] == 1


def test_default_locations_and_environment_count(tmp_path, monkeypatch):
    ccgbank(tmp_path / "resources" / "ccgbank")  # the default location, relative to the working directory
    monkeypatch.setenv("STILTGRID_MEWSLIX", str(mewsli(tmp_path / "elsewhere")))
    assert load_grid(config("xtreme-r")).unavailable == {}


@pytest.mark.parametrize(
    "damage, expected",
    [
        (
            lambda root: (root / "wsj00.stagged").unlink(),
            "ccg: no dev file in {root} (looked for dev.stagged, wsj00.stagged, dev.jsonl;",
        ),
        (
            lambda root: (root / "train.stagged").write_text(""),
            "ccg: {root}/train.stagged is empty; config key datasets.hub.ccg_path",
        ),
    ],
)
def test_a_copy_without_what_the_converter_reads_names_the_file(tmp_path, damage, expected):
    root = ccgbank(tmp_path / "bank")
    damage(root)
    grid = load_grid(config("paper", ccg_path=str(root)))
    assert grid.unavailable["ccg"].startswith(expected.format(root=root))
    assert "datasets.hub.ccg_path" in grid.unavailable["ccg"]


def test_mewslix_copy_without_mentions_names_the_file(tmp_path):
    root = mewsli(tmp_path / "mewsli")
    (root / "wikinews_mentions-test.jsonl").unlink()
    paths = {"ccg_path": str(ccgbank(tmp_path / "bank")), "mewslix_path": str(root)}
    line = load_grid(config("xtreme-r", **paths)).unavailable["mewslix"]
    assert line.startswith(f"mewslix: no wikinews_mentions-test.jsonl in {root}")


@pytest.mark.parametrize("preset", ["demo", "ci", "demo-r"])
def test_generated_worlds_never_look(preset, monkeypatch):
    def fail(self):
        raise AssertionError("looked for a local copy")

    monkeypatch.setattr(LocalSource, "problem", fail)
    grid = load_grid(config(preset, drop=True))
    assert grid.unavailable == {} and grid.dropped == ()
    if preset == "demo":
        assert "ccg" in grid.intermediates and "ccg" in grid.multitask_tasks()


def test_opt_out_keeps_the_cells_that_remain():
    cells = [["none", "xnli", 1], ["ccg", "xnli", 1], ["mnli", "xnli", 1]]
    overlay = config("paper", drop=True)
    overlay["presets"]["paper"].update(cells=cells, analysis=None)
    assert load_grid(overlay).cells == (("none", "xnli", 1), ("mnli", "xnli", 1))


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"intermediate": ["none", "ccg"], "targets": ["xnli"], "analysis": None}, None),
        (
            {"intermediate": ["none", "multitask"], "multitask": {"tasks": ["ccg"]}, "analysis": None},
            "drop_unavailable drops every multitask task (ccg)",
        ),
        (
            {"analysis": {"volume": {"intermediates": ["none", "ccg"]}}},
            "drop_unavailable drops task 'ccg', but a variant or an analysis of the grid still reads it",
        ),
    ],
)
def test_opt_out_that_leaves_a_hole_says_where(change, expected):
    overlay = config("paper", drop=True)
    overlay["presets"]["paper"].update(change)
    if expected is None:  # only the baseline is left: still a grid
        assert load_grid(overlay).intermediates == ("none",)
        return
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_grid(overlay)


def test_opt_out_value_is_checked():
    with pytest.raises(ConfigError, match="^drop_unavailable: 'yes' is not one of"):
        load_grid(config("paper", drop="yes"))


# -- in Snakemake -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("licensed"))


def stop_lines(result):
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in out and "Job stats" not in out, out[-3000:]
    return [
        line
        for line in out.splitlines()
        if line.startswith(("config error: preset", "  ccg:", "  mewslix:", "Set the key"))
    ]


@pytest.mark.slow
@pytest.mark.parametrize("preset", LOCAL)
def test_dry_run_stops_before_any_job_and_the_pre_fetch_command_too(work, preset):
    for args in (("-n",), ("--cores", "1", "--until", "fetch_task", "mlm_checkpoint")):  # the README's pre-fetch
        lines = stop_lines(run_snakemake(work, *args, "--config", f"preset={preset}", check=False))
        assert [line.split(":")[0].strip() for line in lines[1:-1]] == list(LOCAL[preset])
        assert "drop_unavailable=true" in lines[-1]
    assert not (work / "resources").exists() and not (work / "results").exists()  # nothing ran


@pytest.mark.slow
@pytest.mark.parametrize("preset", LOCAL)
def test_dry_run_plans_without_the_tasks_or_with_their_copies(work, preset, tmp_path):
    full = {"fetch_task": {"paper": 18, "xtreme-r": 19}[preset], "train_intermediate": 30}  # 9 + targets; 10 x 3
    dropped = planned_jobs(work, "--config", f"preset={preset}", "drop_unavailable=true")
    assert dropped["fetch_task"] == full["fetch_task"] - len(LOCAL[preset])
    assert dropped["train_intermediate"] == full["train_intermediate"] - 3  # ccg x 3 seeds
    assert "evaluate_mewslix" not in dropped and dropped["aggregate"] == 1
    overlay = tmp_path / "copies.yaml"
    overlay.write_text(yaml.safe_dump({"datasets": {"hub": {"source": "hub", **with_copies(tmp_path, preset)}}}))
    planned = planned_jobs(work, "--config", f"preset={preset}", "--configfile", overlay)
    assert {rule: planned[rule] for rule in full} == full
    assert planned["evaluate_mewslix"] == (33 if preset == "xtreme-r" else 0)

"""The XTREME / XTREME-R leaderboard export round-trips: predictions read back from the exported files as
google-research/xtreme's evaluate.py reads them (tests/xtreme_reader.py) give, with the project's metric functions,
the metrics the cells recorded -- for every task evaluate.py reads, on hand-made cells and on the `ci` grid."""

import copy
import json
from pathlib import Path

import export_data as D
import pytest
import xtreme_reader as XR
import yaml
from behaviour_probes import job
from repo import ROOT

from stiltgrid import jobs
from stiltgrid.core import paths
from stiltgrid.core.errors import UserError
from stiltgrid.data import xtreme as xt
from stiltgrid.grid.config import ConfigError, load_grid
from stiltgrid.grid.dag import JobGraph
from stiltgrid.results import export as X

CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())
RECORDED_ONLY = ("threshold", "dev_f1", "n_extracted")  # BUCC: tuned on dev, or not a score of the test files


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("cells")
    return {"root": root, **D.build(root)}


def run_export(built, out: Path, row: str, choices: Path | None = None) -> dict:
    settings = D.export_settings(built, row)
    inputs = {
        "cells": [
            d for by_inter in settings["cells"].values() for by_seed in by_inter.values() for d in by_seed.values()
        ],
        "data": list(settings["data"].values()),
    }
    if choices is not None:
        inputs["choices"] = str(choices)
    jobs.export_predictions(
        job("export_predictions", settings, inputs, {"out": str(out)}, {"model": "m"}, out.parent / "export.log")
    )
    return json.loads((out / X.MANIFEST).read_text())


def assert_round_trip(prediction_folder, label_folder, task, lang, cell):
    record = json.loads((Path(cell) / paths.CELL_METRICS.format(lang=lang)).read_text())
    recorded = {k: v for k, v in record["metrics"].items() if k not in RECORDED_ONLY}
    assert XR.score(prediction_folder, label_folder, task, lang) == pytest.approx(recorded, abs=1e-9), (task, lang)


def test_a_named_row_round_trips_on_every_task_evaluate_reads(built, tmp_path):
    out = tmp_path / "export"
    manifest = run_export(built, out, "mnli")
    labels = tmp_path / "labels"
    exported = {}
    for target in D.TARGETS:
        task = xt.official_task(target)
        if task is None:
            continue
        exported[task] = target
        for lang in D.languages(target):
            assert (out / "predictions" / task / f"test-{lang}.{xt.leaderboards()[task].suffix}").exists()
            XR.write_labels(labels, task, lang, built["examples"][target][lang])
            assert_round_trip(out / "predictions", labels, task, lang, built["cells"][target]["mnli"])
    assert sorted(exported) == sorted(xt.leaderboards())  # all eleven of evaluate.py's tasks, BUCC as bucc2018
    assert sorted(p.name for p in (out / "predictions").iterdir()) == sorted(xt.leaderboards())
    assert manifest["tasks"]["bucc2018"] == {
        "target": "bucc",
        "intermediate": "mnli",
        "seed": 1,
        "cell": built["cells"]["bucc"]["mnli"],
        "languages": ["de"],
    }
    assert manifest["skipped"] == {"lareqa": "not read by XTREME's evaluate.py"}
    assert manifest["row"] == "mnli" and manifest["seed"] == 1 and manifest["prediction_folder"] == "predictions"
    assert manifest["xtreme_version"] == "xtreme"  # PAWS-X and BUCC are XTREME's


def test_formats_are_the_official_ones(built, tmp_path):
    out = tmp_path / "export"
    run_export(built, out, "squad")
    folder = out / "predictions"
    xnli = (folder / "xnli" / "test-de.tsv").read_text().splitlines()
    assert len(xnli) == 14 and set(xnli) <= {"entailment", "neutral", "contradiction"}
    tags = (folder / "udpos" / "test-en.tsv").read_text().split("\n\n")
    assert len([s for s in tags if s.strip()]) == 14 and tags[0].split("\n")[0] in D.UPOS
    bucc = [line.split("\t") for line in (folder / "bucc2018" / "test-de.tsv").read_text().splitlines()]
    assert bucc and all(s.startswith("de-") and t.startswith("en-de-") for s, t in bucc)
    tatoeba = (folder / "tatoeba" / "test-de.tsv").read_text().splitlines()
    assert len(tatoeba) == 14 and all(0 <= int(line) < 14 for line in tatoeba)
    assert set(json.loads((folder / "xquad" / "test-en.json").read_text())) == {f"en-{i}" for i in range(14)}
    assert all(
        set(json.loads(line)) == {"id", "label"}
        for line in (folder / "xcopa" / "test-en.jsonl").read_text().splitlines()
    )
    ranked = json.loads((folder / "mewslix" / "test-de.json").read_text())
    assert len(ranked) == 8 and all(len(top) == 14 for top in ranked.values())  # the whole pool of 14, best first


def test_the_best_dev_row_exports_each_targets_choice(built, tmp_path):
    choices = tmp_path / "best_per_target.tsv"
    chosen = {t: "squad" if t in ("xnli", "tatoeba", "bucc") else "mnli" for t in D.TARGETS}
    chosen["mlqa"] = ""  # no dev score to choose on
    choices.write_text("target\tintermediate\tchosen_on\n" + "".join(f"{t}\t{i}\tdev\n" for t, i in chosen.items()))
    out = tmp_path / "export"
    manifest = run_export(built, out, "best-dev", choices)
    labels = tmp_path / "labels"
    for task, spec in manifest["tasks"].items():
        target = spec["target"]
        assert spec["intermediate"] == chosen[target]
        for lang in spec["languages"]:
            XR.write_labels(labels, task, lang, built["examples"][target][lang])
            assert_round_trip(out / "predictions", labels, task, lang, built["cells"][target][chosen[target]])
    assert "mlqa" not in manifest["tasks"] and not (out / "predictions" / "mlqa").exists()
    assert manifest["skipped"]["mlqa"] == "no dev score to choose an intermediate on"
    # the two intermediates' predictions differ, so the file shows whose they are
    exported = (out / "predictions" / "xnli" / "test-de.tsv").read_text().splitlines()
    predicted = {
        inter: [
            json.loads(line)["prediction"]
            for line in (Path(built["cells"]["xnli"][inter]) / "de.predictions.jsonl").read_text().splitlines()
        ]
        for inter in ("mnli", "squad")
    }
    assert exported == predicted["squad"] != predicted["mnli"]


def test_a_choice_without_a_cell_at_the_seed_is_named(built, tmp_path):
    choices = tmp_path / "best_per_target.tsv"
    choices.write_text("target\tintermediate\nxnli\tanli\n")
    settings = D.export_settings(built, "best-dev")
    with pytest.raises(UserError, match="xnli's best-dev row is 'anli', which has no cell at seed 1"):
        X.write_submission(
            str(tmp_path / "out"),
            "best-dev",
            1,
            {"xnli": settings["targets"]["xnli"]},
            {"xnli": settings["cells"]["xnli"]},
            {},
            {},
            str(choices),
        )


def test_without_a_seed_each_target_takes_its_first_cell(built, tmp_path):
    """A preset's `cells:` list may run an intermediate's cell in some seeds only."""
    settings = D.export_settings(built, "mnli", seed=None)
    cells = {"xnli": {"mnli": {"3": built["cells"]["xnli"]["mnli"], "2": built["cells"]["xnli"]["squad"]}}}
    manifest = X.write_submission(
        str(tmp_path / "out"), "mnli", None, {"xnli": settings["targets"]["xnli"]}, cells, {}, {}
    )
    assert manifest["seed"] is None and manifest["tasks"]["xnli"]["seed"] == 2
    assert manifest["tasks"]["xnli"]["cell"] == built["cells"]["xnli"]["squad"]
    config = ci_config(seeds=[1, 2], cells=[["none", "xnli", 1], ["mnli", "xnli", 2], ["mnli", "udpos", 1]])
    export = JobGraph(config, load_grid(config)).export
    assert export.settings["cells"] == {
        "xnli": {"mnli": {"2": "results/tiny-ci/eval/mnli/xnli/seed2"}},
        "udpos": {"mnli": {"1": "results/tiny-ci/eval/mnli/udpos/seed1"}},
    }


# -- the job in the grid -------------------------------------------------------------------------------------------
def ci_config(**preset):
    config = copy.deepcopy(CONFIG)
    config["preset"] = "ci"
    config["presets"]["ci"].update(preset)
    return config


def test_the_export_job_reads_the_candidates_and_the_dev_choice():
    config = ci_config(seeds=[1, 2])
    graph = JobGraph(config, load_grid(config))
    export = graph.export
    assert export.rule == "export_predictions" and export.outputs == ("results/tiny-ci/export/ci",)
    assert export.settings["row"] == "best-dev" and export.settings["seed"] is None
    assert export.inputs["choices"] == "results/tiny-ci/tables/ci/best_per_target.tsv"
    assert sorted(export.inputs["cells"]) == sorted(
        f"results/tiny-ci/eval/{i}/{t}/seed{s}"
        for i in ("mnli", "squad")
        for t in ("xnli", "udpos", "xquad", "tatoeba")
        for s in (1, 2)
    )
    assert export.inputs["data"] == ["resources/data/world-ci/tasks/tatoeba"]
    assert export.settings["targets"]["tatoeba"] == {"task": "tatoeba", "languages": ["wa", "wb", "ea", "ka"]}
    assert graph.producer("results/tiny-ci/export/ci") is export
    assert graph.producer(export.inputs["choices"]) is graph.aggregate

    named = ci_config(seeds=[1, 2], export={"row": "none", "seed": 2})
    export = JobGraph(named, load_grid(named)).export
    assert "choices" not in export.inputs and export.settings["cells"]["xnli"] == {
        "none": {"2": "results/tiny-ci/eval/none/xnli/seed2"}
    }
    assert JobGraph(ci_config(export=None), load_grid(ci_config(export=None))).export is None


@pytest.mark.parametrize(
    "export,message",
    [
        ({"row": "anli"}, "export.row 'anli' is neither best-dev nor an intermediate of the grid"),
        ({"seed": 3}, "export.seed 3 is not one of the grid's seeds"),
        ({"rows": "none"}, "unknown key 'rows'"),
    ],
)
def test_export_settings_are_checked(export, message):
    with pytest.raises(ConfigError, match=message):
        load_grid(ci_config(export=export))


# -- end to end ----------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_ci_grids_export_round_trips(ci_grid, tmp_path):
    from stiltgrid.formats import read_jsonl
    from stiltgrid.tasks import get_task

    out = ci_grid / "results" / "tiny-ci" / "export" / "ci"
    manifest = json.loads((out / X.MANIFEST).read_text())
    best = {
        line.split("\t")[0]: line.split("\t")[1]
        for line in (ci_grid / "results/tiny-ci/tables/ci/best_per_target.tsv").read_text().splitlines()[1:]
    }
    assert sorted(manifest["tasks"]) == ["tatoeba", "udpos", "xnli", "xquad"] and manifest["row"] == "best-dev"
    for task, spec in manifest["tasks"].items():
        target = spec["target"]
        assert spec["intermediate"] == best[target] and spec["seed"] == 1
        assert spec["languages"] == CONFIG_LANGS(target)
        for lang in spec["languages"]:
            examples = read_jsonl(
                ci_grid / "resources/data/world-ci/tasks" / target / f"test.{lang}.jsonl", get_task(target).format
            )
            XR.write_labels(tmp_path / "labels", task, lang, examples)
            assert_round_trip(out / "predictions", tmp_path / "labels", task, lang, ci_grid / spec["cell"])


def CONFIG_LANGS(target):
    langs = CONFIG["presets"]["ci"]["languages"]
    return [lang for lang in langs if lang != "en"] if target == "tatoeba" else langs

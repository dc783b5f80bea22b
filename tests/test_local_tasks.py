"""Tasks declared in config from local files: declaration checks, preparation, and how the grid sees them."""

import json

import pytest
import yaml
from repo import ROOT

from stiltgrid.data.declared import TaskDeclarationError, prepare, split_files, to_task
from stiltgrid.formats import FormatError
from stiltgrid.grid.config import ConfigError, load_grid


@pytest.fixture(autouse=True)
def _restore_registry(declared_registry):
    """Every test here may declare tasks (conftest's declared_registry restores the registry)."""


def _pair_files(root, langs=("en", "de")):
    rows = [{"id": f"x{i}", "text_a": "a b", "text_b": "b c", "label": ["yes", "no"][i % 2]} for i in range(4)]
    for split in ["train", "dev"] + [f"test.{lang}" for lang in langs]:
        (root / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {"train": str(root / "train.jsonl"), "dev": str(root / "dev.jsonl"), "test": str(root / "test.{lang}.jsonl")}


def _decl(files, **extra):
    return {
        "format": "pair_classification",
        "labels": ["yes", "no"],
        "languages": ["en", "de"],
        "files": files,
        **extra,
    }


def test_declaration_becomes_a_task_with_defaults(tmp_path):
    task = to_task("my-pairs", _decl(_pair_files(tmp_path)))
    assert (task.role, task.metric, task.category) == ("target", "accuracy", "classification")
    assert task.extra["languages"] == ["en", "de"]
    assert sorted(split_files(_decl(_pair_files(tmp_path)))) == ["dev", "test.de", "test.en", "train"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("labels"), r"tasks\.t\.labels: a pair_classification task needs its label set"),
        (lambda d: d["files"].update(test="x/test.jsonl"), r"tasks\.t\.files\.test: the path needs \{lang\}"),
        (lambda d: d["files"].pop("dev"), r"tasks\.t\.files: a trainable task needs 'dev'"),
        (
            lambda d: d["files"].update(train="x/{lang}.jsonl"),
            r"files\.train: the English train file takes no \{lang\}",
        ),
        (lambda d: d.update(role="retrieval"), r"role: 'retrieval' needs format 'retrieval'"),
    ],
)
def test_inconsistent_declarations_name_the_key(tmp_path, change, message):
    decl = _decl(_pair_files(tmp_path))
    change(decl)
    with pytest.raises(TaskDeclarationError, match=message):
        to_task("t", decl)


def test_builtin_names_are_reserved(tmp_path):
    with pytest.raises(TaskDeclarationError, match="'xnli' is a built-in task"):
        to_task("xnli", _decl(_pair_files(tmp_path)))


def test_bucc_metric_needs_a_dev_split(tmp_path):
    decl = {"format": "retrieval", "metric": "bucc", "languages": ["de"], "files": {"test": "t.{lang}.jsonl"}}
    with pytest.raises(TaskDeclarationError, match="tunes its threshold on 'dev'"):
        to_task("mine", decl)


def test_prepare_rejects_duplicate_ids_with_file_and_line(tmp_path):
    files = _pair_files(tmp_path)
    path = tmp_path / "test.de.jsonl"
    path.write_text(path.read_text() + json.dumps({"id": "x1", "text_a": "a", "text_b": "b", "label": "no"}) + "\n")
    with pytest.raises(FormatError, match=r"test\.de\.jsonl:5: field 'id': 'x1' already used on line 2"):
        prepare("my-pairs", _decl(files), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_prepare_writes_every_split_and_the_declaration(tmp_path):
    files = _pair_files(tmp_path)
    counts = prepare("my-pairs", _decl(files), tmp_path / "out")
    assert counts == {"train": 4, "dev": 4, "test.en": 4, "test.de": 4}
    meta = json.loads((tmp_path / "out" / "task.json").read_text())
    assert meta["labels"] == ["yes", "no"] and meta["languages"] == ["en", "de"]


def _config_with(tasks: dict, preset_changes: dict) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["tasks"] = tasks
    config["presets"]["ci"].update(preset_changes)
    config["preset"] = "ci"
    return config


def test_grid_uses_declared_languages_and_roles(tmp_path):
    files = _pair_files(tmp_path, langs=("en", "de", "yo"))
    config = _config_with(
        {"my-pairs": _decl(files, languages=["en", "de", "yo"]), "my-inter": _decl(files, role="intermediate")},
        {"intermediate": ["none", "my-inter"], "targets": ["xnli", "my-pairs"]},
    )
    grid = load_grid(config)
    assert grid.languages("my-pairs") == ["en", "de", "yo"]  # its own languages, not the preset's
    assert grid.trained_targets == ("xnli", "my-pairs")
    assert "my-inter" not in grid.multitask_tasks()  # the default multitask set stays the built-in tasks


def test_unknown_declaration_key_is_a_config_error(tmp_path):
    decl = _decl(_pair_files(tmp_path), lables=["yes", "no"])
    with pytest.raises(ConfigError, match="unknown key 'lables' in tasks.my-pairs"):
        load_grid(_config_with({"my-pairs": decl}, {}))


def test_readme_example_is_a_valid_config_with_sensible_settings_for_a_real_encoder(tmp_path):
    """The bring-your-own example (docs/bring-your-own.md), literally, with a small encoder standing in for its path:
    it inherits the `pretrained` preset, warns about nothing, and its cells are told practitioner settings."""
    import toy

    from stiltgrid.grid.config import deep_merge
    from stiltgrid.grid.dag import JobGraph

    section = (ROOT / "docs" / "bring-your-own.md").read_text()  # the page's first example
    example = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])
    assert example["models"]["my-e5"]["path"] == "/data/encoders/multilingual-e5-small"
    assert example["presets"]["mine"]["inherit"] == "pretrained"
    # the encoder directory is read when the workflow is parsed: stand a small one in for the README's
    example["models"]["my-e5"]["path"] = str(toy.xlmr_dir(tmp_path, positions=514))
    config = deep_merge(yaml.safe_load((ROOT / "config.yaml").read_text()), example)
    grid = load_grid(config)
    assert grid.model["path"] == str(tmp_path / "xlmr") and grid.warnings == ()
    assert grid.trained_targets == ("xnli", "my-nli") and grid.retrieval_targets == ("my-bitext",)
    assert grid.languages("my-nli") == ["de", "yo"] and grid.languages("my-bitext") == ["de", "yo"]
    target = grid.hparams("target", "my-nli")
    assert (target["lr"], target["epochs"], target["max_length"], target["eval_subset"]) == (2e-5, 3, 128, 1000)
    assert grid.hparams("target", "xquad")["max_length"] == 384
    assert target["min_steps"] == 1000  # a small task trains for 1,000 optimiser steps at least
    assert (grid.retrieval()["layer"], grid.retrieval()["pooling"]) == ("auto", "auto")  # by the encoder's kind
    graph = JobGraph(config, grid)
    bitext = graph.cell("my-e5", "none", "my-bitext", 1).settings
    assert bitext["prefixes"] == {"query": "query: ", "passage": "query: "} and "prefix" not in bitext
    assert bitext["tatoeba_query"] == "en" and bitext["layer"] == "auto"
    # the retrieval job reads the kind of encoder from the model's own files
    assert graph.cell("my-e5", "mnli", "my-bitext", 1).inputs["model"] == "resources/models/my-e5"
    nli = graph.cell("my-e5", "none", "my-nli", 1).settings
    assert nli["prefix"] == "query: " and nli["dev_languages"] == ["en"]  # no test.en file
    assert graph.aggregate.settings["dev_metrics"] == [
        "results/my-e5/eval/none/my-nli/seed1/dev.en.metrics.json",
        "results/my-e5/eval/mnli/my-nli/seed1/dev.en.metrics.json",
    ]

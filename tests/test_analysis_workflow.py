"""The research questions end to end on a small slice of the generated world: variants are augmented and trained,
perturbed test sets are scored, and each analysis writes its table, figure and summary; planted effects of the world
show up where they must (a perturbation that removes information hurts, strength 0 changes nothing)."""

import json

import pandas as pd
import pytest
import yaml
from repo import copy_workflow, run_snakemake

pytestmark = pytest.mark.slow
MODEL, PRESET = "tiny-ci", "analysis-ci"
QUESTIONS = ("families", "low_resource", "xtreme_mix", "robustness", "volume")

CONFIG = {
    "preset": PRESET,
    "variants": {
        "mnli-mix": {"base": "mnli", "augment": "translate", "share": 0.5},
        "mnli-cs": {"base": "mnli", "augment": "codeswitch", "share": 0.5, "rate": 0.5},
    },
    "presets": {
        PRESET: {
            "inherit": "ci",
            "intermediate": ["none", "mnli", "squad"],
            "targets": ["xnli", "udpos", "tatoeba"],
            "analysis": {
                "bootstrap": 500,
                "families": {"comparisons": [["mnli-mix", "mnli"]], "targets": ["xnli", "udpos"]},
                "low_resource": {
                    "comparisons": [["mnli-cs", "mnli"]],
                    "strata": {"column": "pretrain_tokens_m", "low_below": 0.05, "high_from": 0.15},
                },
                "xtreme_mix": {"comparisons": [["mnli-mix", "mnli"]]},
                "robustness": {
                    "targets": ["xnli"],
                    "perturbations": {
                        "noise-off": {"kind": "char_noise", "strength": 0.0},
                        "noise-heavy": {"kind": "char_noise", "strength": 1.0},
                        "swap": {"kind": "entity_swap", "strength": 1.0},
                    },
                },
                "volume": {},
            },
        }
    },
}


def snakemake(work, *args):
    return run_snakemake(work, "--cores", "2", "--configfile", "analysis-ci.yaml", *args)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    work = copy_workflow(tmp_path_factory.mktemp("analysis"))
    (work / "analysis-ci.yaml").write_text(yaml.safe_dump(CONFIG))
    snakemake(work)
    return work


def _dir(work, question):
    return work / "results" / MODEL / "analysis" / PRESET / question


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_question_writes_table_figure_and_summary(analysed, question):
    out = _dir(analysed, question)
    table = pd.read_csv(out / "table.tsv", sep="\t")
    assert len(table) > 0
    assert (out / "figure.png").stat().st_size > 2000
    summary = (out / "summary.md").read_text()
    assert "language" in summary and any(ch.isdigit() for ch in summary)


def test_variants_are_augmented_as_configured(analysed):
    variants = analysed / "resources" / "data" / "world-ci" / "variants"
    mix = json.loads((variants / "mnli-mix" / "task.json").read_text())
    assert mix["stats"]["translated"] == round(0.5 * mix["examples"])
    train = [json.loads(line) for line in (variants / "mnli-mix" / "train.jsonl").open()]
    langs = {ex["id"].rsplit("@", 1)[1] for ex in train if "@" in ex["id"]}
    assert langs == {"wa", "wb", "ea", "ka"}  # the preset's non-English languages
    cs = json.loads((variants / "mnli-cs" / "task.json").read_text())
    assert cs["stats"]["switched_examples"] > 0.4 * cs["examples"]


def _perturbed(work, name, inter="mnli"):
    out = {}
    for lang in ("en", "wa", "wb", "ea", "ka"):
        cell = work / "results" / MODEL / "eval" / inter / "xnli" / "seed1"
        path = cell / "perturbed" / name / f"{lang}.metrics.json"
        out[lang] = json.loads(path.read_text())["metrics"]["accuracy"]
    return out


def _clean(work, inter="mnli"):
    return {
        lang: json.loads(
            (work / "results" / MODEL / "eval" / inter / "xnli" / "seed1" / f"{lang}.metrics.json").read_text()
        )["metrics"]["accuracy"]
        for lang in ("en", "wa", "wb", "ea", "ka")
    }


def test_strength_zero_perturbation_changes_nothing(analysed):
    assert _perturbed(analysed, "noise-off") == _clean(analysed)


def test_heavy_character_noise_hurts_in_the_world(analysed):
    """Planted: every word of every test sentence gets a character edit, so most words leave the vocabulary the
    model learned; accuracy must fall in every language where the clean model is above chance."""
    clean, noisy = _clean(analysed), _perturbed(analysed, "noise-heavy")
    assert clean["en"] - noisy["en"] > 5
    assert sum(clean.values()) > sum(noisy.values()) + 10


def test_robustness_table_reports_each_perturbation(analysed):
    table = pd.read_csv(_dir(analysed, "robustness") / "table.tsv", sep="\t")
    text = table.to_csv(sep="\t")
    for name in ("noise-off", "noise-heavy", "swap"):
        assert name in text


def test_rerun_does_nothing(analysed):
    out = snakemake(analysed, "-n").stdout
    assert "Nothing to be done" in out

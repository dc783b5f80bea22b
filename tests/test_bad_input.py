"""Bad input gets one clear line before any work starts, and nothing computed is lost.

Table-driven: 51 malformed configs, each caught by the dry run (`snakemake -n`), and 21 malformed data files, each
stopping its job with one line naming file:line and field. For every case: a non-zero exit, the expected words in
the first line that reports an error, and no Python traceback on the console. Valid edge cases (blank lines, a very
long line, a UTF-8 byte-order mark) pass; after a failed job, what other jobs completed is kept and reused."""

import json
import os
import shutil
from collections import Counter

import pytest
import yaml
from repo import copy_workflow, planned_jobs, run_snakemake

pytestmark = pytest.mark.slow
CI = ["--config", "preset=ci"]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("bad-input"))


def first_error(output: str) -> str:
    lines = [line for line in output.splitlines() if "error" in line.lower() or line.startswith("stiltgrid:")]
    return lines[0] if lines else ""


def assert_one_clear_line(result, expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    assert "Traceback" not in output, output[-3000:]
    assert expected in first_error(output), f"expected {expected!r} in the first error line of:\n{output[-3000:]}"


def ci(**preset):
    return {"presets": {"ci": preset}}


def analysed(**analysis):
    """A preset of its own for analysis cases (`ci` inherits demo's analyses, which read targets it drops)."""
    return {"preset": "t", "presets": {"t": {"inherit": "ci", "analysis": analysis}}}


def local_model(tmp, layers=None):
    """A directory standing in for a local encoder: empty, or with a config.json of ``layers`` layers."""
    path = tmp / f"encoder-{layers}"
    path.mkdir(exist_ok=True)
    if layers is not None:
        (path / "config.json").write_text(
            json.dumps(
                {
                    "model_type": "xlm-roberta",
                    "num_hidden_layers": layers,
                    "max_position_embeddings": 66,
                    "pad_token_id": 1,
                }
            )
        )
    return path


def declared(name, **spec):
    files = {
        "train": "/nonexistent/train.jsonl",
        "dev": "/nonexistent/dev.jsonl",
        "test": "/nonexistent/test.{lang}.jsonl",
    }
    return {
        "tasks": {
            name: {
                "format": "pair_classification",
                "labels": ["a", "b"],
                "languages": ["en", "wa"],
                "files": files,
                **spec,
            }
        }
    }


# (case, config overlay | callable(tmp) -> overlay, expected words in the first error line)
CONFIGS = [
    ("unknown preset", {"preset": "nope"}, "unknown preset 'nope'"),
    ("key typo", ci(targts=["xnli"]), "unknown key 'targts'"),
    ("nested key typo", ci(training={"target": {"defaults": {"learning_rate": 0.1}}}), "unknown key 'learning_rate'"),
    ("seeds not a list", ci(seeds="1"), "presets.ci.seeds"),
    ("lr as YAML string", ci(training={"target": {"defaults": {"lr": "2e-5"}}}), "write a number with a decimal"),
    ("lr negative", ci(training={"target": {"defaults": {"lr": -1.0}}}), "lr"),
    ("batch size zero", ci(training={"target": {"defaults": {"batch_size": 0}}}), "batch_size"),
    ("epochs not a number", ci(training={"intermediate": {"defaults": {"epochs": "two"}}}), "epochs"),
    ("precision unknown", ci(training={"target": {"defaults": {"precision": "fp8"}}}), "precision"),
    ("pooling unknown", ci(retrieval={"pooling": "max"}), "pooling"),
    ("mining unknown", ci(retrieval={"mining": "gpu"}), "mining"),
    ("margin_k zero", ci(retrieval={"margin_k": 0}), "margin_k"),
    ("unknown intermediate", ci(intermediate=["none", "mnlii"]), "unknown intermediate task 'mnlii'"),
    ("unknown target", ci(targets=["xnlii"]), "unknown target task 'xnlii'"),
    ("unknown language", ci(languages=["en", "zz"]), "unknown language 'zz'"),
    ("Norwegian as a boolean", ci(languages=["en", False]), "quote a language code"),
    ("empty targets", ci(targets=[]), "`targets` is empty"),
    ("empty intermediates", ci(intermediate=[]), "`intermediate` is empty"),
    ("empty seeds", ci(seeds=[]), "presets.ci.seeds: [] should be non-empty"),
    ("empty languages", ci(languages=[]), "presets.ci.languages: [] should be non-empty"),
    ("target twice", ci(targets=["xnli", "udpos", "xnli"]), "`targets` lists 'xnli' twice"),
    ("intermediate twice", ci(intermediate=["none", "mnli", "mnli"]), "`intermediate` lists 'mnli' twice"),
    ("language twice", ci(languages=["en", "wa", "wa"]), "`languages` lists 'wa' twice"),
    ("seed twice", ci(seeds=[1, 1]), "`seeds` lists '1' twice"),
    ("inherit cycle", {"presets": {"ci": {"inherit": "loop"}, "loop": {"inherit": "ci"}}}, "inherit cycle"),
    ("inherit unknown", {"presets": {"ci": {"inherit": "nothere"}}}, "unknown preset 'nothere'"),
    ("unknown model", ci(model="nomodel"), "unknown model 'nomodel'"),
    ("unknown dataset", ci(data="nodata"), "unknown dataset 'nodata'"),
    (
        "local model path missing",
        lambda tmp: {"models": {"mine": {"source": "local", "path": str(tmp / "absent")}}, **ci(model="mine")},
        "models.mine.path",
    ),
    (
        "local model without config.json",
        lambda tmp: {"models": {"mine": {"source": "local", "path": str(local_model(tmp))}}, **ci(model="mine")},
        "has no config.json",
    ),
    (
        "retrieval layer beyond a local encoder",
        lambda tmp: {
            "models": {"mine": {"source": "local", "path": str(local_model(tmp, 4))}},
            **ci(model="mine", retrieval={"layer": 6}),
        },
        "retrieval.layer 6 is beyond the encoder's 4 layers",
    ),
    (
        "max_length beyond a local encoder",
        lambda tmp: {
            "models": {"mine": {"source": "local", "path": str(local_model(tmp, 4))}},
            **ci(model="mine", retrieval={"layer": 2}),
        },
        "exceeds the encoder's 64 positions",
    ),
    ("retrieval layer beyond the scratch model", ci(retrieval={"layer": 9}), "retrieval.layer 9 is beyond"),
    (
        "training max_length beyond the scratch model",
        ci(training={"target": {"tasks": {"xnli": {"max_length": 200}}}}),
        "training.target.tasks.xnli.max_length 200 exceeds",
    ),
    (
        "retrieval max_length beyond the scratch model",
        ci(retrieval={"max_length": 300}),
        "retrieval.max_length 300 exceeds",
    ),
    (
        "hyper-parameters of an unknown task",
        ci(training={"target": {"tasks": {"nope": {"lr": 0.1}}}}),
        "names unknown task 'nope'",
    ),
    (
        "variant of an unknown base",
        {"variants": {"v": {"base": "nope", "augment": "translate", "share": 0.5}}},
        "variants.v.base",
    ),
    (
        "variant named like a task",
        {"variants": {"xnli": {"base": "mnli", "augment": "translate", "share": 0.5}}},
        "variants.xnli: the name is taken",
    ),
    (
        "analysis comparing an unknown intermediate",
        analysed(xtreme_mix={"comparisons": [["x", "mnli"]]}),
        "unknown intermediate or variant 'x'",
    ),
    (
        "analysis target outside the preset",
        analysed(volume={"targets": ["pawsx"]}),
        "'pawsx' is not a target of the preset",
    ),
    (
        "robustness on a retrieval target",
        analysed(robustness={"targets": ["tatoeba"], "perturbations": {"n": {"kind": "char_noise", "strength": 0.1}}}),
        "'tatoeba' is a retrieval task",
    ),
    (
        "unknown multitask task",
        ci(intermediate=["none", "multitask"], multitask={"tasks": ["mnli", "nope"]}),
        "unknown multitask task 'nope'",
    ),
    (
        "multitask task twice",
        ci(intermediate=["none", "multitask"], multitask={"tasks": ["mnli", "mnli"]}),
        "`multitask.tasks` lists 'mnli' twice",
    ),
    (
        "MLM variant on real data without its corpus",
        {
            "preset": "real",
            "presets": {
                "real": {
                    "inherit": "paper",
                    "intermediate": ["none", "mnli-mlm"],
                    "targets": ["xnli"],
                    "languages": ["en", "de"],
                    "analysis": None,
                }
            },
        },
        "variants.mnli-mlm.mlm.corpus: an MLM variant on real data needs its multilingual corpus",
    ),
    (
        "MLM variant on a generated world given a corpus",
        {
            "presets": {"ci": {"intermediate": ["none", "mnli-mlm"]}},
            "variants": {"mnli-mlm": {"mlm": {"corpus": "/x/{lang}.txt"}}},
        },
        "variants.mnli-mlm.mlm.corpus: a generated world's MLM variant reads the world's own corpus",
    ),
    ("variant that changes nothing", {"variants": {"v": {"base": "mnli"}}}, "variants.v: say what the variant changes"),
    (
        "alternatives naming an unknown variant",
        analysed(alternatives={"reference": "mnli", "alternatives": ["x"]}),
        "analysis.alternatives.alternatives: unknown intermediate or variant 'x'",
    ),
    (
        "alternatives listing their reference",
        analysed(alternatives={"reference": "mnli", "alternatives": ["squad", "mnli"]}),
        "analysis.alternatives.alternatives: lists the reference 'mnli'",
    ),
    ("declared task named like a built-in", declared("xnli"), "'xnli' is a built-in task"),
    ("declared classification without labels", declared("mine", labels=None), "tasks.mine.labels"),
    (
        "declared target without a test file",
        declared("mine", files={"train": "/x/train.jsonl", "dev": "/x/dev.jsonl"}),
        "needs 'test'",
    ),
]


@pytest.mark.parametrize("case,overlay,expected", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_config_mistake_is_caught_by_the_dry_run(work, tmp_path, case, overlay, expected):
    overlay = dict(overlay(tmp_path) if callable(overlay) else overlay)
    preset = overlay.pop("preset", "ci")
    configfile = tmp_path / "case.yaml"
    configfile.write_text(yaml.safe_dump(overlay))
    result = run_snakemake(work, "-n", "--config", f"preset={preset}", "--configfile", configfile, check=False)
    assert_one_clear_line(result, expected)


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    work = copy_workflow(tmp_path / "w")
    with (work / "config.yaml").open("a") as handle:
        handle.write("broken: [unclosed\n")
    lines = (work / "config.yaml").read_text().count("\n")
    result = run_snakemake(work, "-n", *CI, check=False)
    assert_one_clear_line(result, f"config.yaml:{lines + 1}:")
    assert "not valid YAML" in first_error(result.stdout + result.stderr)


# -- data files ------------------------------------------------------------------------------------------------------
PAIR = {"id": "p1", "text_a": "a b", "text_b": "c d", "label": "yes"}
QA = {
    "id": "q1",
    "context": "Anna sees Boris",
    "question": "who?",
    "answers": {"text": ["Boris"], "answer_start": [10]},
}
MC = {"id": "m1", "context": "c", "question": "q", "choices": ["x", "y"], "label": 1}
TAG = {"id": "t1", "tokens": ["Anna", "sees"], "tags": ["PROPN", "VERB"]}
RET = {"id": "r1", "side": "src", "text": "hallo", "gold": "e1"}


def row(base, **changes):
    return json.dumps({**base, **changes}, ensure_ascii=False)


# (case, format, split the bad line goes into, its line, expected words); line 1 of every file is valid
DATA = [
    ("invalid JSON", "pair_classification", "train", '{"id": "p2", "text_a": ', "not valid JSON"),
    ("not an object", "pair_classification", "train", "[1, 2]", "expected a JSON object"),
    (
        "missing field",
        "pair_classification",
        "dev",
        json.dumps({"id": "p2", "text_a": "a", "text_b": "b"}),
        "missing field 'label'",
    ),
    (
        "label outside the set",
        "pair_classification",
        "test",
        row(PAIR, id="p2", label="maybe"),
        "'maybe', not in the label set",
    ),
    ("label of the wrong type", "pair_classification", "train", row(PAIR, id="p2", label=1), "'label' must be str"),
    ("id used twice", "pair_classification", "train", row(PAIR), "already used on line 1"),
    ("empty file", "pair_classification", "dev", None, "no examples"),
    ("Latin-1 byte", "pair_classification", "train", row(PAIR, id="p2", text_a="caf\udce9"), "is not UTF-8"),
    ("tags of the wrong length", "tagging", "train", row(TAG, id="t2", tags=["PROPN"]), "1 tags for 2 tokens"),
    ("no tokens", "tagging", "dev", row(TAG, id="t2", tokens=[], tags=[]), "'tokens' is empty"),
    (
        "tag unseen in English training data",
        "tagging",
        "test",
        row(TAG, id="t2", tags=["PROPN", "XYZ"]),
        "declares no labels",
    ),
    (
        "answer not at its offset",
        "span_qa",
        "train",
        row(QA, id="q2", answers={"text": ["Boris"], "answer_start": [3]}),
        "'Boris' is not at offset 3",
    ),
    (
        "answer lists of unequal length",
        "span_qa",
        "dev",
        row(QA, id="q2", answers={"text": ["Boris"], "answer_start": []}),
        "equal length",
    ),
    ("choice index out of range", "multiple_choice", "train", row(MC, id="m2", label=2), "outside 0..1"),
    ("choice index as a boolean", "multiple_choice", "train", row(MC, id="m2", label=True), "'label' must be int"),
    ("retrieval side unknown", "retrieval", "test", row(RET, id="r2", side="both"), "must be 'src' or 'tgt'"),
    ("retrieval gold not strings", "retrieval", "test", row(RET, id="r2", gold=[1]), "list of tgt ids"),
    ("retrieval gold twice", "retrieval", "test", row(RET, id="r2", gold=["e1", "e1"]), "lists a tgt id twice"),
    (
        "retrieval gold on a tgt line",
        "retrieval",
        "test",
        row(RET, id="r2", side="tgt", gold=["e1"]),
        "a tgt line has no gold",
    ),
    ("a text that is a number", "pair_classification", "test", row(PAIR, id="p2", text_b=3), "'text_b' must be str"),
]
VALID = {"pair_classification": PAIR, "tagging": TAG, "span_qa": QA, "multiple_choice": MC, "retrieval": RET}


def declare(root, fmt, bad_split=None, bad_line=None, extra_line=None, raw=None):
    """A declared task of ``fmt`` whose files are valid except ``bad_split`` (line 2 = ``bad_line``)."""
    files = {}
    splits = ["test.wa"] if fmt == "retrieval" else ["train", "dev", "test.en", "test.wa"]
    for split in splits:
        path = root / f"{split}.jsonl"
        good = dict(VALID[fmt], id=f"{VALID[fmt]['id']}")
        if fmt == "retrieval":
            lines = [json.dumps(good), json.dumps({"id": "e1", "side": "tgt", "text": "hello", "gold": None})]
        else:
            lines = [json.dumps(good)]
        if split.split(".")[0] == bad_split:
            if bad_line is None:
                lines = []
            else:
                lines.insert(1, bad_line)
        if extra_line and split == "train":
            lines.append(extra_line)
        data = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape") if lines else b""
        path.write_bytes((raw or b"") + data if split == "train" else data)
        files[split] = str(path)
    spec = {"format": fmt, "languages": ["wa"] if fmt == "retrieval" else ["en", "wa"]}
    if fmt == "retrieval":
        spec["files"] = {"test": str(root / "test.{lang}.jsonl")}
    else:
        spec["files"] = {"train": files["train"], "dev": files["dev"], "test": str(root / "test.{lang}.jsonl")}
    if fmt == "pair_classification":
        spec["labels"] = ["yes", "no"]
    return spec


@pytest.mark.parametrize("case,fmt,split,line,expected", DATA, ids=[d[0] for d in DATA])
def test_malformed_data_file_stops_its_job_with_file_and_line(work, tmp_path, case, fmt, split, line, expected):
    spec = declare(tmp_path, fmt, split, line)
    configfile = tmp_path / "case.yaml"
    configfile.write_text(yaml.safe_dump({"tasks": {"bad": spec}}))
    result = run_snakemake(
        work, "--cores", "1", "resources/local_tasks/bad", *CI, "--configfile", configfile, check=False
    )
    assert_one_clear_line(result, expected)
    file_split = {"test": "test.wa" if fmt == "retrieval" else "test.en"}.get(split, split)
    where = f"{file_split}.jsonl" + ("" if line is None else ":2")
    assert where in first_error(result.stdout + result.stderr)
    assert not (work / "resources/local_tasks/bad").exists()  # nothing half-written is taken as the task


def test_missing_declared_file_is_caught_by_the_dry_run(work, tmp_path):
    spec = declare(tmp_path, "pair_classification")
    os.remove(tmp_path / "test.wa.jsonl")
    configfile = tmp_path / "case.yaml"
    configfile.write_text(yaml.safe_dump({"tasks": {"bad": spec}}))
    result = run_snakemake(work, "-n", "resources/local_tasks/bad", *CI, "--configfile", configfile, check=False)
    assert result.returncode != 0 and "Traceback" not in result.stdout + result.stderr
    assert str(tmp_path / "test.wa.jsonl") in result.stdout + result.stderr


def test_valid_edge_cases_lose_nothing(work, tmp_path):
    """Blank lines are skipped, a 1 MB line is read, a UTF-8 byte-order mark at the start is accepted."""
    long_line = row(PAIR, id="p-long", text_a="w " * 500_000)
    spec = declare(tmp_path, "pair_classification", extra_line="\n\n" + long_line + "\n", raw=b"\xef\xbb\xbf")
    configfile = tmp_path / "case.yaml"
    configfile.write_text(yaml.safe_dump({"tasks": {"edge": spec}}))
    run_snakemake(work, "--cores", "1", "resources/local_tasks/edge", *CI, "--configfile", configfile)
    record = json.loads((work / "resources/local_tasks/edge/task.json").read_text())
    assert record["splits"] == {"train": 2, "dev": 1, "test.en": 1, "test.wa": 1}


def test_a_failed_job_loses_nothing_else(ci_grid, tmp_path):
    """A broken generated file fails its task's jobs at load time (file:line, one line); the other jobs of the run
    complete and are kept, and after the fix only the failed cells and the aggregates rerun."""
    grid = tmp_path / "grid"
    shutil.copytree(ci_grid, grid, symlinks=True)
    train = grid / "resources/data/world-ci/tasks/udpos/train.jsonl"
    original = train.read_text()
    lines = original.splitlines(keepends=True)
    train.write_text("".join(lines[:4] + ['{"id": "broken"\n'] + lines[5:]))
    change = tmp_path / "change.yaml"
    change.write_text(yaml.safe_dump(ci(training={"target": {"tasks": {"xnli": {"lr": 0.0009}}}})))
    args = ("--cores", "2", *CI, "--configfile", change)
    result = run_snakemake(grid, *args, "--keep-going", check=False)
    assert_one_clear_line(result, "train.jsonl:5: not valid JSON")
    for inter in ("none", "mnli", "squad"):  # the xnli cells completed beside the failures
        assert (grid / f"results/tiny-ci/eval/{inter}/xnli/seed1/en.metrics.json").exists()
        assert not (grid / f"results/tiny-ci/eval/{inter}/udpos/seed1").exists()
    train.write_text(original)
    assert planned_jobs(grid, *args) == Counter(
        {"train_udpos": 3, "aggregate": 1, "export_predictions": 1, "results_page": 1, "all": 1}
    )

"""Tiny fixed jobs of every engine phase (stiltgrid.core.behaviour.VERSIONS), run through the job functions the rules
call (stiltgrid.jobs) on fixed inputs: a small generated world, a 1-layer MLM pre-trained on it, hub fixtures.

Each probe returns what its phase produced as plain data: file digests where the phase is exact (the world,
augmentation, declared tasks, hub parsing, perturbations), and for the torch phases the metrics, predictions and
training summaries of jobs run in float64, so the pins hold across CPUs (float32 kernels differ in their last bits
from one instruction set to another, float64 leaves margins no argmax or early stop can cross) while a changed
constant (an optimiser epsilon, a decoding limit, a metric) still shows. tests/test_behaviour.py compares them with
tests/behaviour/<phase>.json.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import torch

from stiltgrid.core.paths import CELL_TRAIN_SUMMARY

LANGS = ["en", "wa", "ka"]
SIZES = {
    "intermediate": {"train": 48, "dev": 16},
    "target": {"train": 48, "dev": 16, "test": 12},
    "retrieval": {"dev": 12, "test": 16},
}
MODEL_SPEC = {
    "source": "scratch",
    "corpus": "probe",
    "seed": 0,
    "vocab_size": 300,
    "hidden_size": 16,
    "layers": 1,
    "heads": 2,
    "intermediate_size": 32,
    "max_length": 64,
    "mask_prob": 0.15,
    "lr": 0.003,
    "steps": 6,
    "batch_size": 16,
    "warmup": 0.2,
}
HPARAMS = {
    "lr": 0.003,
    "epochs": 2.0,
    "batch_size": 8,
    "grad_accum": 2,
    "warmup": 0.2,
    "weight_decay": 0.01,
    "max_grad_norm": 1.0,
    "dropout": 0.1,
    "max_length": 64,
    "doc_stride": 8,
    "eval_every": 2,
    "eval_subset": 12,
    "patience": 3,
    "eval_batch_size": 8,
    "checkpoint_every": 4,
    "max_train_examples": None,
    "length_grouping": True,
    "precision": "auto",
}
RETRIEVAL = {
    "layer": -1,
    "pooling": "mean",
    "max_length": 32,
    "batch_size": 8,
    "margin_k": 2,
    "mining": "faiss",
    "tatoeba_query": "en",
    "prefixes": {"query": "", "passage": ""},
}
PREFIXES = {"query": "query: ", "passage": "passage: ", "classification": "query: "}
PERTURBATIONS = {
    "noise": {"kind": "char_noise", "strength": 0.5},
    "cs": {"kind": "codeswitch", "strength": 0.5},
    "shuffle": {"kind": "word_shuffle", "strength": 0.5},
    "names": {"kind": "entity_swap", "strength": 1.0},
}


class Named(list):
    """What Snakemake hands a job as ``input`` / ``output``: a list whose items also have names."""

    def __init__(self, **items):
        super().__init__(items.values())
        self._names = dict(items)
        self.__dict__.update(items)

    def keys(self):
        return self._names.keys()

    def items(self):
        return self._names.items()

    def __getitem__(self, key):
        return self._names[key] if isinstance(key, str) else super().__getitem__(key)


# an MLM variant's settings (continued MLM on the world's corpus, one MLM batch every second task batch)
# LoRA settings (stiltgrid.engine.lora), rank 4 on the attention's query and value projections
LORA = {"method": "lora", "rank": 4, "alpha": 8, "dropout": 0.1, "modules": ["query", "value"]}
MLM = {"ratio": 0.5, "weight": 1.0, "mask_prob": 0.15, "max_lines": 200, "languages": ["en", "wa", "ka"]}


def job(rule, settings, inputs, outputs, wildcards, log) -> SimpleNamespace:
    return SimpleNamespace(
        rule=rule,
        params=SimpleNamespace(settings=settings),
        input=Named(**inputs),
        output=Named(**outputs),
        wildcards=Named(**wildcards),
        log=[str(log)],
        threads=1,
        resources={"gpu": 0},
        config={},
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def tree(root: Path, skip=()) -> dict[str, str]:
    return {str(p.relative_to(root)): sha(p) for p in sorted(root.rglob("*")) if p.is_file() and p.name not in skip}


def records(cell: Path) -> dict:
    """A cell directory's metrics records and predictions (provenance and timings left out: they name the machine)."""
    out = {}
    for path in sorted(cell.rglob("*.json*")):
        name = str(path.relative_to(cell))
        if path.suffix == ".jsonl":
            out[name] = [json.loads(line) for line in path.read_text().splitlines()]
        else:
            record = json.loads(path.read_text())
            record.pop("provenance", None)
            record.pop("seconds", None)
            record.pop("cost", None)  # what the run cost (tests/test_trainer.py checks it)
            out[name] = record
    return out


def png_sizes(text: str) -> str:
    """HTML with each inline PNG replaced by its width x height (the pixels depend on matplotlib's version)."""
    import base64
    import re
    import struct

    def size(match) -> str:
        width, height = struct.unpack(">II", base64.b64decode(match.group(1)[:44])[16:24])
        return f"png:{width}x{height}"

    return re.sub(r"data:image/png;base64,([A-Za-z0-9+/=]+)", size, text)


@contextmanager
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


class Probes:
    """The probes share one world and one pre-trained model, built on first use under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.data = self.root / "data"
        self.logs = self.root / "logs"

    def run(self, phase: str):
        return getattr(self, phase)()

    # -- data -----------------------------------------------------------------------------------------------------
    def _world(self) -> Path:
        from stiltgrid import jobs
        from stiltgrid.tasks import world_tasks

        if not (self.data / "languages.tsv").exists():
            outputs = {
                "languages": self.data / "languages.tsv",
                "corpus": self.data / "corpus",
                "lexicons": self.data / "lexicon",
                "entities": self.data / "entities.tsv",
                **{f"task_{t}": self.data / "tasks" / t for t in sorted(world_tasks())},
            }
            world = {"languages": {lang: spec for lang, spec in _default_languages().items() if lang in LANGS}}
            settings = {"seed": 5, "corpus_sentences": 150, "sizes": SIZES, "world": world}
            jobs.make_world(
                job(
                    "generate_world",
                    settings,
                    {},
                    {k: str(v) for k, v in outputs.items()},
                    {"dataset": "probe"},
                    self.logs / "world.log",
                )
            )
        return self.data

    def world(self) -> dict:
        return tree(self._world())

    def augment(self) -> dict:
        from stiltgrid import jobs

        data, out = self._world(), {}
        variants = {
            "translate": {"base": "mnli", "augment": "translate", "share": 0.5, "noise": 0.3, "seed": 1},
            "codeswitch": {"base": "mnli", "augment": "codeswitch", "share": 0.5, "rate": 0.5, "seed": 1},
        }
        for name, variant in variants.items():
            target = self.root / "variants" / name
            shutil.rmtree(target, ignore_errors=True)
            settings = {"variant": {**variant, "languages": LANGS[1:]}, "source": "world"}
            inputs = {
                "base": str(data / "tasks/mnli"),
                "world": str(data / "languages.tsv"),
                "lexicons": str(data / "lexicon"),
            }
            jobs.augment_intermediate(
                job(
                    "augment_intermediate",
                    settings,
                    inputs,
                    {"out": str(target)},
                    {"dataset": "probe", "variant": name},
                    self.logs / f"{name}.log",
                )
            )
            out[name] = tree(target)
        return out

    def declared(self) -> dict:
        from stiltgrid import jobs

        data = self._world() / "tasks"
        target = self.root / "declared"
        shutil.rmtree(target, ignore_errors=True)
        spec = {
            "format": "tagging",
            "languages": LANGS,
            "role": "target",
            "files": {
                "train": str(data / "udpos/train.jsonl"),
                "dev": str(data / "udpos/dev.jsonl"),
                "test": str(data / "udpos/test.{lang}.jsonl"),
            },
        }
        jobs.prepare_local_task(
            job(
                "prepare_local_task",
                {"spec": spec},
                {},
                {"out": str(target)},
                {"task": "probe-pos"},
                self.logs / "declared.log",
            )
        )
        return tree(target, skip=("task.json",))  # it names the source files, which live in a scratch directory

    def fetch(self) -> dict:
        from hub_fixtures import build_mirror

        from stiltgrid.data import hub

        mirror = build_mirror(self.root / "mirror")
        out = {}
        for task, langs in [
            ("mnli", ()),
            ("qqp", ()),
            ("sst2", ()),
            ("squad", ()),
            ("anli", ()),
            ("hellaswag", ()),
            ("cosmosqa", ()),
            ("commonsenseqa", ()),
            ("xnli", ("en", "de")),
            ("pawsx", ("en", "de")),
            ("udpos", ("en", "de")),
            ("panx", ("en", "de")),
            ("xquad", ("en", "de")),
            ("mlqa", ("en", "de")),
            ("tydiqa", ("en", "ar")),
            ("bucc", ("de",)),
            ("tatoeba", ("de",)),
        ]:
            target = self.root / "fetched" / task
            shutil.rmtree(target, ignore_errors=True)
            hub.fetch(task, target, langs, mirror=mirror, cache_dir=self.root / "hub-cache")
            out[task] = tree(target, skip=("task.json",))
        return out

    def perturb(self) -> dict:
        from stiltgrid.core.lexicons import load_entities, load_lexicon
        from stiltgrid.data.perturb import perturb
        from stiltgrid.formats import read_jsonl
        from stiltgrid.tasks import get_task

        data, out = self._world(), {}
        lexicons = {lang: load_lexicon(data / "lexicon" / f"{lang}.tsv") for lang in LANGS[1:]}
        entities = load_entities(data / "entities.tsv")
        for task in ("xnli", "udpos", "xquad", "xcopa"):
            fmt = get_task(task).format
            examples = read_jsonl(data / "tasks" / task / "test.wa.jsonl", fmt)
            for name, spec in PERTURBATIONS.items():
                rows = perturb(
                    examples, fmt, spec["kind"], spec["strength"], 3, lang="wa", lexicons=lexicons, entities=entities
                )
                text = json.dumps(rows, sort_keys=True, ensure_ascii=False)
                out[f"{task}/{name}"] = hashlib.sha256(text.encode()).hexdigest()[:16]
        return out

    # -- torch phases (float64) -----------------------------------------------------------------------------------
    def _model(self) -> Path:
        from stiltgrid import jobs

        model = self.root / "model"
        if not (model / "config.json").exists():
            with float64():
                corpus = {"corpus": str(self._world() / "corpus")}
                jobs.mlm_checkpoint(
                    job(
                        "mlm_checkpoint",
                        {"spec": MODEL_SPEC},
                        corpus,
                        {"out": str(model)},
                        {"model": "probe"},
                        self.logs / "model.log",
                    )
                )
        return model

    def pretrain(self) -> dict:
        from safetensors.torch import load_file

        model = self._model()
        weights = load_file(str(model / "model.safetensors"))
        summary = json.loads((model / "pretrain.json").read_text())
        summary.pop("seconds", None)
        return {
            "summary": summary,
            "tokenizer": tree(model, skip=("model.safetensors", "config.json", "pretrain.json")),
            "weights": {
                k: [float(v.double().sum()), float(v.double().abs().sum())] for k, v in sorted(weights.items())
            },
        }

    def _intermediate(self, name: str, mlm: dict | None = None) -> Path:
        """An intermediate checkpoint of task ``name``; with ``mlm`` settings, an MLM variant on the world's corpus."""
        from stiltgrid import jobs

        label = f"{name}-mlm" if mlm else name
        out = self.root / "intermediate" / label
        if not (out / "config.json").exists():
            settings = {"tasks": [name], "hparams": HPARAMS}
            inputs = {"init": str(self._model()), "data": [str(self._world() / "tasks" / name)]}
            if mlm:
                settings["mlm"] = mlm
                inputs["corpus"] = str(self._world() / "corpus")
            with float64():
                jobs.train_intermediate(
                    job(
                        "train_intermediate",
                        settings,
                        inputs,
                        {"out": str(out)},
                        {"model": "probe", "intermediate": label, "seed": "1"},
                        self.logs / f"{label}.log",
                    )
                )
        return out

    def finetune(self) -> dict:
        from stiltgrid import jobs

        data, out = self._world(), {}
        for name, mlm in (("mnli", None), ("squad", None), ("hellaswag", None), ("ccg", None), ("mnli", MLM)):
            summary = json.loads((self._intermediate(name, mlm) / CELL_TRAIN_SUMMARY).read_text())
            summary.pop("seconds")
            summary.pop("cost")
            summary.pop("provenance")
            out[f"intermediate/{name}{'-mlm' if mlm else ''}"] = summary
        for target, init in (
            ("xnli", "mnli"),
            ("pawsx", None),
            ("udpos", None),
            ("panx", "ccg"),
            ("xquad", "squad"),
            ("tydiqa", None),
            ("xcopa", "hellaswag"),
        ):
            encoder = self._intermediate(init) if init else self._model()
            cell = self.root / "cells" / f"{init or 'none'}-{target}"
            shutil.rmtree(cell, ignore_errors=True)
            settings = {"tasks": [target], "languages": LANGS, "hparams": HPARAMS}
            if target == "xnli":
                settings["prefix"] = PREFIXES["classification"]
            with float64():
                jobs.train_target(
                    job(
                        f"train_{target}",
                        settings,
                        {"init": str(encoder), "data": [str(data / "tasks" / target)]},
                        {"cell": str(cell)},
                        {"model": "probe", "intermediate": init or "none", "seed": "1"},
                        self.logs / f"{target}.log",
                    )
                )
            out[f"cell/{init or 'none'}/{target}"] = records(cell)
        return out

    def lora(self) -> dict:
        """A LoRA intermediate (adapter + heads), then a LoRA target and a full one on its merged encoder, and a
        retrieval cell on it."""
        from stiltgrid import jobs

        data, model, out = self._world(), self._model(), {}
        inter = self.root / "intermediate" / "mnli-lora"
        shutil.rmtree(inter, ignore_errors=True)
        with float64():
            jobs.train_intermediate(
                job(
                    "train_intermediate",
                    {"tasks": ["mnli"], "hparams": HPARAMS, "tuning": LORA},
                    {"init": str(model), "data": [str(data / "tasks" / "mnli")]},
                    {"out": str(inter)},
                    {"model": "probe", "intermediate": "mnli-lora", "seed": "1"},
                    self.logs / "mnli-lora.log",
                )
            )
        summary = json.loads((inter / CELL_TRAIN_SUMMARY).read_text())
        for key in ("seconds", "cost", "provenance"):
            summary.pop(key)
        summary["tuning"].pop("artefact_bytes")  # the file formats' bytes, not the training's behaviour
        out["intermediate/mnli-lora"] = summary
        wildcards = {"model": "probe", "intermediate": "mnli-lora", "seed": "1"}
        for target, tuning in (("xnli", LORA), ("udpos", None)):
            cell = self.root / "cells" / f"mnli-lora-{target}"
            shutil.rmtree(cell, ignore_errors=True)
            settings = {"tasks": [target], "languages": LANGS, "hparams": HPARAMS}
            if tuning:
                settings["tuning"] = tuning
            if target == "xnli":
                settings["prefix"] = PREFIXES["classification"]
            with float64():
                jobs.train_target(
                    job(
                        f"train_{target}",
                        settings,
                        {"init": str(inter), "base": str(model), "data": [str(data / "tasks" / target)]},
                        {"cell": str(cell)},
                        wildcards,
                        self.logs / f"lora-{target}.log",
                    )
                )
            out[f"cell/mnli-lora/{target}"] = records(cell)
        cell = self.root / "cells" / "mnli-lora-tatoeba"
        shutil.rmtree(cell, ignore_errors=True)
        with float64():
            jobs.evaluate_retrieval(
                job(
                    "evaluate_tatoeba",
                    {"task": "tatoeba", "languages": LANGS[1:], "precision": "auto", **RETRIEVAL},
                    {"encoder": str(inter), "base": str(model), "data": str(data / "tasks" / "tatoeba")},
                    {"cell": str(cell)},
                    wildcards,
                    self.logs / "lora-tatoeba.log",
                )
            )
        out["cell/mnli-lora/tatoeba"] = records(cell)
        return out

    def retrieval(self) -> dict:
        from stiltgrid import jobs

        data, out = self._world(), {}
        # the last run: Tatoeba the other way (non-English queries), with E5-style prefixes
        variants = {"tatoeba-xx": {"tatoeba_query": "xx", "prefixes": {k: PREFIXES[k] for k in ("query", "passage")}}}
        for name in ("bucc", "tatoeba", "lareqa", "mewslix", "tatoeba-xx"):
            target = name.split("-")[0]
            cell = self.root / "cells" / f"squad-{name}"
            shutil.rmtree(cell, ignore_errors=True)
            settings = {
                "task": target,
                "languages": LANGS[1:] if target in ("bucc", "tatoeba") else LANGS,
                "precision": "auto",
                **RETRIEVAL,
                **variants.get(name, {}),
            }
            with float64():
                jobs.evaluate_retrieval(
                    job(
                        f"evaluate_{target}",
                        settings,
                        {"encoder": str(self._intermediate("squad")), "data": str(data / "tasks" / target)},
                        {"cell": str(cell)},
                        {"model": "probe", "intermediate": "squad", "seed": "1"},
                        self.logs / f"{name}.log",
                    )
                )
            out[name] = records(cell)
        return out

    # -- tables and analyses --------------------------------------------------------------------------------------
    def aggregate(self) -> dict:
        import pandas as pd
        from analysis_data import TARGETS, WORLD, tidy_scores, zero

        from stiltgrid.results import aggregate as A

        lift = {
            "none": zero,
            "mnli": lambda lang, target: 3.0 if target == "xnli" else 0.0,
            "squad": lambda lang, target: 2.0 if target in ("xquad", "mlqa") else -0.5,
        }
        scores = tidy_scores(WORLD, lift, seeds=(1, 2))
        bucc_f1 = scores[(scores.target == "bucc") & (scores.metric == "f1")]
        scores = pd.concat([scores, bucc_f1.assign(metric="dev_f1", value=bucc_f1.value - 1.0)], ignore_index=True)
        out_dir = self.root / "tables"
        shutil.rmtree(out_dir, ignore_errors=True)
        summaries = []  # English dev scores of trained cells: mnli leads on XNLI, squad elsewhere
        for inter, target, seed in itertools.product(lift, TARGETS, (1, 2)):
            if target in ("bucc", "tatoeba"):
                continue
            path = out_dir / "results/m/eval" / inter / target / f"seed{seed}" / CELL_TRAIN_SUMMARY
            path.parent.mkdir(parents=True, exist_ok=True)
            best_dev = (
                60.0
                + {"none": 0.0, "mnli": 1.0, "squad": 2.0}[inter]
                + (3.0 * (inter == "mnli") if target == "xnli" else 0.0)
            )
            path.write_text(json.dumps({"best_dev": best_dev + seed / 10}))
            summaries.append(str(path))
        outputs = {
            k: str(out_dir / f)
            for k, f in (
                ("scores", "scores.tsv"),
                ("paper_table", "paper_table.tsv"),
                ("paper_markdown", "paper_table.md"),
                ("xtreme", "xtreme.tsv"),
                ("categories", "categories.tsv"),
                ("best", "best.tsv"),
                ("heatmap", "heatmap.png"),
            )
        }
        languages = sorted(scores.language.unique())
        task_languages = {t: languages for t in TARGETS}
        A.write_all(
            scores,
            outputs,
            task_languages=task_languages,
            baseline="none",
            intermediate_order=sorted(scores.intermediate.unique()),
            target_order=list(TARGETS),
            dev=A.dev_scores(summaries, scores, task_languages),
        )
        outputs["warnings"] = str(out_dir / "warnings.md")
        A.write_warnings(["configuration: a probe warning", "`cell` wa (test): another"], outputs["warnings"])
        return {name: Path(path).read_text() for name, path in outputs.items() if name != "heatmap"}

    def report(self) -> dict:
        """The results site of a synthetic two-seed grid (tests/results_page_data.py): every page's HTML, figures
        as their pixel size."""
        import contextlib

        import results_page_data as D

        from stiltgrid.results import page as R

        work = self.root / "report"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        with contextlib.chdir(work):
            out, settings, languages = D.build()
            names = R.write_site(out, settings, languages)
            return {name: png_sizes(Path(out, name).read_text()) for name in names}

    def export(self) -> dict:
        import export_data as D

        from stiltgrid import jobs

        built = D.build(self.root / "export-cells")
        choices = self.root / "export-choices.tsv"
        choices.write_text(
            "target\tintermediate\n"
            + "".join(f"{t}\t{'squad' if i % 2 else 'mnli'}\n" for i, t in enumerate(D.TARGETS))
        )
        settings = D.export_settings(built, "best-dev", seed=None)
        out = self.root / "export"
        shutil.rmtree(out, ignore_errors=True)
        inputs = {
            "cells": [
                d for by_inter in settings["cells"].values() for by_seed in by_inter.values() for d in by_seed.values()
            ],
            "data": list(settings["data"].values()),
            "choices": str(choices),
        }
        jobs.export_predictions(
            job("export_predictions", settings, inputs, {"out": str(out)}, {"model": "probe"}, self.logs / "export.log")
        )
        manifest = json.loads((out / "export.json").read_text())
        for spec in manifest["tasks"].values():
            spec.pop("cell")  # a path in this scratch directory
        return {"files": tree(out, skip=("export.json",)), "manifest": manifest}

    def analysis(self) -> dict:
        import analysis_data as D

        from stiltgrid.analysis import QUESTIONS

        fast = {"n_boot": 200, "n_perm": 400, "seed": 0}
        lift = {
            "none": D.zero,
            "mnli": lambda lang, target: 2.0,
            "mnli-mix": lambda lang, target: 2.0 + (1.5 if lang["family"] == "westic" else 0.0),
            "squad": lambda lang, target: 1.0 + 20 * lang["pretrain_gib"],
        }
        scores = D.tidy_scores(D.WORLD, lift, seeds=(1, 2))
        languages = {t: list(D.WORLD.index) for t in D.TARGETS}
        results = {
            "families": QUESTIONS["families"].analyse(
                scores, languages=D.WORLD, comparisons=[["mnli-mix", "mnli"]], **fast
            ),
            "low_resource": QUESTIONS["low_resource"].analyse(
                scores,
                languages=D.WORLD,
                comparisons=[["mnli-mix", "mnli"]],
                strata={"column": "pretrain_tokens_m", "low_below": 5.0, "high_from": 12.0},
                **fast,
            ),
            "xtreme_mix": QUESTIONS["xtreme_mix"].analyse(
                scores, comparisons=[["mnli-mix", "mnli"]], task_languages=languages, **fast
            ),
            "volume": QUESTIONS["volume"].analyse(scores, languages=D.WORLD, **fast),
            "alternatives": QUESTIONS["alternatives"].analyse(
                scores, reference="mnli", alternatives=["mnli-mix", "squad"], task_languages=languages, **fast
            ),
            "robustness": QUESTIONS["robustness"].analyse(
                D.perturbed_scores(D.WORLD, {"mnli": 0.9, "anli": 0.8, "squad": 0.95, "ccg": 0.7}),
                difficulty=D.difficulty_records(),
                **fast,
            ),
        }
        out = {}
        for question, result in results.items():
            target = self.root / "analysis" / question
            QUESTIONS[question].write(result, str(target))
            out[question] = {
                p.name: p.read_text() for p in sorted(target.iterdir()) if p.suffix in (".tsv", ".md", ".json")
            }
        return out

    def selection(self) -> dict:
        """Text vectors on the base encoder, LogME of every labelled format under an intermediate checkpoint, and
        the selection question's scoring of estimates against planted gains."""
        import analysis_data as D

        from stiltgrid import jobs
        from stiltgrid.analysis import selection as S

        data, out = self._world() / "tasks", {}
        common = {"sample": 20, "sample_seed": 1, "max_length": 48, "batch_size": 8}
        for name, langs in (("squad", []), ("mnli", []), ("xquad", LANGS), ("tatoeba", LANGS[1:])):
            path = self.root / "selection" / f"text-{name}.json"
            with float64():
                jobs.selection_text(
                    job(
                        "selection_text",
                        {"name": name, "tasks": [name], "languages": langs, **common},
                        {"encoder": str(self._model()), "data": [str(data / name)]},
                        {"out": str(path)},
                        {"model": "probe", "name": name},
                        self.logs / f"text-{name}.log",
                    )
                )
            record = json.loads(path.read_text())
            out[f"text/{name}"] = {k: v for k, v in record.items() if k not in ("seconds", "provenance")}
        for target in ("xnli", "sst2", "udpos", "xquad", "xcopa"):
            path = self.root / "selection" / f"logme-{target}.json"
            with float64():
                jobs.selection_logme(
                    job(
                        "selection_logme",
                        {"target": target, "max_rows": 60, **common},
                        {"encoder": str(self._intermediate("squad")), "data": str(data / target)},
                        {"out": str(path)},
                        {"model": "probe", "intermediate": "squad", "target": target, "seed": "1"},
                        self.logs / f"logme-{target}.log",
                    )
                )
            record = json.loads(path.read_text())
            out[f"logme/{target}"] = {k: v for k, v in record.items() if k not in ("seconds", "provenance")}
        lift = {
            "none": D.zero,
            "mnli": lambda lang, target: 3.0 if target == "xnli" else -1.0,
            "squad": lambda lang, target: 2.0 if target in D.QA else 0.0,
            "anli": lambda lang, target: 0.5,
        }
        scores = D.tidy_scores(D.WORLD, lift, seeds=(1, 2))
        candidates = ["mnli", "squad", "anli"]
        estimates = pd_rows(
            [
                (e, t, i, float(n * (1 if e == "text_similarity" else -1)))
                for e in ("text_similarity", "train_size")
                for t in D.TARGETS
                for n, i in enumerate(candidates)
            ]
        )
        result = S.analyse(
            scores,
            estimates=estimates,
            candidates=candidates,
            targets=list(D.TARGETS),
            seconds={"text_similarity": 2.0},
            grid_seconds={"intermediates": 5.0, "cells": 7.0},
            n_boot=200,
            seed=0,
        )
        target = self.root / "analysis" / "selection"
        S.write(result, str(target))
        out["analysis"] = {
            p.name: p.read_text() for p in sorted(target.iterdir()) if p.suffix in (".tsv", ".md", ".json")
        }
        return out


def pd_rows(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=["estimator", "target", "intermediate", "score"])


def _default_languages() -> dict:
    from stiltgrid.world import DEFAULT_WORLD

    return DEFAULT_WORLD["languages"]

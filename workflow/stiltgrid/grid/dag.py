"""The grid's jobs as data: for each rule, what a job reads (inputs), what it is told (settings) and which engine
phases it runs. The rules take their inputs and params from here, and :mod:`stiltgrid.grid.lineage` derives each job's
identity from the same objects, so what Snakemake schedules and what decides staleness cannot drift apart.

Kept free of heavy imports: the Snakefile builds it on every invocation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

from stiltgrid.core import paths as P
from stiltgrid.grid.config import ANALYSES, AUTO, BEST, MULTITASK, NONE, Grid
from stiltgrid.metrics.registry import NEAREST, get_metric, protocol_settings


@dataclass(frozen=True)
class Job:
    """One job of the workflow, before it runs."""

    rule: str
    wildcards: dict[str, str]
    settings: dict  # the rule's params: everything the job is told
    inputs: dict[str, str | list[str]] = field(default_factory=dict)  # the rule's inputs, by name
    outputs: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()  # engine phases it runs (stiltgrid.core.behaviour.VERSIONS)
    reads: tuple[str, ...] = ()  # files outside the workflow it reads without declaring them

    def input_paths(self) -> list[str]:
        return [p for value in self.inputs.values() for p in ([value] if isinstance(value, str) else value)]


@cache
def _pattern(template: str) -> re.Pattern:
    """A path pattern of stiltgrid.core.paths as a regex with one named group per wildcard."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+?)" for i, p in enumerate(parts))
    return re.compile(regex + "$")


@dataclass(frozen=True)
class JobKind:
    """A kind of job with outputs addressed by wildcards: the path patterns its jobs write (the rules' outputs use
    the same stiltgrid.core.paths patterns) and the JobGraph method that finds the job behind an output's wildcards."""

    name: str
    outputs: tuple[str, ...]
    #: JobGraph method: the wildcards of a matched output -> the grid's job writing it, or None when it has none
    find: str

    def matches(self, path: str) -> Iterator[dict[str, str]]:
        for pattern in self.outputs:
            match = _pattern(pattern).match(path)
            if match:
                yield match.groupdict()


#: every job kind that writes wildcard outputs; the grid's singletons (aggregate, analyses, export) are looked up by
#: their outputs directly
JOB_KINDS = (
    JobKind("world", (P.LANGUAGES_TABLE, P.CORPUS, P.LEXICONS, P.ENTITIES, P.TASK_DATA), "_find_world"),
    JobKind("fetch", (P.TASK_DATA,), "_find_fetch"),
    JobKind("local_task", (P.LOCAL_TASK,), "_find_local_task"),
    JobKind("variant", (P.VARIANT_DATA,), "_find_variant"),
    JobKind("model", (P.MODEL,), "_find_model"),
    JobKind("intermediate", (P.INTERMEDIATE,), "_find_intermediate"),
    JobKind("cell", (P.EVAL_DIR,), "_find_cell"),
    JobKind("selection_text", (P.SELECTION_TEXT,), "_find_selection_text"),
    JobKind("selection_logme", (P.SELECTION_LOGME,), "_find_selection_logme"),
)


class JobGraph:
    """Every job a preset's grid can schedule, addressed by rule and wildcards or by one of its outputs."""

    def __init__(self, config: dict, grid: Grid):
        self.config, self.grid = config, grid
        self.model_name, self.dataset_name = grid.model_name, grid.dataset_name
        self.local_tasks = sorted(config.get("tasks") or {})

    # -- paths ----------------------------------------------------------------------------------------------------
    def task_dir(self, task: str) -> str:
        if task in self.local_tasks:
            return P.LOCAL_TASK.format(task=task)
        return P.TASK_DATA.format(dataset=self.dataset_name, task=task)

    def model_dir(self) -> str:
        return P.MODEL.format(model=self.model_name)

    def encoder_dir(self, intermediate: str, seed) -> str:
        """The encoder a cell starts from: the MLM checkpoint for the baseline, else the intermediate checkpoint."""
        if intermediate == NONE:
            return self.model_dir()
        return P.INTERMEDIATE.format(model=self.model_name, intermediate=intermediate, seed=seed)

    def cell_dirs(self, cells) -> list[str]:
        return [
            P.EVAL_DIR.format(model=self.model_name, intermediate=inter, target=target, seed=seed)
            for inter, target in cells
            for seed in self.grid.cell_seeds(inter, target)
        ]

    def cell_summaries(self, cells) -> list[str]:
        """Training summaries (English dev scores) of the trained cells among ``cells``."""
        return [
            P.EVAL_DIR.format(model=self.model_name, intermediate=inter, target=target, seed=seed)
            + "/"
            + P.CELL_TRAIN_SUMMARY
            for inter, target in cells
            if target in self.grid.trained_targets
            for seed in self.grid.cell_seeds(inter, target)
        ]

    def cell_metrics(self, cells) -> list[str]:
        return [
            P.METRICS.format(model=self.model_name, intermediate=inter, target=target, seed=seed, lang=lang)
            for inter, target in cells
            for seed in self.grid.cell_seeds(inter, target)
            for lang in self.grid.languages(target)
        ]

    def cell_dev_metrics(self, cells) -> list[str]:
        """Metrics of the languages a target is scored in on its dev set (Grid.dev_languages)."""
        return [
            P.DEV_METRICS.format(model=self.model_name, intermediate=inter, target=target, seed=seed, lang=lang)
            for inter, target in cells
            for seed in self.grid.cell_seeds(inter, target)
            for lang in self.grid.dev_languages(target)
        ]

    def train_summaries(self, cells) -> tuple[list[str], list[str]]:
        """The intermediate directories the cells start from and every training summary among them and the cells:
        the aggregate gathers the warnings they record."""
        inters = list(
            dict.fromkeys(
                P.INTERMEDIATE.format(model=self.model_name, intermediate=inter, seed=seed)
                for inter, target in cells
                if inter != NONE
                for seed in self.grid.cell_seeds(inter, target)
            )
        )
        cells_trained = [
            d
            for (inter, target) in cells
            if target in self.grid.trained_targets
            for d in self.cell_dirs([(inter, target)])
        ]
        return inters, [f"{d}/{P.CELL_TRAIN_SUMMARY}" for d in inters + cells_trained]

    def grid_cells(self) -> list[tuple[str, str]]:
        """The (intermediate, target) cells of the tables: every one, or those the preset's ``cells`` list."""
        return [
            (inter, target)
            for inter in self.grid.intermediates
            for target in self.grid.targets
            if self.grid.cell_seeds(inter, target)
        ]

    def languages_table(self) -> str:
        """Language metadata: a generated world's own table, or the package's 50-language table for real data."""
        if self.grid.dataset["source"] == "world":
            return P.LANGUAGES_TABLE.format(dataset=self.dataset_name)
        from stiltgrid.core.languages import DEFAULT_PATH

        return str(DEFAULT_PATH)

    def aggregate_outputs(self) -> dict[str, str]:
        tables = P.TABLES.format(model=self.model_name, preset=self.grid.preset)
        figures = P.FIGURES.format(model=self.model_name, preset=self.grid.preset)
        return {
            "scores": f"{tables}/scores.tsv",
            "paper_table": f"{tables}/paper_table.tsv",
            "paper_markdown": f"{tables}/paper_table.md",
            "xtreme": f"{tables}/xtreme_score.tsv",
            "categories": f"{tables}/category_scores.tsv",
            "best": f"{tables}/best_per_target.tsv",
            "warnings": f"{tables}/warnings.md",
            "heatmap": f"{figures}/gains_heatmap.png",
        }

    def results_page_output(self) -> str:
        return P.REPORT.format(model=self.model_name, preset=self.grid.preset)

    def analysis_outputs(self, question: str) -> dict[str, str]:
        out = P.ANALYSIS.format(model=self.model_name, preset=self.grid.preset, question=question)
        return {"table": f"{out}/table.tsv", "figure": f"{out}/figure.png", "summary": f"{out}/summary.md"}

    # -- data -----------------------------------------------------------------------------------------------------
    @cache
    def world(self, dataset: str) -> Job:
        from stiltgrid.tasks import world_tasks

        spec = self.config["datasets"][dataset]
        settings = {
            "seed": spec.get("seed", 0),
            "corpus_sentences": spec["corpus_sentences"],
            "sizes": spec["sizes"],
            "world": spec.get("world", {}),
        }
        fmt = {"dataset": dataset}
        outputs = (
            P.LANGUAGES_TABLE.format(**fmt),
            P.CORPUS.format(**fmt),
            P.LEXICONS.format(**fmt),
            P.ENTITIES.format(**fmt),
            *(P.TASK_DATA.format(task=t, **fmt) for t in sorted(world_tasks())),
        )
        return Job("generate_world", fmt, settings, outputs=outputs, phases=("world",))

    @cache
    def fetch(self, dataset: str, task: str) -> Job:
        from stiltgrid.data import hub

        spec = hub.spec(
            task, self.fetch_languages(dataset, task), self.config["datasets"][dataset], preset=self.grid.preset
        )
        return Job(
            "fetch_task",
            {"dataset": dataset, "task": task},
            {"spec": spec},
            outputs=(P.TASK_DATA.format(dataset=dataset, task=task),),
            phases=("fetch",),
            reads=tuple(str(spec[k]) for k in ("ccg_path", "local_path") if spec.get(k)),
        )

    def fetch_languages(self, dataset: str, task: str) -> list[str]:
        """Target languages to fetch: the grid's when this dataset is the preset's, else the official list (XTREME,
        or XTREME-R for its own tasks)."""
        from stiltgrid.grid.config import official_languages
        from stiltgrid.tasks import get_task

        info = get_task(task)
        if info.role == "intermediate":
            return []
        if dataset == self.dataset_name:
            return self.grid.languages(task)
        return info.tested_languages(official_languages(task))

    @cache
    def local_task(self, task: str) -> Job:
        from stiltgrid.data.declared import split_files

        spec = self.config["tasks"][task]
        return Job(
            "prepare_local_task",
            {"task": task},
            {"spec": spec},
            inputs={"files": sorted(set(split_files(spec).values()))},
            outputs=(P.LOCAL_TASK.format(task=task),),
            phases=("declared",),
        )

    @cache
    def variant(self, dataset: str, variant: str) -> Job:
        """A research variant's training set: its base task's English data and translations / lexicons (a generated
        world's own, or the files a real-data variant names with {lang})."""
        spec, source = self.grid.variants[variant], self.config["datasets"][dataset]["source"]
        inputs: dict = {"base": self.task_dir(spec["base"])}
        if source == "world":
            inputs["world"] = P.LANGUAGES_TABLE.format(dataset=dataset)  # world.json is written beside it
            inputs["lexicons"] = P.LEXICONS.format(dataset=dataset)
        else:
            key = "translations" if spec["augment"] == "translate" else "lexicons"
            inputs[key] = [spec[key].replace("{lang}", lang) for lang in spec["languages"]]
        spec = {k: v for k, v in spec.items() if k != "tuning"}  # how it is trained is no part of its data
        return Job(
            "augment_intermediate",
            {"dataset": dataset, "variant": variant},
            {"variant": spec, "source": source},
            inputs=inputs,
            outputs=(P.VARIANT_DATA.format(dataset=dataset, variant=variant),),
            phases=("augment",),
        )

    # -- phase 1 --------------------------------------------------------------------------------------------------
    @cache
    def model(self, model: str) -> Job:
        # The prefixes and the sentence-embedding declaration say how the encoder is used, not what it is: they reach
        # the cells, never this job.
        spec = {k: v for k, v in self.config["models"][model].items() if k not in ("prefixes", "sentence_embedding")}
        if spec["source"] == "hub":  # a data lock pins the model's commit as it pins the data's
            from stiltgrid.hub import lock as hub_lock

            lock = hub_lock.active()
            if lock is not None:
                spec["commit"] = lock.pin("models", spec["id"], spec["revision"], self.grid.preset)
        inputs = {"corpus": P.CORPUS.format(dataset=spec["corpus"])} if spec["source"] == "scratch" else {}
        reads = (spec["path"],) if spec["source"] == "local" else ()
        return Job(
            "mlm_checkpoint",
            {"model": model},
            {"spec": spec},
            inputs=inputs,
            outputs=(P.MODEL.format(model=model),),
            phases=("pretrain",),
            reads=reads,
        )

    def prefix(self, model: str, role: str) -> str:
        return (self.config["models"][model].get("prefixes") or {}).get(role, "")

    def _with_prefix(self, settings: dict, model: str, tasks) -> dict:
        """The classification prefix, told only to jobs that train a task whose format takes a prefix."""
        from stiltgrid.formats import get_format
        from stiltgrid.tasks import get_task

        if any(get_format(get_task(t).format).prefix_field for t in tasks):
            settings["prefix"] = self.prefix(model, "classification")
        return settings

    # -- phases 2, 3 and 4 ----------------------------------------------------------------------------------------
    def intermediate_data(self, intermediate: str) -> list[str]:
        """Training data of an intermediate: its task directories, or a variant's augmented set."""
        if intermediate in self.grid.augmented_variants:
            return [P.VARIANT_DATA.format(dataset=self.dataset_name, variant=intermediate)]
        return [self.task_dir(t) for t in self.grid.intermediate_tasks(intermediate)]

    @cache
    def intermediate(self, model: str, intermediate: str, seed) -> Job:
        wildcards = {"model": model, "intermediate": intermediate, "seed": str(seed)}
        settings = self._with_prefix(
            {
                "tasks": self.grid.intermediate_tasks(intermediate),
                "hparams": self.grid.hparams("intermediate", intermediate),
            },
            model,
            self.grid.intermediate_tasks(intermediate),
        )
        if intermediate == MULTITASK:
            settings["sampling"] = self.grid.multitask_sampling()
        inputs = {"init": P.MODEL.format(model=model), "data": self.intermediate_data(intermediate)}
        mlm = self.grid.mlm(intermediate)
        if mlm is not None:  # continued MLM: the corpus is an input, so editing it makes the variant stale
            settings["mlm"] = {k: v for k, v in mlm.items() if k != "corpus"}
            inputs["corpus"] = self.mlm_corpus(mlm)
        phases = ("finetune",)
        tuning = self.grid.tuning("intermediate", intermediate)
        if tuning is not None:  # only then in the settings: full jobs keep the identity they had before LoRA
            settings["tuning"] = tuning
            phases += ("lora",)
        return Job(
            "train_intermediate",
            wildcards,
            settings,
            inputs=inputs,
            outputs=(P.INTERMEDIATE.format(**wildcards),),
            phases=phases,
        )

    def lora_intermediate(self, intermediate: str) -> bool:
        """Whether an intermediate is trained with LoRA: its checkpoint is then an adapter on the MLM checkpoint."""
        return intermediate != NONE and self.grid.tuning("intermediate", intermediate) is not None

    def mlm_corpus(self, mlm: dict) -> str | list[str]:
        """The corpus an MLM variant continues pre-training on: a generated world's corpus directory (one
        ``<lang>.txt`` per language), or the variant's ``mlm.corpus`` files, one per language."""
        if self.grid.dataset["source"] == "world":
            return P.CORPUS.format(dataset=self.dataset_name)
        return [mlm["corpus"].replace("{lang}", lang) for lang in mlm["languages"]]

    @cache
    def cell(self, model: str, intermediate: str, target: str, seed) -> Job:
        """One (intermediate, target, seed) cell: fine-tuned and scored in every language, or (retrieval) scored
        on the encoder."""
        wildcards = {"model": model, "intermediate": intermediate, "target": target, "seed": str(seed)}
        outputs = (P.EVAL_DIR.format(**wildcards),)
        inputs = {
            "init" if target in self.grid.trained_targets else "encoder": self.encoder_dir(intermediate, seed),
            "data": [self.task_dir(target)] if target in self.grid.trained_targets else self.task_dir(target),
        }
        adapter = self.lora_intermediate(intermediate)
        if adapter:  # a LoRA intermediate checkpoint is an adapter: merged into the base encoder (engine.lora)
            inputs["base"] = P.MODEL.format(model=model)
        if target not in self.grid.trained_targets:
            settings = self.retrieval_settings(target, model)
            if AUTO in (settings["layer"], settings["pooling"]):  # read by the kind of encoder: the model's own files
                inputs["model"] = P.MODEL.format(model=model)
            return Job(
                f"evaluate_{target}",
                wildcards,
                settings,
                inputs=inputs,
                outputs=outputs,
                phases=("retrieval", "lora") if adapter else ("retrieval",),
            )
        settings = self._with_prefix(
            {
                "tasks": [target],
                "languages": self.grid.languages(target),
                "hparams": self.grid.hparams("target", target),
            },
            model,
            [target],
        )
        if self.grid.dev_languages(target):
            settings["dev_languages"] = self.grid.dev_languages(target)
        phases = ("finetune",)
        tuning = self.grid.tuning("target", target)
        if tuning is not None:
            settings["tuning"] = tuning
        if adapter or tuning is not None:
            phases += ("lora",)
        if self.grid.perturbations(target):  # the robustness question scores perturbed copies of every test set
            settings.update(
                perturbations=self.grid.perturbations(target),
                perturb_resources=self.perturb_resources(target),
                perturb_seed=self.grid.analysis()["robustness"].get("seed", 0),
            )
            inputs["perturb"] = self.perturb_inputs(target)
            phases += ("perturb",)
        return Job(f"train_{target}", wildcards, settings, inputs=inputs, outputs=outputs, phases=phases)

    def retrieval_settings(self, target: str, model: str) -> dict:
        """What a retrieval cell is told: the encoder settings every metric uses (with the model's query and passage
        prefixes), plus the BUCC mining settings for BUCC-style tasks only and the query direction for Tatoeba-style
        ones only (so `margin_k`, `mining` or `tatoeba_query` never make another cell stale)."""
        from stiltgrid.tasks import get_task

        own, protocols = get_metric(get_task(target).metric).settings, protocol_settings()
        settings = {k: v for k, v in self.grid.retrieval().items() if k not in protocols or k in own}
        prefixes = {role: self.prefix(model, role) for role in ("query", "passage")}
        declared = self.config["models"][model].get("sentence_embedding")
        if declared is not None and AUTO in (settings["layer"], settings["pooling"]):
            settings["sentence_embedding"] = declared
        return {
            "task": target,
            "languages": self.grid.languages(target),
            "precision": "auto",
            **settings,
            "prefixes": prefixes,
        }

    def perturb_resources(self, target: str) -> dict:
        """Lexicons (codeswitch) and entity gazetteer (entity_swap) the robustness perturbations of a target read: a
        generated world's own, or the files the preset's `analysis.robustness` names."""
        kinds = {spec["kind"] for spec in self.grid.perturbations(target).values()}
        section = self.grid.analysis().get("robustness", {})
        langs = self.grid.languages(target)
        res: dict = {}
        if self.grid.dataset["source"] == "world":
            lexicon_dir = P.LEXICONS.format(dataset=self.dataset_name)
            if "codeswitch" in kinds:
                res["lexicons"] = {lang: f"{lexicon_dir}/{lang}.tsv" for lang in langs}
            if "entity_swap" in kinds:
                res["entities"] = P.ENTITIES.format(dataset=self.dataset_name)
        else:
            if "codeswitch" in kinds:
                res["lexicons"] = {lang: section["lexicons"].replace("{lang}", lang) for lang in langs}
            if "entity_swap" in kinds:
                res["entities"] = section["entities"]
        return res

    def perturb_inputs(self, target: str) -> list[str]:
        res = self.perturb_resources(target)
        if self.grid.dataset["source"] == "world" and res:
            return [P.LEXICONS.format(dataset=self.dataset_name), P.ENTITIES.format(dataset=self.dataset_name)]
        return list(res.get("lexicons", {}).values()) + ([res["entities"]] if "entities" in res else [])

    # -- phase 5 and the research questions -----------------------------------------------------------------------
    @cached_property
    def aggregate(self) -> Job:
        grid = self.grid
        cells = self.grid_cells()
        intermediates, warning_summaries = self.train_summaries(cells)
        settings = {
            "metrics": self.cell_metrics(cells),
            "dev_metrics": self.cell_dev_metrics(cells),
            "summaries": self.cell_summaries(cells),
            "warning_summaries": warning_summaries,
            "config_warnings": list(grid.warnings),
            "task_languages": {t: grid.languages(t) for t in grid.targets},
            "baseline": NONE,
            "intermediates": list(grid.intermediates),
            "targets": list(grid.targets),
        }
        return Job(
            "aggregate",
            {"model": self.model_name},
            settings,
            inputs={"cells": self.cell_dirs(cells), "intermediates": intermediates},
            outputs=tuple(self.aggregate_outputs().values()),
            phases=("aggregate",),
        )

    @cached_property
    def results_page(self) -> Job:
        """The results site: the aggregate's tables, every cell's files and training summaries (target and
        intermediate), and the analyses' outputs."""
        grid = self.grid
        cells = []
        for inter, target in self.grid_cells():
            for seed in grid.cell_seeds(inter, target):
                cell = P.EVAL_DIR.format(model=self.model_name, intermediate=inter, target=target, seed=seed)
                trained = target in grid.trained_targets
                cells.append(
                    {
                        "intermediate": inter,
                        "target": target,
                        "seed": str(seed),
                        "dir": cell,
                        "summary": f"{cell}/{P.CELL_TRAIN_SUMMARY}" if trained else None,
                        "intermediate_summary": None
                        if inter == NONE
                        else P.INTERMEDIATE.format(model=self.model_name, intermediate=inter, seed=seed)
                        + "/"
                        + P.CELL_TRAIN_SUMMARY,
                    }
                )
        analyses = {q: self.analysis_outputs(q) for q in ANALYSES if q in grid.analysis()}
        settings = {
            "model": self.model_name,
            "preset": grid.preset,
            "tables": self.aggregate_outputs(),
            "cells": cells,
            "analyses": analyses,
            "baseline": NONE,
            "intermediates": list(grid.intermediates) + [BEST],
            "targets": list(grid.targets),
            "task_languages": {t: grid.languages(t) for t in grid.targets},
        }
        inputs = {
            "tables": list(self.aggregate_outputs().values()),
            "cells": self.cell_dirs(self.grid_cells()),
            "intermediates": self.train_summaries(self.grid_cells())[0],
            "analyses": [p for outputs in analyses.values() for p in outputs.values()],
            "languages": self.languages_table(),
        }
        return Job(
            "results_page",
            {"model": self.model_name},
            settings,
            inputs=inputs,
            outputs=(self.results_page_output(),),
            phases=("report",),
        )

    @cached_property
    def export(self) -> Job | None:
        """The leaderboard export of the preset's ``export`` row: every candidate cell of each target evaluate.py
        reads, by intermediate and seed (for ``best-dev`` the aggregate's dev choice picks the intermediate), or None
        when there is nothing to export."""
        from stiltgrid.data.xtreme import official_task
        from stiltgrid.tasks import get_task

        grid, spec = self.grid, self.grid.export()
        if spec is None:
            return None
        row, seed = spec["row"], spec["seed"]
        rows = [i for i in grid.intermediates if i != NONE] if row == BEST else [row]
        exported = [t for t in grid.targets if official_task(t)]
        cells = {
            t: {
                i: {
                    str(s): P.EVAL_DIR.format(model=self.model_name, intermediate=i, target=t, seed=s)
                    for s in grid.cell_seeds(i, t)
                    if seed in (None, s)
                }
                for i in rows
            }
            for t in exported
        }
        cells = {t: {i: dirs for i, dirs in by_inter.items() if dirs} for t, by_inter in cells.items()}
        cells = {t: by_inter for t, by_inter in cells.items() if by_inter}
        if not cells:
            return None
        # nearest-neighbour retrieval (Tatoeba) exports the lines of the src side
        data = {t: self.task_dir(t) for t in cells if get_metric(get_task(t).metric).protocol == NEAREST}
        dirs = [d for by_inter in cells.values() for by_seed in by_inter.values() for d in by_seed.values()]
        inputs: dict = {"cells": dirs, "data": list(data.values())}
        if row == BEST:
            inputs["choices"] = self.aggregate_outputs()["best"]
        settings = {
            "row": row,
            "seed": seed,
            "cells": cells,
            "data": data,
            "targets": {t: {"task": official_task(t), "languages": grid.languages(t)} for t in cells},
            "skipped": {t: "not read by XTREME's evaluate.py" for t in grid.targets if t not in exported},
        }
        out = P.EXPORT.format(model=self.model_name, preset=grid.preset)
        return Job(
            "export_predictions",
            {"model": self.model_name},
            settings,
            inputs=inputs,
            outputs=(out,),
            phases=("export",),
        )

    def difficulty_tasks(self) -> dict[str, str]:
        """Intermediate -> the task its difficulty is measured on (a variant: its base task)."""
        return {
            inter: self.grid.intermediate_tasks(inter)[0]
            for inter in self.grid.intermediates
            if inter not in (NONE, MULTITASK)
        }

    def perturbed_metrics(self) -> list[str]:
        grid = self.grid
        targets = grid.analysis_targets("robustness") if "robustness" in grid.analysis() else []
        return [
            P.PERTURBED_METRICS.format(
                model=self.model_name, intermediate=inter, target=target, seed=seed, lang=lang, perturbation=name
            )
            for inter in grid.intermediates
            for target in targets
            for seed in grid.seeds
            for lang in grid.languages(target)
            for name in grid.perturbations(target)
        ]

    # -- the selection question's estimates -----------------------------------------------------------------------
    def selection_candidates(self) -> list[str]:
        """The intermediates the selection question ranks: the preset's list without the baseline (multitask and
        variants in the list are candidates like any task)."""
        return [inter for inter in self.grid.intermediates if inter != NONE]

    def selection_seed(self) -> int:
        """LogME reads each intermediate's checkpoint of the grid's first seed."""
        return self.grid.seeds[0]

    def selection_settings(self, *keys: str) -> dict:
        """The estimate jobs' settings: the preset's ``analysis.selection``, or (the planner pricing a selection for a
        preset that does not ask the question) the schema's defaults."""
        from stiltgrid.grid.config import analysis_defaults

        section = self.grid.analysis().get("selection") or analysis_defaults("selection")
        return {key: section[key] for key in ("sample", "sample_seed", "max_length", "batch_size", *keys)}

    @cache
    def selection_text(self, model: str, name: str) -> Job:
        """The text vector of a task on the base encoder: an intermediate's training data (multitask: the union of
        its tasks', a variant: its own set) or a target's (retrieval: the English sentences of its dev sets)."""
        target = name in self.grid.targets
        tasks = [name] if target else self.grid.intermediate_tasks(name)
        data = [self.task_dir(name)] if target else self.intermediate_data(name)
        settings = {
            "name": name,
            "tasks": tasks,
            "languages": self.grid.languages(name) if target else [],
            **self.selection_settings(),
        }
        return Job(
            "selection_text",
            {"model": model, "name": name},
            settings,
            inputs={"encoder": P.MODEL.format(model=model), "data": data},
            outputs=(P.SELECTION_TEXT.format(model=model, name=name),),
            phases=("selection",),
        )

    @cache
    def selection_logme(self, model: str, intermediate: str, target: str, seed) -> Job:
        """LogME of a labelled target's sampled English training features under an intermediate checkpoint."""
        wildcards = {"model": model, "intermediate": intermediate, "target": target, "seed": str(seed)}
        inputs = {"encoder": self.encoder_dir(intermediate, seed), "data": self.task_dir(target)}
        phases: tuple[str, ...] = ("selection",)
        if self.lora_intermediate(intermediate):
            inputs["base"] = P.MODEL.format(model=model)
            phases += ("lora",)
        settings = self._with_prefix({"target": target, **self.selection_settings("max_rows")}, model, [target])
        return Job(
            "selection_logme",
            wildcards,
            settings,
            inputs=inputs,
            outputs=(P.SELECTION_LOGME.format(**wildcards),),
            phases=phases,
        )

    def selection_estimates(self) -> dict:
        """The estimate files the question reads: text vectors by task, LogME by target and intermediate."""
        model, seed = self.model_name, self.selection_seed()
        names = self.selection_candidates() + list(self.grid.targets)
        text = {name: P.SELECTION_TEXT.format(model=model, name=name) for name in names}
        logme = {
            target: {
                inter: self.selection_logme(model, inter, target, seed).outputs[0]
                for inter in self.selection_candidates()
            }
            for target in self.grid.trained_targets
        }
        return {"text": text, "logme": logme}

    @cache
    def analysis(self, question: str) -> Job:
        grid = self.grid
        inputs: dict = {"cells": self.cell_dirs(grid.analysis_cells(question)), "languages": self.languages_table()}
        robustness = question == "robustness"
        if robustness:
            inputs["intermediates"] = [
                P.INTERMEDIATE.format(model=self.model_name, intermediate=inter, seed=seed)
                for inter in self.difficulty_tasks()
                for seed in grid.seeds
            ]
            inputs["task_data"] = sorted({self.task_dir(task) for task in self.difficulty_tasks().values()})
        settings = {
            "metrics": self.cell_metrics(grid.analysis_cells(question)),
            "perturbed": self.perturbed_metrics() if robustness else [],
            "question": question,
            "section": grid.analysis()[question],
            "targets": grid.analysis_targets(question),
            "intermediates": grid.analysis_intermediates(question),
            "task_languages": {t: grid.languages(t) for t in grid.analysis_targets(question)},
            "difficulty_tasks": self.difficulty_tasks() if robustness else {},
            "bootstrap": grid.analysis()["bootstrap"],
            "alpha": grid.analysis()["alpha"],
            "seed": grid.analysis()["seed"],
        }
        if question in ("alternatives", "tuning"):  # what each compared intermediate changes, for the table
            settings["kinds"] = {i: grid.intermediate_kind(i) for i in grid.analysis_intermediates(question)}
        if question == "tuning":  # the checkpoints whose sizes it reports, and the summaries saying how they trained
            checkpoints = {
                i: [P.INTERMEDIATE.format(model=self.model_name, intermediate=i, seed=seed) for seed in grid.seeds]
                for i in grid.analysis_intermediates(question)
                if i != NONE
            }
            settings["checkpoints"] = checkpoints
            inputs["intermediates"] = [d for dirs in checkpoints.values() for d in dirs]
        if question == "selection":  # the estimates, and the recorded seconds of every job of the grid
            estimates = self.selection_estimates()
            settings.update(
                estimates=estimates,
                candidates=self.selection_candidates(),
                selection_seed=self.selection_seed(),
                retrieval_targets=list(grid.retrieval_targets),
            )
            inputs["estimates"] = list(estimates["text"].values()) + [
                p for by_inter in estimates["logme"].values() for p in by_inter.values()
            ]
            inputs["intermediates"] = self.train_summaries(self.grid_cells())[0]
        # the selection question's scoring is versioned with its estimates (stiltgrid.core.behaviour "selection")
        phases = ("analysis", "selection") if question == "selection" else ("analysis",)
        return Job(
            f"analysis_{question}",
            {"model": self.model_name},
            settings,
            inputs=inputs,
            outputs=tuple(self.analysis_outputs(question).values()),
            phases=phases,
        )

    # -- from an output back to its job ---------------------------------------------------------------------------
    def producer(self, path: str) -> Job | None:
        """The job of this grid that writes ``path`` (an output, or a file inside a directory output), or None for a
        file from outside the workflow."""
        path = path.rstrip("/")
        while path:
            job = self._producer_of_output(path)
            if job is not None:
                return job
            path = path.rpartition("/")[0]
        return None

    def _producer_of_output(self, path: str) -> Job | None:
        for kind in JOB_KINDS:
            for wildcards in kind.matches(path):
                job = getattr(self, kind.find)(wildcards)
                if job is not None and path in job.outputs:
                    return job
        for question in self.grid.analysis():
            if question in ANALYSES and path in self.analysis_outputs(question).values():
                return self.analysis(question)
        if path in self.aggregate.outputs:
            return self.aggregate
        if path == self.results_page_output():
            return self.results_page
        if self.export is not None and path in self.export.outputs:
            return self.export
        return None

    # -- each kind's job from an output's wildcards (None: no job of this grid) -------------------------------------
    def _find_world(self, wc: dict) -> Job | None:
        ok = self.config["datasets"].get(wc["dataset"], {}).get("source") == "world"
        return self.world(wc["dataset"]) if ok else None

    def _find_fetch(self, wc: dict) -> Job | None:
        ok = self.config["datasets"].get(wc["dataset"], {}).get("source") == "hub"
        return self.fetch(wc["dataset"], wc["task"]) if ok else None

    def _find_local_task(self, wc: dict) -> Job | None:
        return self.local_task(wc["task"]) if wc["task"] in self.local_tasks else None

    def _find_variant(self, wc: dict) -> Job | None:
        ok = wc["dataset"] in self.config["datasets"] and wc["variant"] in self.grid.augmented_variants
        return self.variant(wc["dataset"], wc["variant"]) if ok else None

    def _find_model(self, wc: dict) -> Job | None:
        return self.model(wc["model"]) if wc["model"] in self.config["models"] else None

    def _find_intermediate(self, wc: dict) -> Job | None:
        ok = wc["intermediate"] in self.grid.trained_intermediates and wc["seed"].isdigit()
        return self.intermediate(wc["model"], wc["intermediate"], wc["seed"]) if ok else None

    def _find_selection_text(self, wc: dict) -> Job | None:
        names = self.selection_candidates() + list(self.grid.targets)
        ok = "selection" in self.grid.analysis() and wc["name"] in names and wc["model"] == self.model_name
        return self.selection_text(wc["model"], wc["name"]) if ok else None

    def _find_selection_logme(self, wc: dict) -> Job | None:
        ok = (
            "selection" in self.grid.analysis()
            and wc["intermediate"] in self.selection_candidates()
            and wc["target"] in self.grid.trained_targets
            and wc["seed"].isdigit()
        )
        return self.selection_logme(wc["model"], wc["intermediate"], wc["target"], wc["seed"]) if ok else None

    def _find_cell(self, wc: dict) -> Job | None:
        ok = (
            wc["intermediate"] in self.grid.all_intermediates
            and wc["target"] in self.grid.targets
            and wc["seed"].isdigit()
        )
        return self.cell(wc["model"], wc["intermediate"], wc["target"], wc["seed"]) if ok else None

"""Config validation and the grid it describes.

``load_grid(config)`` validates the raw Snakemake config against workflow/schemas/config.schema.yaml (filling
defaults), resolves the selected preset (``inherit`` chains), checks every named model, dataset, task and language,
and returns a :class:`Grid` the rules enumerate. Every problem is a :class:`ConfigError` with a one-line message that
names the offending key or value.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from stiltgrid.core.errors import ConfigError
from stiltgrid.core.hparams import AUTO, MLM_LAYER  # noqa: F401  (AUTO: the grid's users read it here)

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
NONE, MULTITASK = "none", "multitask"
BEST = "best-dev"  # the tables' row of the best intermediate per target, chosen on dev (stiltgrid.results.aggregate)
PRESET_KEYS = ("model", "data", "intermediate", "targets", "languages", "seeds")
ANALYSES = ("families", "low_resource", "xtreme_mix", "robustness", "volume", "alternatives", "tuning", "selection")
# An MLM variant's settings left out of its `mlm:` section (workflow/schemas/config.schema.yaml documents them).
MLM_DEFAULTS = {"ratio": 1.0, "weight": 1.0, "mask_prob": 0.15, "max_lines": 100000}


def _with_defaults(validator_class):
    """A validator that also fills in each property's schema ``default`` (as Snakemake's ``validate`` does)."""
    import jsonschema

    check_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for name, sub in props.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return SCHEMA.read_text()


def _schema() -> dict:
    """A fresh copy each call (validation fills defaults into it); libyaml's loader when present, as every
    Snakemake invocation parses the schema twice (~0.2 s each with the pure-Python loader). The task formats and
    metrics are the registries', so a new format or metric needs no schema edit."""
    from stiltgrid.formats import FORMATS
    from stiltgrid.metrics.registry import METRICS

    schema = yaml.load(_schema_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    properties = schema["definitions"]["local_task"]["properties"]
    properties["format"]["enum"] = list(FORMATS)
    properties["metric"]["enum"] = list(METRICS)
    return schema


def _fill_preset_defaults(spec: dict) -> None:
    """Schema defaults go into the *resolved* preset: filled into a raw preset they would override its parent."""
    import jsonschema

    schema = _schema()
    preset_schema = {"$ref": "#/definitions/preset", "definitions": schema["definitions"]}
    _with_defaults(jsonschema.Draft7Validator)(preset_schema).validate(spec)


def _validate_schema(config: dict) -> None:
    import jsonschema

    _check_keys(config, "")
    validator = jsonschema.Draft7Validator(_schema())
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), list(e.absolute_path)))
    if errors:
        err = errors[0]
        if err.context:  # "not valid under any of the given schemas": name the alternative that came closest
            err = max(err.context, key=lambda e: (len(e.absolute_path), e.validator != "const"))
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            raise ConfigError(f"unknown key '{extra[0]}' in {where}")
        raise ConfigError(f"{where}: {err.message}{_yaml_hint(err.instance)}")


def _yaml_hint(value) -> str:
    """How to write a value YAML read as something else than meant."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return f" (YAML reads '{value}' as a string: write a number with a decimal point, e.g. 2.0e-5)"
    if isinstance(value, bool):
        return (
            " (YAML reads unquoted yes/no/on/off/true/false as booleans: quote a language code such as Norwegian 'no')"
        )
    return ""


def _check_keys(value, where: str) -> None:
    """Mapping keys YAML read as booleans (a language code such as Norwegian `no` used as a key): the schema's
    messages would not say why."""
    if isinstance(value, dict):
        for key, item in value.items():
            at = f"{where}.{key}" if where else str(key)
            if isinstance(key, bool):
                raise ConfigError(f"{where or '(top level)'}: key {key}{_yaml_hint(key)}")
            _check_keys(item, at)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_keys(item, f"{where}.{i}")


def check_yaml(path: str | Path) -> None:
    """A config file that YAML cannot read: one error naming the file, line and column."""
    try:
        yaml.load(Path(path).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({getattr(err, 'problem', None) or err})") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read ({err.strerror})") from None


def analysis_defaults(question: str) -> dict:
    """The schema's defaults of a research question's section (what ``{}`` in a preset means)."""
    section = _schema()["definitions"]["analysis"]["properties"][question]
    return {
        key: copy.deepcopy(spec["default"]) for key, spec in section.get("properties", {}).items() if "default" in spec
    }


def deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_preset(config: dict, name: str) -> dict:
    presets = config["presets"]
    chain, cursor = [], name
    while cursor is not None:
        if cursor not in presets:
            known = ", ".join(sorted(presets))
            via = f", inherited by preset '{chain[-1]}'" if chain else ""
            raise ConfigError(f"unknown preset '{cursor}'{via} (known: {known})")
        if cursor in chain:
            raise ConfigError(f"preset '{name}': inherit cycle {' -> '.join(chain + [cursor])}")
        chain.append(cursor)
        cursor = presets[cursor].get("inherit")
    resolved: dict = {}
    for preset in reversed(chain):
        resolved = deep_merge(resolved, {k: v for k, v in presets[preset].items() if k != "inherit"})
    missing = [key for key in PRESET_KEYS if key not in resolved]
    if missing:
        raise ConfigError(f"preset '{name}' lacks key '{missing[0]}'")
    return resolved


@dataclass(frozen=True)
class Grid:
    """The experiment grid of one preset, with every path-independent fact the rules need."""

    preset: str
    spec: dict
    model_name: str
    model: dict
    dataset_name: str
    dataset: dict
    intermediates: tuple[str, ...]
    targets: tuple[str, ...]
    seeds: tuple[int, ...]
    #: research variants (config ``variants:``) by name, languages resolved
    variants: dict = field(default_factory=dict)
    #: the (intermediate, target, seed) cells to run (preset ``cells:``); None: every cell of the grid
    cells: tuple[tuple[str, str, int], ...] | None = None
    #: problems that do not stop the run but likely spoil it (printed when the workflow is parsed, and in the
    #: aggregate's warnings.md)
    warnings: tuple[str, ...] = ()
    #: task -> one line, for the tasks the grid reads whose local copy (licensed or off-hub data) is missing; the
    #: dry run stops on the first job that needs one (stiltgrid.data.availability)
    unavailable: dict = field(default_factory=dict)
    #: tasks left out of the grid and of multitask because their local copy is missing (``drop_unavailable``)
    dropped: tuple[str, ...] = ()

    # -- tasks ----------------------------------------------------------------------------------------------------
    @cached_property
    def trained_targets(self) -> tuple[str, ...]:
        from stiltgrid.tasks import get_task

        return tuple(t for t in self.targets if get_task(t).trainable)

    @cached_property
    def retrieval_targets(self) -> tuple[str, ...]:
        return tuple(t for t in self.targets if t not in self.trained_targets)

    @property
    def trained_intermediates(self) -> tuple[str, ...]:
        return tuple(i for i in self.all_intermediates if i != NONE)

    @cached_property
    def all_intermediates(self) -> tuple[str, ...]:
        """The preset's intermediate list plus every intermediate the analyses compare (in first-seen order)."""
        return tuple(dict.fromkeys(list(self.intermediates) + [inter for inter, _ in self.analysis_cells()]))

    def multitask_tasks(self) -> list[str]:
        tasks = self.spec.get("multitask", {}).get("tasks") or intermediate_task_names(builtin_only=True)
        return [task for task in tasks if task not in self.dropped]

    def multitask_sampling(self) -> dict:
        """The multi-task sampler and the parameters it uses (``{"kind": ..., ...}``)."""
        from stiltgrid.core.hparams import SAMPLERS

        section = self.spec.get("multitask", {})
        kind = section.get("sampling", "proportional")
        required, optional = SAMPLERS[kind]
        return {"kind": kind, **{key: section[key] for key in required + optional if section.get(key) is not None}}

    @property
    def augmented_variants(self) -> tuple[str, ...]:
        """Variants with a training set of their own (``augment``); an MLM-only variant trains on its base task."""
        return tuple(name for name, spec in self.variants.items() if "augment" in spec)

    def mlm(self, intermediate: str) -> dict | None:
        """The continued-MLM settings of a variant (``mlm:``, defaults and corpus languages filled in), or None."""
        return self.variants.get(intermediate, {}).get("mlm")

    def intermediate_kind(self, intermediate: str) -> str:
        """What an intermediate changes in English intermediate training, for the tables: 'english' for a task (or
        multitask), else the variant's augmentation and/or 'mlm' ('translate+mlm')."""
        spec = self.variants.get(intermediate)
        if spec is None:
            return "none" if intermediate == NONE else "english"
        parts = (
            spec.get("augment"),
            "mlm" if "mlm" in spec else None,
            "lora" if self.tuning("intermediate", intermediate) else None,
        )
        return "+".join(part for part in parts if part) or "english"

    def intermediate_tasks(self, intermediate: str) -> list[str]:
        if intermediate in self.variants:
            return [self.variants[intermediate]["base"]]
        return self.multitask_tasks() if intermediate == MULTITASK else [intermediate]

    def cell_seeds(self, intermediate: str, target: str) -> tuple[int, ...]:
        """The seeds an (intermediate, target) cell runs in: every seed, or those the preset's ``cells`` list."""
        if self.cells is None:
            return self.seeds
        return tuple(seed for seed in self.seeds if (intermediate, target, seed) in self._listed_cells)

    @cached_property
    def _listed_cells(self) -> frozenset:
        return frozenset(self.cells or ())

    # -- analyses -------------------------------------------------------------------------------------------------
    def analysis(self) -> dict:
        """The configured questions and their shared settings; a question set to null is not asked."""
        return {key: value for key, value in (self.spec.get("analysis") or {}).items() if value is not None}

    def analysis_targets(self, question: str) -> list[str]:
        """The targets a question reads (always a subset of the preset's targets)."""
        section = self.analysis().get(question, {})
        chosen = section.get("targets")
        if question == "low_resource" and chosen in (None, "xtreme-r"):
            from stiltgrid.data import xtreme

            members = set(xtreme.benchmark_tasks(xtreme.XTREME_R))
            return [t for t in self.targets if xtreme.known_task(t) in members]
        if question == "robustness":
            return list(chosen)
        return list(chosen) if chosen else list(self.targets)

    def analysis_intermediates(self, question: str) -> list[str]:
        section = self.analysis().get(question, {})
        if question in ("families", "low_resource", "xtreme_mix"):
            return list(dict.fromkeys(i for pair in section["comparisons"] for i in pair))
        if question in ("alternatives", "tuning"):
            return list(dict.fromkeys([section["reference"], *section["alternatives"]]))
        if question == "volume":
            return list(dict.fromkeys([NONE] + list(section.get("intermediates") or self.intermediates)))
        return list(self.intermediates)  # robustness: every intermediate of the grid

    def analysis_cells(self, question: str | None = None) -> list[tuple[str, str]]:
        """(intermediate, target) cells a question (default: every configured question) needs."""
        questions = [question] if question else [q for q in ANALYSES if q in self.analysis()]
        cells = []
        for q in questions:
            cells += [(i, t) for i in self.analysis_intermediates(q) for t in self.analysis_targets(q)]
        return list(dict.fromkeys(cells))

    def export(self) -> dict | None:
        """The leaderboard export's row and seed (None: per target the first seed its cell ran in), or None when the
        preset sets ``export: null``."""
        section = self.spec.get("export", {})
        if section is None:
            return None
        return {"row": section.get("row", BEST), "seed": section.get("seed")}

    def perturbations(self, target: str) -> dict[str, dict]:
        """Perturbations scored on a trained target's test sets (the robustness question), by name."""
        section = self.analysis().get("robustness")
        if not section or target not in section["targets"]:
            return {}
        return {name: dict(spec) for name, spec in section["perturbations"].items()}

    def data_tasks(self) -> list[str]:
        """Every task whose data the grid reads."""
        names = {t for i in self.trained_intermediates for t in self.intermediate_tasks(i)}
        return sorted(names | set(self.targets))

    # -- languages ------------------------------------------------------------------------------------------------
    def languages(self, target: str) -> list[str]:
        from stiltgrid.tasks import get_task

        chosen = self.spec["languages"]
        declared = get_task(target).extra.get("languages")
        if declared is not None:  # a task declared from local files evaluates the languages it has files for
            return list(declared)
        if chosen == "official":
            langs = list(official_languages(target, self.spec.get("benchmark", "xtreme")))
            missing = set(self.unavailable_languages(target))
            langs = [lang for lang in langs if lang not in missing]
        else:
            langs = list(chosen)
        return get_task(target).tested_languages(langs)

    def dev_languages(self, target: str) -> list[str]:
        """Languages a target is scored in on its dev set for want of a test file: English for a declared trainable
        target whose `languages` leave it out (its English dev set is there for early stopping). These scores are
        labelled `split: dev` and stay out of the target's mean over its languages."""
        from stiltgrid.tasks import get_task

        task = get_task(target)
        if task.trainable and task.extra.get("local") and "en" not in self.languages(target):
            return ["en"]
        return []

    def unavailable_languages(self, target: str) -> list[str]:
        """Official languages of ``target`` that a hub dataset has no source for (XTREME-R's UD-POS lt pl uk wo ro
        and Tatoeba az lt pl uk ro); ``languages: official`` leaves them out. Empty for other datasets."""
        if self.spec["languages"] != "official" or self.dataset.get("source") != "hub":
            return []
        from stiltgrid.data.hub import FetchError, source_for

        try:
            available = source_for(target, self.dataset.get("sources")).available
        except FetchError:
            return []
        langs = official_languages(target, self.spec.get("benchmark", "xtreme"))
        return [lang for lang in langs if available and lang not in available and lang != "en"]

    # -- hyper-parameters -----------------------------------------------------------------------------------------
    def hparams(self, phase: str, task: str) -> dict:
        """Training hyper-parameters of one task in one phase (schema defaults < phase defaults < task overrides)."""
        from stiltgrid.core.hparams import OPT_IN, defaults

        section = self.spec.get("training", {}).get(phase, {})
        merged = defaults()
        merged.update(section.get("defaults", {}))
        if task in self.variants:  # a variant trains like its base task unless it has overrides of its own
            merged.update(section.get("tasks", {}).get(self.variants[task]["base"], {}))
        merged.update(section.get("tasks", {}).get(task, {}))
        merged.pop("tuning", None)  # not a TrainConfig field: Grid.tuning
        return {k: v for k, v in merged.items() if not (k in OPT_IN and v is None)}

    def tuning(self, phase: str, task: str) -> dict | None:
        """How a task is trained in a phase: None for full fine-tuning (the default), else its LoRA settings
        (stiltgrid.engine.lora.resolve; phase defaults < base task < task < a variant's own ``tuning``)."""
        from stiltgrid.engine import lora

        section = self.spec.get("training", {}).get(phase, {})
        at = f"training.{phase}"
        levels = [(f"{at}.defaults.tuning", section.get("defaults", {}).get("tuning"))]
        variant = self.variants.get(task) if phase == "intermediate" else None
        if variant is not None:
            levels.append(
                (
                    f"{at}.tasks.{variant['base']}.tuning",
                    section.get("tasks", {}).get(variant["base"], {}).get("tuning"),
                )
            )
        levels.append((f"{at}.tasks.{task}.tuning", section.get("tasks", {}).get(task, {}).get("tuning")))
        if variant is not None:
            levels.append((f"variants.{task}.tuning", variant.get("tuning")))
        try:
            return lora.resolve(levels)
        except lora.LoRAError as err:
            raise ConfigError(f"preset '{self.preset}': {err}") from None

    def retrieval(self) -> dict:
        return dict(self.spec["retrieval"])

    def threads(self, phase: str) -> int:
        return int(self.spec["threads"][phase])


def _resolve_variants(config: dict, spec: dict, where: str) -> dict[str, dict]:
    """Check every variant and fill in its languages (default: the preset's non-English languages)."""
    from stiltgrid.tasks import all_tasks

    tasks, dataset = all_tasks(), config["datasets"][spec["data"]]
    analysis = spec.get("analysis") or {}
    used = set(spec["intermediate"]) | {
        i for section in analysis.values() if isinstance(section, dict) for i in _analysis_names(section)
    }
    resolved = {}
    for name, variant in (config.get("variants") or {}).items():
        at = f"variants.{name}"
        if name in tasks or name in (NONE, MULTITASK, BEST):
            raise ConfigError(f"{at}: the name is taken by a task or a table row")
        base = variant["base"]
        if base not in tasks or tasks[base].role != "intermediate":
            raise ConfigError(f"{at}.base: unknown intermediate task '{base}'")
        if "augment" not in variant and "mlm" not in variant and "tuning" not in variant:
            raise ConfigError(
                f"{at}: say what the variant changes: `augment` (with `share`), `mlm`, `tuning`, or several"
            )
        if name not in used:  # another preset's variant: its languages may depend on that preset
            continue
        variant = {"noise": 0.0, "rate": 0.5, "seed": 0, **variant}
        langs = variant.get("languages")
        if langs is None:
            if spec["languages"] == "official":
                raise ConfigError(f"{at}.languages: required when {where} evaluates the 'official' language lists")
            langs = [lang for lang in spec["languages"] if lang != "en"]
        variant["languages"] = list(langs)
        augment = variant.get("augment")
        if augment is not None and dataset["source"] != "world":
            need = "translations" if augment == "translate" else "lexicons"
            if need not in variant:
                raise ConfigError(
                    f"{at}.{need}: a {augment} variant on real data needs its files (a path with {{lang}})"
                )
        elif augment == "translate" and "translations" in variant:
            raise ConfigError(f"{at}.translations: a generated world renders its own translations")
        if "mlm" in variant:
            variant["mlm"] = _resolve_mlm(variant["mlm"], variant["languages"], dataset, f"{at}.mlm")
        resolved[name] = variant
    return resolved


def _resolve_mlm(mlm: dict, languages: list[str], dataset: dict, at: str) -> dict:
    """An MLM variant's settings with defaults, and the corpus languages: English and the variant's languages (the
    multilingual pre-training corpus, as the encoder saw it)."""
    mlm = {**MLM_DEFAULTS, **mlm, "languages": list(dict.fromkeys(["en", *languages]))}
    if dataset["source"] != "world" and "corpus" not in mlm:
        raise ConfigError(
            f"{at}.corpus: an MLM variant on real data needs its multilingual corpus, one text file "
            f"per language (a path with {{lang}}, e.g. CC-100's /data/cc100/{{lang}}.txt)"
        )
    if dataset["source"] == "world" and "corpus" in mlm:
        raise ConfigError(f"{at}.corpus: a generated world's MLM variant reads the world's own corpus (remove it)")
    return mlm


def _analysis_names(section: dict):
    """The intermediates an analysis section names (comparisons, intermediates, reference, alternatives)."""
    for key in ("comparisons", "intermediates", "reference", "alternatives"):
        value = section.get(key) or []
        for item in [value] if isinstance(value, str) else value:
            yield from item if isinstance(item, list) else [item]


def _check_analysis(spec: dict, variants: dict, where: str, dataset: dict) -> None:
    from stiltgrid.tasks import get_task

    analysis = spec.get("analysis") or {}
    known = set(spec["intermediate"]) | set(variants) | {NONE, MULTITASK} | set(intermediate_task_names())
    for question in ANALYSES:
        section = analysis.get(question)
        if not section:
            continue
        at = f"{where}: analysis.{question}"
        for key in ("comparisons", "intermediates", "reference", "alternatives"):
            for inter in _analysis_names({key: section.get(key)}):
                if inter not in known:
                    raise ConfigError(f"{at}.{key}: unknown intermediate or variant '{inter}'")
        if question == "selection" and len([i for i in spec["intermediate"] if i != NONE]) < 2:
            raise ConfigError(
                f"{at}: ranks the intermediates of the grid, and `intermediate` has fewer than two "
                f"besides {NONE} (add some, or set `analysis: {{selection: null}}`)"
            )
        if question in ("alternatives", "tuning") and section["reference"] in section["alternatives"]:
            raise ConfigError(
                f"{at}.alternatives: lists the reference '{section['reference']}' (name the "
                f"intermediates to compare with it)"
            )
        targets = section.get("targets")
        for target in targets if isinstance(targets, list) else []:
            if target not in spec["targets"]:
                raise ConfigError(
                    f"{at}.targets: '{target}' is not a target of the preset (a preset that inherits "
                    f"analyses for targets it drops can set `analysis: null`)"
                )
            if question == "robustness" and not get_task(target).trainable:
                raise ConfigError(
                    f"{at}.targets: '{target}' is a retrieval task (perturbations are scored on fine-tuned targets)"
                )
        if question == "robustness" and dataset["source"] != "world":
            kinds = {p["kind"] for p in section["perturbations"].values()}
            if "codeswitch" in kinds and "lexicons" not in section:
                raise ConfigError(f"{at}.lexicons: the codeswitch perturbation on real data needs lexicons")
            if "entity_swap" in kinds and "entities" not in section:
                raise ConfigError(f"{at}.entities: the entity_swap perturbation on real data needs a gazetteer")


def register_declared_tasks(config: dict) -> None:
    """Tasks declared in config from local files join the registry (Snakefile and job processes alike)."""
    from stiltgrid.data import declared as local_tasks

    try:
        local_tasks.register_all(config.get("tasks"))
    except (local_tasks.TaskDeclarationError, ValueError) as err:
        raise ConfigError(str(err)) from None


def official_languages(target: str, benchmark: str = "xtreme") -> tuple[str, ...]:
    """The official language list of a target in ``benchmark`` (XTREME or XTREME-R); a target of only the other
    benchmark (XCOPA, LAReQA, Mewsli-X under XTREME; PAWS-X, BUCC under XTREME-R) gets that benchmark's list."""
    from stiltgrid.data import xtreme as xt

    first = xt.benchmark_id(benchmark)
    for bench in (first, *(b for b in xt.BENCHMARKS if b != first)):
        if xt.canonical_task(target) in xt.benchmark_tasks(bench):
            return xt.task_languages(target, bench)
    return xt.task_languages(target, first)  # raises: the task is in neither benchmark


def intermediate_task_names(builtin_only: bool = False) -> list[str]:
    """Intermediate task names; ``builtin_only`` leaves out tasks declared in config (the default multitask set
    stays the paper's whatever a user declares)."""
    from stiltgrid.tasks import all_tasks

    return sorted(
        name
        for name, task in all_tasks().items()
        if task.role == "intermediate" and not (builtin_only and task.extra.get("local"))
    )


def _known_languages(dataset: dict) -> set[str]:
    if dataset["source"] == "world":
        from stiltgrid.world import DEFAULT_WORLD

        return set(deep_merge(DEFAULT_WORLD, dataset.get("world", {}))["languages"])
    from stiltgrid.core.languages import load_languages

    return set(load_languages()["iso"])


def _check_lists(spec: dict, where: str) -> None:
    """Empty grids and repeated entries (a repeated language would count twice in every language mean)."""
    for key in ("intermediate", "targets", "seeds", "languages"):
        items = spec[key]
        if items == "official":
            continue
        if not items:
            raise ConfigError(f"{where}: `{key}` is empty; name at least one")
        seen = set()
        for item in items:
            if item in seen:
                raise ConfigError(f"{where}: `{key}` lists '{item}' twice")
            seen.add(item)
    tasks = spec.get("multitask", {}).get("tasks") or []
    if len(set(tasks)) != len(tasks):
        twice = next(t for t in tasks if tasks.count(t) > 1)
        raise ConfigError(f"{where}: `multitask.tasks` lists '{twice}' twice")


def _check_sampling(section: dict, where: str) -> None:
    """A sampler's parameters are given when it needs them, and never when it would ignore them."""
    from stiltgrid.core.hparams import SAMPLERS

    kind = section.get("sampling", "proportional")
    required, optional = SAMPLERS[kind]
    for key in required:
        if section.get(key) is None:
            raise ConfigError(f"{where}: multitask.{key} is required by sampling '{kind}'")
    for key in ("temperature", "examples_cap"):
        if section.get(key) is not None and key not in required + optional:
            raise ConfigError(
                f"{where}: multitask.{key} does nothing with sampling '{kind}' (remove it, or set it "
                f"to null to drop an inherited one)"
            )


def encoder_limits(name: str, model: dict) -> dict | None:
    """Layers and usable input positions of a model, read without loading it: a scratch model's spec, a local
    directory's config.json, or a hub model's once fetched into resources/models. None when not known yet."""
    if model["source"] == "scratch":
        return {"layers": model["layers"], "positions": model["max_length"], "where": f"models.{name}"}
    from stiltgrid.core import paths

    directory = Path(model["path"]) if model["source"] == "local" else Path(paths.MODEL.format(model=name))
    config_file = directory / "config.json"
    if model["source"] == "local":
        if not directory.is_dir():
            raise ConfigError(
                f"models.{name}.path: '{directory}' is not a directory (a save_pretrained encoder "
                f"directory with config.json and tokenizer files)"
            )
        if not config_file.exists():
            raise ConfigError(
                f"models.{name}.path: '{directory}' has no config.json (expected a save_pretrained encoder directory)"
            )
    if not config_file.exists():
        return None
    try:
        raw = json.loads(config_file.read_text())
    except ValueError as err:
        raise ConfigError(f"{config_file}: not valid JSON ({err})") from None
    layers = raw.get("num_hidden_layers", raw.get("n_layers"))
    positions = raw.get("max_position_embeddings")
    if positions is not None and raw.get("model_type") in _OFFSET_POSITIONS:
        positions -= raw.get("pad_token_id", 1) + 1  # RoBERTa-style position ids start after the padding index
    return {"layers": layers, "positions": positions, "where": str(config_file)}


# Model types whose position ids are offset by the padding index (514 embeddings, 512 usable positions).
_OFFSET_POSITIONS = {"roberta", "xlm-roberta", "camembert", "xlm-roberta-xl", "bart", "longformer"}


def _is_fraction(layer) -> bool:
    return isinstance(layer, float) and not layer.is_integer()


def resolve_layer(layer, layers: int, source: str = "") -> int:
    """The hidden-state index a ``retrieval.layer`` setting means for an encoder of ``layers`` layers: an integer
    index (0 = the embedding output, ``layers`` = the last layer; negative counts from the end as in Python, -1 = the
    last layer) or a fraction of the depth strictly between 0 and 1, rounded half up (0.58 of 24 layers = 14, of 12 =
    7). The setting stays as written in the job's params; only the job, which loads the encoder, resolves it."""
    if _is_fraction(layer):
        if not 0 < layer < 1:
            raise ConfigError(
                f"retrieval.layer {layer}: write an integer index or a fraction of the encoder's depth "
                f"strictly between 0 and 1 (0.58 = layer 14 of 24)"
            )
        return math.floor(layer * layers + 0.5)
    index = int(layer)
    resolved = index if index >= 0 else layers + 1 + index
    if not 0 <= resolved <= layers:
        where = f"{source}; " if source else ""
        raise ConfigError(
            f"retrieval.layer {index} is beyond the encoder's {layers} layers ({where}0 = embeddings, "
            f"{layers} or -1 = last layer)"
        )
    return resolved


def _check_against_encoder(spec: dict, name: str, model: dict, where: str, trained: dict[str, set]) -> None:
    """Retrieval layer and lengths within what the encoder has. Task overrides are checked for the tasks the grid
    trains (``trained``: phase -> task names): a preset to inherit sets lengths for tasks a grid may not use."""
    layer = spec["retrieval"]["layer"]
    if layer == AUTO:  # each job resolves it from the encoder's kind; MLM_LAYER or the last layer both exist
        layer = MLM_LAYER
    if _is_fraction(layer):  # a fraction's own range holds whatever the depth, known yet or not
        try:
            resolve_layer(layer, 1)
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from None
    limits = encoder_limits(name, model)
    if limits is None:
        return
    if limits["layers"] is not None:
        try:
            resolve_layer(layer, limits["layers"], limits["where"])
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from None
    if limits["positions"] is None:
        return
    lengths = {"retrieval.max_length": spec["retrieval"]["max_length"]}
    for phase in ("intermediate", "target"):
        section = spec.get("training", {}).get(phase, {})
        overrides = [(task, values) for task, values in section.get("tasks", {}).items() if task in trained[phase]]
        for task, values in [("defaults", section.get("defaults", {})), *overrides]:
            if "max_length" in values:
                key = f"training.{phase}.{task}" if task == "defaults" else f"training.{phase}.tasks.{task}"
                lengths[f"{key}.max_length"] = values["max_length"]
    for key, length in lengths.items():
        if length > limits["positions"]:
            raise ConfigError(
                f"{where}: {key} {length} exceeds the encoder's {limits['positions']} positions "
                f"({limits['where']}); lower it"
            )


# Settings whose right value depends on the encoder's size: inherited from a preset written for a tiny scratch
# model, they spoil a pretrained encoder (a learning rate of 1e-3 collapses it to the majority class).
SIZED_SETTINGS = {
    "training": ("lr", "epochs", "max_length", "max_train_examples", "eval_subset"),
    "retrieval": ("layer", "max_length"),
}


def _chain(config: dict, name: str) -> list[str]:
    """The preset and its ancestors, the preset first (resolve_preset has checked the chain)."""
    chain = [name]
    while config["presets"][chain[-1]].get("inherit") is not None:
        chain.append(config["presets"][chain[-1]]["inherit"])
    return chain


def _sized_leaves(spec: dict):
    """(key path, value) of every encoder-size-dependent setting of a preset, resolved or raw."""
    for phase, section in (spec.get("training") or {}).items():
        blocks = [(("defaults",), section.get("defaults") or {})]
        blocks += [(("tasks", task), values) for task, values in (section.get("tasks") or {}).items()]
        for prefix, values in blocks:
            for key in SIZED_SETTINGS["training"]:
                if key in (values or {}):
                    yield ("training", phase, *prefix, key), values[key]
    for key in SIZED_SETTINGS["retrieval"]:
        if key in (spec.get("retrieval") or {}):
            yield ("retrieval", key), spec["retrieval"][key]


def _defines(preset: dict, path: tuple) -> bool:
    node = preset
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def scratch_settings_warning(config: dict, name: str, spec: dict) -> str | None:
    """A warning naming the settings a preset that runs a pretrained (hub or local) encoder takes from an ancestor
    written for a tiny scratch model (the README's example once inherited `demo`: lr 1e-3, retrieval layer 2,
    max_length 64), or None."""
    model = config["models"][spec["model"]]
    if model["source"] == "scratch":
        return None
    chain = _chain(config, name)
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for path, value in _sized_leaves(spec):
        provider = next((p for p in chain if _defines(config["presets"][p], path)), None)
        if provider is None:
            continue
        own_model = next(
            (config["presets"][p]["model"] for p in _chain(config, provider) if "model" in config["presets"][p]), None
        )
        if own_model in config["models"] and config["models"][own_model]["source"] == "scratch":
            section = found.setdefault((provider, own_model), {}).setdefault(".".join(path[:-1]), [])
            section.append(f"{path[-1]} {value}")
    if not found:
        return None
    parts = [
        f"from preset '{provider}', written for its tiny scratch model '{scratch}': "
        + "; ".join(f"{where} {', '.join(items)}" for where, items in sections.items())
        for (provider, scratch), sections in found.items()
    ]
    return (
        f"preset '{name}' runs the pretrained encoder '{spec['model']}' ({model['source']}) with settings "
        f"{'; '.join(parts)}. Inherit `pretrained` instead (README: bring your own encoder) or set them"
    )


def load_grid(config: dict) -> Grid:
    _validate_schema(config)
    from stiltgrid.tasks import all_tasks

    name = config["preset"]
    register_declared_tasks(config)
    spec = resolve_preset(config, name)
    _fill_preset_defaults(spec)
    where = f"preset '{name}'"
    if spec["model"] not in config["models"]:
        raise ConfigError(f"{where}: unknown model '{spec['model']}' (known: {', '.join(sorted(config['models']))})")
    if spec["data"] not in config["datasets"]:
        raise ConfigError(f"{where}: unknown dataset '{spec['data']}' (known: {', '.join(sorted(config['datasets']))})")
    _check_lists(spec, where)
    tasks = all_tasks()
    variants = _resolve_variants(config, spec, where)
    for inter in spec["intermediate"]:
        if inter in variants:
            continue
        if inter not in (NONE, MULTITASK) and (inter not in tasks or tasks[inter].role != "intermediate"):
            raise ConfigError(
                f"{where}: unknown intermediate task '{inter}' "
                f"(known: none, multitask, {', '.join(intermediate_task_names())})"
            )
    for task in spec.get("multitask", {}).get("tasks", []):
        if task not in tasks or tasks[task].role != "intermediate":
            raise ConfigError(f"{where}: unknown multitask task '{task}'")
    _check_sampling(spec.get("multitask", {}), where)
    targets = sorted(t for t, task in tasks.items() if task.role in ("target", "retrieval"))
    for target in spec["targets"]:
        if target not in targets:
            raise ConfigError(f"{where}: unknown target task '{target}' (known: {', '.join(targets)})")
    for phase in ("intermediate", "target"):
        for task in spec.get("training", {}).get(phase, {}).get("tasks", {}):
            if task not in tasks and task != MULTITASK and task not in variants:
                raise ConfigError(f"{where}: training.{phase}.tasks names unknown task '{task}'")
    dataset = config["datasets"][spec["data"]]
    if spec["languages"] != "official":
        known = _known_languages(dataset)
        for lang in spec["languages"]:
            if lang not in known:
                raise ConfigError(
                    f"{where}: unknown language '{lang}' for dataset '{spec['data']}' "
                    f"(known: {', '.join(sorted(known))})"
                )
    _check_analysis(spec, variants, where, dataset)
    model = config["models"][spec["model"]]
    for key in {"hub": ("id", "revision"), "local": ("path",), "scratch": ("corpus",)}[model["source"]]:
        if key not in model:
            raise ConfigError(f"model '{spec['model']}' (source {model['source']}) lacks key '{key}'")
    if model["source"] == "scratch" and model["corpus"] not in config["datasets"]:
        raise ConfigError(f"model '{spec['model']}': unknown corpus dataset '{model['corpus']}'")
    cells = tuple(tuple(cell) for cell in spec["cells"]) if "cells" in spec else None
    warning = scratch_settings_warning(config, name, spec)
    grid = Grid(
        preset=name,
        spec=spec,
        model_name=spec["model"],
        model=model,
        dataset_name=spec["data"],
        dataset=dataset,
        intermediates=tuple(spec["intermediate"]),
        targets=tuple(spec["targets"]),
        variants=variants,
        seeds=tuple(spec["seeds"]),
        cells=cells,
        warnings=(warning,) if warning else (),
    )
    _check_data_sources(grid, where)
    grid = _check_local_copies(config, grid, where)
    trained = {
        "intermediate": set(grid.trained_intermediates) | {v["base"] for v in grid.variants.values()},
        "target": set(grid.trained_targets),
    }
    _check_against_encoder(spec, spec["model"], model, where, trained)
    for phase, names in trained.items():  # every tuning setting read now: a bad one stops the plan, not a job
        for task in sorted(names | set(grid.variants)) if phase == "intermediate" else sorted(names):
            grid.tuning(phase, task)
    if cells is not None:
        _check_cells(grid, f"{where}: cells")
    export = grid.export()
    if export is not None and export["row"] not in (BEST, *grid.intermediates):
        raise ConfigError(f"{where}: export.row '{export['row']}' is neither {BEST} nor an intermediate of the grid")
    if export is not None and export["seed"] is not None and export["seed"] not in grid.seeds:
        raise ConfigError(f"{where}: export.seed {export['seed']} is not one of the grid's seeds")
    return grid


def _check_data_sources(grid: Grid, where: str) -> None:
    """Every task the grid reads has data in the preset's dataset: a generated world renders the tasks whose module
    declares ``world=``, the hub builds those that declare ``sources=``; a declared task brings its own files."""
    from stiltgrid.tasks import get_task

    source = grid.dataset["source"]
    for name in grid.data_tasks():
        task = get_task(name)
        if task.extra.get("local"):
            continue
        if (task.world if source == "world" else task.sources) in (None, ()):
            kind = "world generator (world=)" if source == "world" else "hub source (sources=)"
            raise ConfigError(
                f"{where}: task '{name}' has no data in dataset '{grid.dataset_name}' (source "
                f"{source}): its module declares no {kind}"
            )


def _check_local_copies(config: dict, grid: Grid, where: str) -> Grid:
    """The grid with the local copies it needs (licensed or off-hub data) looked up: those missing recorded in
    ``unavailable``, or with the opt-out their tasks dropped from the grid, its cells and multitask, one warning
    each (stiltgrid.data.availability)."""
    from stiltgrid.data import availability

    missing = availability.unavailable(grid.dataset_name, grid.dataset, grid.data_tasks())
    if not missing:
        return grid
    if not availability.drop_requested(config):
        return replace(grid, unavailable=missing)
    dropped = tuple(missing)
    spec = {
        **grid.spec,
        "intermediate": [i for i in grid.spec["intermediate"] if i not in dropped],
        "targets": [t for t in grid.spec["targets"] if t not in dropped],
    }
    cells = None if grid.cells is None else tuple(c for c in grid.cells if not set(c[:2]) & set(dropped))
    smaller = replace(
        grid,
        spec=spec,
        intermediates=tuple(spec["intermediate"]),
        targets=tuple(spec["targets"]),
        cells=cells,
        dropped=dropped,
    )
    key = availability.DROP_KEY
    for kind, left in (("targets", smaller.targets), ("intermediate", smaller.intermediates)):
        if not left:
            raise ConfigError(
                f"{where}: {key} drops every task of `{kind}` ({', '.join(dropped)}); provide "
                f"their data ({availability.DOC})"
            )
    if MULTITASK in smaller.intermediates and not smaller.multitask_tasks():
        raise ConfigError(
            f"{where}: {key} drops every multitask task ({', '.join(dropped)}); provide their data or remove multitask"
        )
    analysed = {t for q in smaller.analysis() if q in ANALYSES for t in smaller.analysis_targets(q)}
    still = sorted((set(smaller.data_tasks()) | analysed) & set(dropped))
    if still:
        raise ConfigError(
            f"{where}: {key} drops task '{still[0]}', but a variant or an analysis of the grid still "
            f"reads it; remove it there or provide its data ({availability.DOC})"
        )
    in_multitask = MULTITASK in smaller.intermediates
    warnings = [
        availability.drop_warning(
            task, missing[task], smaller.multitask_tasks() if in_multitask and task in grid.multitask_tasks() else None
        )
        for task in dropped
    ]
    return replace(smaller, warnings=smaller.warnings + tuple(warnings))


def _check_cells(grid: Grid, where: str) -> None:
    """Every listed cell is one of the grid's, and every question still asked has all of its cells in every seed
    (an analysis compares whole cells; one it cannot have is dropped with ``analysis: {<question>: null}``)."""
    for inter, target, seed in grid.cells:
        cell = f"[{inter}, {target}, {seed}]"
        if inter not in grid.all_intermediates:
            raise ConfigError(f"{where}: {cell}: '{inter}' is not an intermediate of the grid")
        if target not in grid.targets:
            raise ConfigError(f"{where}: {cell}: '{target}' is not a target of the grid")
        if seed not in grid.seeds:
            raise ConfigError(f"{where}: {cell}: seed {seed} is not one of the grid's seeds")
    for question in ANALYSES:
        if question not in grid.analysis():
            continue
        for inter, target in grid.analysis_cells(question):
            missing = [seed for seed in grid.seeds if seed not in grid.cell_seeds(inter, target)]
            if missing:
                raise ConfigError(
                    f"{where}: the '{question}' analysis needs cell [{inter}, {target}, {missing[0]}] "
                    f"(list it, or drop the question with `analysis: {{{question}: null}}`)"
                )

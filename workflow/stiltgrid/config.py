"""Config validation and the grid it describes.

``load_grid(config)`` validates the raw Snakemake config against workflow/schemas/config.schema.yaml (filling
defaults), resolves the selected preset (``inherit`` chains), checks every named model, dataset, task and language,
and returns a :class:`Grid` the rules enumerate. Every problem is a :class:`ConfigError` with a one-line message that
names the offending key or value.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "config.schema.yaml"
NONE, MULTITASK = "none", "multitask"
PRESET_KEYS = ("model", "data", "intermediate", "targets", "languages", "seeds")


class ConfigError(ValueError):
    pass


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


def _schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text())


def _fill_preset_defaults(spec: dict) -> None:
    """Schema defaults go into the *resolved* preset: filled into a raw preset they would override its parent."""
    import jsonschema

    schema = _schema()
    preset_schema = {"$ref": "#/definitions/preset", "definitions": schema["definitions"]}
    _with_defaults(jsonschema.Draft7Validator)(preset_schema).validate(spec)


def _validate_schema(config: dict) -> None:
    import jsonschema

    validator = jsonschema.Draft7Validator(_schema())
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), list(e.absolute_path)))
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            raise ConfigError(f"unknown key '{extra[0]}' in {where}")
        raise ConfigError(f"{where}: {err.message}")


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
        return tuple(i for i in self.intermediates if i != NONE)

    def multitask_tasks(self) -> list[str]:
        return list(self.spec.get("multitask", {}).get("tasks") or intermediate_task_names())

    def intermediate_tasks(self, intermediate: str) -> list[str]:
        return self.multitask_tasks() if intermediate == MULTITASK else [intermediate]

    def data_tasks(self) -> list[str]:
        """Every task whose data the grid reads."""
        names = {t for i in self.trained_intermediates for t in self.intermediate_tasks(i)}
        return sorted(names | set(self.targets))

    # -- languages ------------------------------------------------------------------------------------------------
    def languages(self, target: str) -> list[str]:
        from stiltgrid.tasks import get_task

        chosen = self.spec["languages"]
        if chosen == "official":
            from stiltgrid.xtreme import task_languages

            langs = list(task_languages(target))
        else:
            langs = list(chosen)
        if get_task(target).format == "retrieval":  # retrieval pairs each language with English
            langs = [lang for lang in langs if lang != "en"]
        return langs

    # -- hyper-parameters -----------------------------------------------------------------------------------------
    def hparams(self, phase: str, task: str) -> dict:
        """Training hyper-parameters of one task in one phase (schema defaults < phase defaults < task overrides)."""
        from stiltgrid.hparams import defaults

        section = self.spec.get("training", {}).get(phase, {})
        merged = defaults()
        merged.update(section.get("defaults", {}))
        merged.update(section.get("tasks", {}).get(task, {}))
        return merged

    def retrieval(self) -> dict:
        return dict(self.spec["retrieval"])

    def threads(self, phase: str) -> int:
        return int(self.spec["threads"][phase])


def intermediate_task_names() -> list[str]:
    from stiltgrid.tasks import all_tasks

    return sorted(name for name, task in all_tasks().items() if task.role == "intermediate")


def _known_languages(dataset: dict) -> set[str]:
    if dataset["source"] == "world":
        from stiltgrid.world import DEFAULT_WORLD

        return set(deep_merge(DEFAULT_WORLD, dataset.get("world", {}))["languages"])
    from stiltgrid.languages import load_languages

    return set(load_languages()["iso"])


def load_grid(config: dict) -> Grid:
    _validate_schema(config)
    from stiltgrid.tasks import all_tasks

    name = config["preset"]
    spec = resolve_preset(config, name)
    _fill_preset_defaults(spec)
    where = f"preset '{name}'"
    if spec["model"] not in config["models"]:
        raise ConfigError(f"{where}: unknown model '{spec['model']}' (known: {', '.join(sorted(config['models']))})")
    if spec["data"] not in config["datasets"]:
        raise ConfigError(f"{where}: unknown dataset '{spec['data']}' (known: {', '.join(sorted(config['datasets']))})")
    tasks = all_tasks()
    for inter in spec["intermediate"]:
        if inter not in (NONE, MULTITASK) and (inter not in tasks or tasks[inter].role != "intermediate"):
            raise ConfigError(f"{where}: unknown intermediate task '{inter}' "
                              f"(known: none, multitask, {', '.join(intermediate_task_names())})")
    for task in spec.get("multitask", {}).get("tasks", []):
        if task not in tasks or tasks[task].role != "intermediate":
            raise ConfigError(f"{where}: unknown multitask task '{task}'")
    targets = sorted(t for t, task in tasks.items() if task.role in ("target", "retrieval"))
    for target in spec["targets"]:
        if target not in targets:
            raise ConfigError(f"{where}: unknown target task '{target}' (known: {', '.join(targets)})")
    for phase in ("intermediate", "target"):
        for task in spec.get("training", {}).get(phase, {}).get("tasks", {}):
            if task not in tasks and task != MULTITASK:
                raise ConfigError(f"{where}: training.{phase}.tasks names unknown task '{task}'")
    dataset = config["datasets"][spec["data"]]
    if spec["languages"] != "official":
        known = _known_languages(dataset)
        for lang in spec["languages"]:
            if lang not in known:
                raise ConfigError(f"{where}: unknown language '{lang}' for dataset '{spec['data']}' "
                                  f"(known: {', '.join(sorted(known))})")
    model = config["models"][spec["model"]]
    for key in {"hub": ("id", "revision"), "local": ("path",), "scratch": ("corpus",)}[model["source"]]:
        if key not in model:
            raise ConfigError(f"model '{spec['model']}' (source {model['source']}) lacks key '{key}'")
    if model["source"] == "scratch" and model["corpus"] not in config["datasets"]:
        raise ConfigError(f"model '{spec['model']}': unknown corpus dataset '{model['corpus']}'")
    return Grid(preset=name, spec=spec, model_name=spec["model"], model=model, dataset_name=spec["data"],
                dataset=dataset, intermediates=tuple(spec["intermediate"]), targets=tuple(spec["targets"]),
                seeds=tuple(spec["seeds"]))

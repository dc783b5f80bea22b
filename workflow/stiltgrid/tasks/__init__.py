"""The task registry: one module per task in this package, each defining ``TASK`` with all its facts.

A task's module declares its format, labels, metric and role, its place in XTREME / XTREME-R (languages, English
training sets, category, score metrics, spellings), the hub sources that build its data and how the generated world
renders it (see :mod:`stiltgrid.tasks.base`). The benchmark tables (:mod:`stiltgrid.data.xtreme`), the hub's source list
(:func:`stiltgrid.data.hub.sources`) and the world's task list (:func:`world_tasks`) are derived from this registry, so
a new task is a new module (docs/adding-a-task.md). Tasks declared in config from local files
(stiltgrid.data.declared) join the registry through :func:`register`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from stiltgrid.tasks.base import Task

__all__ = ["Task", "get_task", "all_tasks", "register", "world_tasks"]


@lru_cache(maxsize=1)
def all_tasks() -> dict[str, Task]:
    registry: dict[str, Task] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        task = getattr(importlib.import_module(f"{__name__}.{info.name}"), "TASK", None)
        if task is None:
            raise ImportError(f"task module stiltgrid.tasks.{info.name} defines no TASK")
        if task.name in registry:
            raise ImportError(f"task name '{task.name}' is defined twice")
        registry[task.name] = task
    return registry


def get_task(name: str) -> Task:
    tasks = all_tasks()
    if name not in tasks:
        raise KeyError(f"unknown task '{name}'; known tasks: {', '.join(sorted(tasks))}")
    return tasks[name]


def register(task: Task) -> Task:
    """Add a task declared at run time (config ``tasks:``); re-registering the same definition is a no-op."""
    tasks = all_tasks()
    known = tasks.get(task.name)
    if known is not None and known != task:
        origin = "a declared task" if known.extra.get("local") else "a built-in task"
        raise ValueError(f"task '{task.name}' is already {origin} with a different definition")
    tasks[task.name] = task
    return task


def world_tasks() -> dict[str, Task]:
    """The tasks the generated world renders (those whose module declares ``world=``), by name."""
    return {name: task for name, task in all_tasks().items() if task.world is not None}

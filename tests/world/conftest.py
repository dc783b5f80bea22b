"""Shared fixtures: one small generated world (written once per test session)."""

from __future__ import annotations

import pytest

from stiltgrid.data.world import World, generate_world
from stiltgrid.tasks import world_tasks
from stiltgrid.world import DEFAULT_WORLD

# retrieval sets paired with English have dev/test sets; query/pool retrieval a test set
SMALL_TASKS = {
    name: (
        {"dev": 30, "test": 40}
        if task.paired_with_english
        else {"test": 40}
        if not task.trainable
        else {"train": 60, "dev": 24, "test": 30}
    )
    for name, task in world_tasks().items()
}
SMALL_ARGS = {"tasks": SMALL_TASKS, "corpus_sentences": 400, "test_langs": list(DEFAULT_WORLD["languages"])}


@pytest.fixture(scope="session")
def small_args() -> dict:
    return SMALL_ARGS


@pytest.fixture(scope="session")
def small_world_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    generate_world(DEFAULT_WORLD, out, **SMALL_ARGS)
    return out


@pytest.fixture(scope="session")
def world() -> World:
    return World(DEFAULT_WORLD)

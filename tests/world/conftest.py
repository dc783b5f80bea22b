"""Shared fixtures: one small generated world (written once per test session)."""

from __future__ import annotations

import pytest

from stiltgrid.world import DEFAULT_WORLD, POOLED_TASKS, RETRIEVAL_TASKS, WORLD_TASKS, World, generate_world

SMALL_TASKS = {t: ({"dev": 30, "test": 40} if t in RETRIEVAL_TASKS else {"test": 40} if t in POOLED_TASKS
                   else {"train": 60, "dev": 24, "test": 30})
               for t in WORLD_TASKS}
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

"""Fixtures for the hub loaders: a mirror of tiny hub repositories (built once) and a fetch helper reading it."""

from __future__ import annotations

import pytest
from hub_fixtures import build_mirror


@pytest.fixture(scope="session")
def mirror(tmp_path_factory):
    return build_mirror(tmp_path_factory.mktemp("hub-mirror"))


@pytest.fixture(scope="session")
def hub_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("hub-cache")


@pytest.fixture
def fetched(mirror, hub_cache, tmp_path):
    """fetched(task, languages=(), source=None) -> (task directory, task.json record), read from the mirror."""
    from stiltgrid.data import hub

    def run(task, languages=(), source=None):
        out = tmp_path / "tasks" / task
        record = hub.fetch(task, out, languages, source=source, mirror=mirror, cache_dir=hub_cache)
        return out, record

    return run

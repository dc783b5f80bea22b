"""Every hub source a task declares reads its fixture repositories into files the engine loads in the task's format
(through stiltgrid.jobs.common.load_split, as the training and scoring jobs do)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stiltgrid.data import hub
from stiltgrid.jobs.common import load_split
from stiltgrid.tasks import get_task

#: sources reading local copies (CCGbank, Mewsli-X) have their own tests
HUB_SOURCES = sorted(name for name, source in hub.sources().items() if not source.local)
#: one fixture language per target (the first of these a source has)
FIXTURE_LANGUAGES = ("de", "et", "ar")


@pytest.mark.parametrize("name", HUB_SOURCES)
def test_source_reads_its_fixture_in_the_task_format(fetched, name):
    source = hub.sources()[name]
    task = get_task(source.task)
    langs = [next(lang for lang in FIXTURE_LANGUAGES if lang in source.available)] if source.available else []
    out, record = fetched(source.task, langs, source=name)
    assert (record["task"], record["format"], record["source"]["source"]) == (task.name, task.format, name)
    labels = list(task.labels) if task.labels else None
    for part in source.plan(langs):
        rows = load_split(str(out), task, Path(part.file).stem, labels)
        assert rows and record["counts"][part.file] == len(rows)


@pytest.mark.parametrize("name", HUB_SOURCES)
def test_no_source_reads_a_parquet_export_branch(name):
    """The dataset viewer deletes refs/convert/parquet and squashes its history: no pin there survives."""
    for entry in hub.sources()[name].params().get("hub", []):
        assert not entry["revision"].startswith("refs/"), (name, entry)

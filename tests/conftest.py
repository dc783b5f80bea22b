import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture
def declared_registry():
    """Declared tasks join the process-wide task registry: keep other tests' view of it unchanged."""
    from stiltgrid.tasks import all_tasks

    before = dict(all_tasks())
    yield
    all_tasks().clear()
    all_tasks().update(before)


@pytest.fixture(scope="session")
def ci_grid(tmp_path_factory):
    """The `ci` preset run once to completion in a scratch copy of the workflow (shared: copy it before changing it)."""
    from repo import copy_workflow, run_snakemake

    work = copy_workflow(tmp_path_factory.mktemp("ci-grid"))
    run_snakemake(work, "--cores", "2", "--config", "preset=ci")
    return work

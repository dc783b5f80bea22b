"""Planning a grid under a GPU budget: the preset `cells` key, the cost model, calibration from finished jobs, the
integer program and the config overlay it writes (stiltgrid.plan, stiltgrid.cost)."""

import pytest

from repo import ROOT
from stiltgrid.config import ConfigError, load_grid
from stiltgrid.dag import JobGraph
from stiltgrid.why import load_config


def preset_config(preset: str = "ci", **changes) -> dict:
    config = load_config(str(ROOT), [], [f"preset={preset}"])
    config["presets"][preset].update(changes)
    return config


# -- the preset `cells` key and dropped questions -----------------------------------------------------------------
def test_cells_restrict_the_grid_to_the_listed_cells():
    config = preset_config(cells=[["mnli", "xnli", 1], ["none", "tatoeba", 1]])
    graph = JobGraph(config, load_grid(config))
    assert graph.grid_cells() == [("none", "tatoeba"), ("mnli", "xnli")]
    assert graph.aggregate.inputs["cells"] == ["results/tiny-ci/eval/none/tatoeba/seed1",
                                               "results/tiny-ci/eval/mnli/xnli/seed1"]
    # tatoeba pairs its 4 non-English languages with English; xnli is scored in all 5
    assert len(graph.aggregate.settings["metrics"]) == 4 + 5


def test_without_cells_every_cell_runs():
    config = preset_config(seeds=[1, 2])
    grid = load_grid(config)
    assert grid.cells is None and grid.cell_seeds("squad", "udpos") == (1, 2)
    assert len(JobGraph(config, grid).aggregate.inputs["cells"]) == 3 * 4 * 2


@pytest.mark.parametrize("cell, message", [
    (["qqp", "xnli", 1], "cells: [qqp, xnli, 1]: 'qqp' is not an intermediate of the grid"),
    (["mnli", "pawsx", 1], "cells: [mnli, pawsx, 1]: 'pawsx' is not a target of the grid"),
    (["mnli", "xnli", 2], "cells: [mnli, xnli, 2]: seed 2 is not one of the grid's seeds"),
    (["mnli", "xnli"], "presets.ci.cells.0: ['mnli', 'xnli'] is too short"),
])
def test_cells_outside_the_grid_are_config_errors(cell, message):
    with pytest.raises(ConfigError) as err:
        load_grid(preset_config(cells=[cell]))
    assert message in str(err.value)


def only_volume(volume):
    """ci's analyses: demo's (which it inherits) each dropped with null, and the volume question."""
    return {"families": None, "low_resource": None, "xtreme_mix": None, "robustness": None, "volume": volume}


def test_a_question_needs_every_seed_of_its_cells_unless_it_is_dropped():
    cells = [[i, t, 1] for i in ("none", "mnli", "squad") for t in ("xnli", "udpos", "xquad", "tatoeba")]
    with pytest.raises(ConfigError) as err:
        load_grid(preset_config(seeds=[1, 2], cells=cells, analysis=only_volume({})))
    assert str(err.value) == ("preset 'ci': cells: the 'volume' analysis needs cell [none, xnli, 2] (list it, or drop "
                              "the question with `analysis: {volume: null}`)")
    config = preset_config(seeds=[1, 2], cells=cells, analysis=only_volume(None))
    grid = load_grid(config)
    assert "volume" not in grid.analysis() and grid.analysis_cells() == []
    assert grid.cell_seeds("mnli", "xnli") == (1,)
    assert len(JobGraph(config, grid).aggregate.inputs["cells"]) == 12

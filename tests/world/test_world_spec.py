"""World specs: the default is valid and covers the required variety; bad specs fail naming the bad key."""

from __future__ import annotations

import pytest

from stiltgrid.data.world import World
from stiltgrid.world import DEFAULT_WORLD, WorldSpecError, default_world, validate_spec


def test_default_world_shape():
    validate_spec(DEFAULT_WORLD)
    langs = DEFAULT_WORLD["languages"]
    assert "en" in langs and len(langs) >= 8
    assert len({v["family"] for v in langs.values()}) >= 3
    assert len({v["script"] for v in langs.values()}) >= 2
    assert {k: (v["family"], v["script"]) for k, v in langs.items()} == {
        "en": ("westic", "Latn"),
        "wa": ("westic", "Latn"),
        "wb": ("westic", "Latn"),
        "ea": ("eastic", "Cyrl"),
        "eb": ("eastic", "Cyrl"),
        "sa": ("southic", "Latn"),
        "sb": ("southic", "Latn"),
        "ka": ("kartic", "Geor"),
    }
    assert langs["en"]["drift"] == 0 and langs["wa"]["drift"] < langs["wb"]["drift"]
    fams = DEFAULT_WORLD["families"]
    assert (fams["eastic"]["order"], fams["eastic"]["adjective"]) == ("SVO", "after")
    assert (fams["southic"]["order"], fams["southic"]["object_case"]) == ("SOV", True)
    assert fams["kartic"]["order"] == "VSO"


def _mutated(path: list[str], value=None, delete: bool = False) -> dict:
    spec = default_world()
    node = spec
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return spec


@pytest.mark.parametrize(
    "path,value,delete,needle",
    [
        (["colour"], 1, False, "colour"),
        (["seed"], "abc", False, "seed"),
        (["languages", "ea", "scrpt"], "Cyrl", False, "languages.ea.scrpt"),
        (["languages", "ea", "script"], "Klingon", False, "languages.ea.script"),
        (["languages", "wb", "volume"], -1, False, "languages.wb.volume"),
        (["languages", "wb", "drift"], 1.5, False, "languages.wb.drift"),
        (["languages", "sa", "family"], "northic", False, "languages.sa.family"),
        (["languages", "ka", "name"], None, True, "languages.ka.name"),
        (["languages", "en"], None, True, "languages.en"),
        (["families", "eastic", "order"], "OSV", False, "families.eastic.order"),
        (["families", "eastic", "articles"], "yes", False, "families.eastic.articles"),
        (["families", "southic", "wordorder"], "SOV", False, "families.southic.wordorder"),
        (["families", "southic", "phonology"], None, True, "families.southic.phonology"),
        (["families", "kartic", "phonology", "nuclei"], ["á"], False, "families.kartic.phonology.nuclei"),
    ],
)
def test_bad_spec_names_the_key(path, value, delete, needle):
    spec = _mutated(path, value, delete)
    with pytest.raises(WorldSpecError, match=needle.replace(".", r"\.")):
        validate_spec(spec)
    with pytest.raises(WorldSpecError):
        World(spec)


def test_custom_spec():
    spec = default_world()
    spec["languages"] = {k: spec["languages"][k] for k in ("en", "ka")}
    spec["languages"]["gr"] = {"name": "Grekish", "family": "westic", "script": "Grek", "volume": 0.5, "drift": 0.3}
    spec["families"]["kartic"]["negation"] = "final"
    w = World(spec)
    assert w.codes == ["en", "ka", "gr"]
    assert w.task_examples("udpos", "dev", 5, "gr")
    assert w.lexical_overlap("gr") == 0.0  # another script: no identical forms


def test_default_world_is_not_mutated():
    spec = default_world()
    World(spec)
    assert spec == DEFAULT_WORLD and spec is not DEFAULT_WORLD

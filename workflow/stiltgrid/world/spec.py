"""The world specification (families with grammars, languages with script / volume / drift) and its validation."""

from __future__ import annotations

import copy
import re
from typing import Any

from stiltgrid.core.errors import UserError
from stiltgrid.world.scripts import SCRIPTS


class WorldSpecError(UserError, ValueError):
    """A world spec is malformed; the message names the offending key (dotted path)."""


DEFAULT_WORLD: dict[str, Any] = {
    "seed": 20200526,
    "families": {
        # proto-forms are the English forms; English grammar (do-support, articles, prepositions)
        "westic": {
            "proto": "english",
            "order": "SVO",
            "adjective": "before",
            "articles": True,
            "adposition": "pre",
            "object_case": False,
            "negation": "aux",
            "question": "front_aux",
            "question_particle": None,
        },
        # Slavic-like: no articles, adjectives after the noun, preverbal negation, wh-fronting without do-support
        "eastic": {
            "proto": "random",
            "order": "SVO",
            "adjective": "after",
            "articles": False,
            "adposition": "pre",
            "object_case": False,
            "negation": "preverbal",
            "question": "front",
            "question_particle": None,
            "phonology": {
                "onsets": [
                    "b",
                    "v",
                    "g",
                    "d",
                    "zh",
                    "z",
                    "k",
                    "l",
                    "m",
                    "n",
                    "p",
                    "r",
                    "s",
                    "t",
                    "sh",
                    "ch",
                    "pr",
                    "st",
                    "vl",
                    "br",
                    "kr",
                    "dr",
                    "sl",
                    "gr",
                    "",
                ],
                "nuclei": ["a", "e", "i", "o", "u", "y", "ya"],
                "codas": ["", "", "", "n", "l", "r", "s", "k", "t", "m", "v"],
            },
        },
        # Japanese/Turkish-like: SOV, postpositions, object case suffix, wh in situ with a final question particle
        "southic": {
            "proto": "random",
            "order": "SOV",
            "adjective": "before",
            "articles": False,
            "adposition": "post",
            "object_case": True,
            "negation": "postverbal",
            "question": "in_situ",
            "question_particle": "final",
            "phonology": {
                "onsets": ["k", "s", "t", "n", "h", "m", "y", "r", "w", "g", "d", "b", "p", ""],
                "nuclei": ["a", "i", "u", "e", "o"],
                "codas": ["", "", "", "", "n"],
            },
        },
        # an isolate: VSO, adjectives after the noun, articles, a clause-initial question particle
        "kartic": {
            "proto": "random",
            "order": "VSO",
            "adjective": "after",
            "articles": True,
            "adposition": "pre",
            "object_case": False,
            "negation": "preverbal",
            "question": "front",
            "question_particle": "initial",
            "phonology": {
                "onsets": [
                    "gv",
                    "ts",
                    "kh",
                    "mt",
                    "tq",
                    "sh",
                    "ch",
                    "dz",
                    "b",
                    "g",
                    "d",
                    "v",
                    "z",
                    "t",
                    "k",
                    "l",
                    "m",
                    "n",
                    "r",
                    "s",
                    "gh",
                ],
                "nuclei": ["a", "e", "i", "o", "u"],
                "codas": ["", "", "l", "r", "s", "m", "n"],
            },
        },
    },
    "languages": {
        "en": {"name": "English", "family": "westic", "script": "Latn", "volume": 1.0, "drift": 0.0},
        "wa": {"name": "Wessish", "family": "westic", "script": "Latn", "volume": 1.0, "drift": 0.25},
        "wb": {"name": "Borlandic", "family": "westic", "script": "Latn", "volume": 0.15, "drift": 0.45},
        "ea": {"name": "Vostrian", "family": "eastic", "script": "Cyrl", "volume": 0.8, "drift": 0.1},
        "eb": {"name": "Dolnavian", "family": "eastic", "script": "Cyrl", "volume": 0.15, "drift": 0.35},
        "sa": {"name": "Sunari", "family": "southic", "script": "Latn", "volume": 0.8, "drift": 0.1},
        "sb": {"name": "Maleku", "family": "southic", "script": "Latn", "volume": 0.15, "drift": 0.35},
        "ka": {"name": "Kartvan", "family": "kartic", "script": "Geor", "volume": 0.3, "drift": 0.15},
    },
}

_FAMILY_CHOICES = {
    "proto": ("english", "random"),
    "order": ("SVO", "SOV", "VSO"),
    "adjective": ("before", "after"),
    "adposition": ("pre", "post"),
    "negation": ("aux", "preverbal", "postverbal", "final"),
    "question": ("front_aux", "front", "in_situ"),
    "question_particle": (None, "initial", "final"),
}
_FAMILY_BOOLS = ("articles", "object_case")
_FAMILY_OPTIONAL = ("phonology",)
_LANGUAGE_KEYS = ("name", "family", "script", "volume", "drift")
_TOP_KEYS = ("seed", "families", "languages")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_LETTERS = re.compile(r"^[a-z]*$")


def _err(path: str, msg: str) -> WorldSpecError:
    return WorldSpecError(f"world spec: {path}: {msg}")


def _check_keys(obj: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    if not isinstance(obj, dict):
        raise _err(path or "<root>", f"must be a mapping, got {type(obj).__name__}")
    for key in obj:
        if key not in required and key not in optional:
            raise _err(f"{path}.{key}" if path else str(key), f"unknown key; allowed: {', '.join(required + optional)}")
    for key in required:
        if key not in obj:
            raise _err(f"{path}.{key}" if path else key, "missing required key")


def _check_phonology(phon: Any, path: str) -> None:
    _check_keys(phon, path, ("onsets", "nuclei", "codas"))
    for part in ("onsets", "nuclei", "codas"):
        items = phon[part]
        if not isinstance(items, list) or not items:
            raise _err(f"{path}.{part}", "must be a non-empty list of strings")
        for item in items:
            if not isinstance(item, str) or not _LETTERS.match(item):
                raise _err(f"{path}.{part}", f"{item!r} is not a string of letters a-z")
    if not any(phon["nuclei"]) or not any(phon["onsets"]):
        raise _err(path, "needs at least one non-empty onset and nucleus")


def validate_spec(spec: Any) -> dict:
    """Check a full world spec; returns it unchanged or raises :class:`WorldSpecError` naming the bad key."""
    _check_keys(spec, "", _TOP_KEYS)
    if not isinstance(spec["seed"], int) or isinstance(spec["seed"], bool):
        raise _err("seed", f"must be an integer, got {spec['seed']!r}")
    families = spec["families"]
    if not isinstance(families, dict) or not families:
        raise _err("families", "must be a non-empty mapping")
    for name, fam in families.items():
        path = f"families.{name}"
        if not isinstance(name, str) or not _CODE.match(name):
            raise _err(path, "family names must be lower-case identifiers")
        _check_keys(fam, path, tuple(_FAMILY_CHOICES) + _FAMILY_BOOLS, _FAMILY_OPTIONAL)
        for key, choices in _FAMILY_CHOICES.items():
            if fam[key] not in choices:
                raise _err(f"{path}.{key}", f"{fam[key]!r} is not one of {list(choices)}")
        for key in _FAMILY_BOOLS:
            if not isinstance(fam[key], bool):
                raise _err(f"{path}.{key}", f"must be true or false, got {fam[key]!r}")
        if "phonology" in fam:
            _check_phonology(fam["phonology"], f"{path}.phonology")
        elif fam["proto"] == "random":
            raise _err(f"{path}.phonology", "missing required key (a family with proto 'random' needs a phonology)")
    languages = spec["languages"]
    if not isinstance(languages, dict) or not languages:
        raise _err("languages", "must be a non-empty mapping")
    for code, lang in languages.items():
        path = f"languages.{code}"
        if not isinstance(code, str) or not _CODE.match(code):
            raise _err(path, "language codes must be lower-case identifiers (e.g. 'wa')")
        _check_keys(lang, path, _LANGUAGE_KEYS)
        if not isinstance(lang["name"], str) or not lang["name"]:
            raise _err(f"{path}.name", "must be a non-empty string")
        if lang["family"] not in families:
            raise _err(f"{path}.family", f"unknown family {lang['family']!r}; known: {', '.join(families)}")
        if lang["script"] not in SCRIPTS:
            raise _err(f"{path}.script", f"unknown script {lang['script']!r}; known: {', '.join(SCRIPTS)}")
        for key, lo, hi in (("volume", 0.0, 1e6), ("drift", 0.0, 1.0)):
            val = lang[key]
            if isinstance(val, bool) or not isinstance(val, (int, float)) or not lo <= val <= hi:
                raise _err(f"{path}.{key}", f"must be a number in [{lo:g}, {hi:g}], got {val!r}")
    if "en" not in languages:
        raise _err("languages.en", "missing required key (English is the source language of every task)")
    if families[languages["en"]["family"]]["proto"] != "english":
        raise _err("languages.en.family", "English must belong to a family with proto 'english'")
    return spec


def default_world() -> dict:
    """A deep copy of :data:`DEFAULT_WORLD`, safe to modify."""
    return copy.deepcopy(DEFAULT_WORLD)

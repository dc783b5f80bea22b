"""Lexicon and gazetteer readers, and the world's entities.tsv."""

from __future__ import annotations

import logging

import pytest

from stiltgrid.core.lexicons import load_entities, load_lexicon
from stiltgrid.data.world import World, generate_world
from stiltgrid.world import DEFAULT_WORLD
from stiltgrid.world.lexicon import LOCATIONS, ORGANISATIONS, PERSONS


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- load_lexicon ----------------------------------------------------------------------------------------------------
def test_lexicon_tsv(tmp_path, caplog):
    path = _write(
        tmp_path,
        "wa.tsv",
        "english\tword\tpos\nthe\tde\tDET\ndog\thund\tNOUN\n"
        "dog\thunden\tNOUN\n\nNew York\tNy York\tPROPN\nAnna\tAnna\tPROPN\n",
    )
    with caplog.at_level(logging.WARNING, logger="stiltgrid.core.lexicons"):
        lex = load_lexicon(path)
    assert lex == {"the": "de", "dog": "hund", "Anna": "Anna"}  # first translation kept
    assert "skipped 1 multi-word entries" in caplog.text and str(path) in caplog.text


def test_lexicon_muse(tmp_path, caplog):
    path = _write(tmp_path, "en-fr.txt", "the le\nthe la\ncat   chat\ndog chien\n")
    with caplog.at_level(logging.WARNING, logger="stiltgrid.core.lexicons"):
        assert load_lexicon(path) == {"the": "le", "cat": "chat", "dog": "chien"}
    assert "skipped" not in caplog.text


def test_lexicon_muse_tab_separated_multiword(tmp_path, caplog):
    path = _write(tmp_path, "en-es.txt", "new york\tnueva york\ncar\tcoche\nice cream\thelado\n")
    with caplog.at_level(logging.WARNING, logger="stiltgrid.core.lexicons"):
        assert load_lexicon(path) == {"car": "coche"}
    assert "skipped 2 multi-word entries" in caplog.text


def test_lexicon_bom_and_crlf(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_bytes("\ufeffenglish\tword\tpos\r\nthe\tle\tDET\r\n".encode("utf-8"))
    assert load_lexicon(path) == {"the": "le"}


@pytest.mark.parametrize(
    "text, line",
    [
        ("english\tword\tpos\nthe\tde\tDET\ndog\thund\n", 3),  # TSV row missing a column
        ("english\tword\tpos\nthe\t\tDET\n", 2),  # empty word
        ("the le\ncat chat chatte\n", 2),  # MUSE line with three fields
        ("the le\nlonely\n", 2),  # MUSE line with one field
    ],
)
def test_lexicon_malformed_names_file_and_line(tmp_path, text, line):
    path = _write(tmp_path, "bad.tsv", text)
    with pytest.raises(ValueError, match=rf"bad\.tsv:{line}:"):
        load_lexicon(path)


def test_lexicon_empty_file(tmp_path):
    with pytest.raises(ValueError, match="no entries"):
        load_lexicon(_write(tmp_path, "empty.txt", "\n\n"))


# -- load_entities ---------------------------------------------------------------------------------------------------
def test_entities(tmp_path):
    path = _write(
        tmp_path, "entities.tsv", "name\ttype\nAnna\tPER\nNew York\tLOC\nAcme  Bank\tORG\nAnna\tPER\nПарис\tLOC\n\n"
    )
    assert load_entities(path) == {"PER": ["Anna"], "LOC": ["New York", "Парис"], "ORG": ["Acme Bank"]}


def test_entities_columns_by_header(tmp_path):
    path = _write(tmp_path, "e.tsv", "type\tname\nPER\tTom\n")
    assert load_entities(path) == {"PER": ["Tom"]}


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("Anna\tPER\n", r"e\.tsv:1: expected a header"),
        ("name\ttype\nAnna\n", r"e\.tsv:2: expected 2 tab-separated fields"),
        ("name\ttype\nAnna\tPER\n\tLOC\n", r"e\.tsv:3: empty name"),
        ("name\ttype\nAnna\t\n", r"e\.tsv:2: empty type"),
        ("", r"e\.tsv: empty file"),
    ],
)
def test_entities_malformed(tmp_path, text, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_entities(_write(tmp_path, "e.tsv", text))


# -- the world's entities.tsv ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("lexworld")
    generate_world(
        DEFAULT_WORLD, out, tasks={"panx": {"test": 3}}, corpus_sentences=0, test_langs=list(DEFAULT_WORLD["languages"])
    )
    return out


def test_world_writes_entities(tiny_world):
    path = tiny_world / "entities.tsv"
    assert path.read_text(encoding="utf-8").splitlines()[0] == "name\ttype"
    ents = load_entities(path)
    assert set(ents) == {"PER", "LOC", "ORG"}
    for etype, names in (("PER", PERSONS), ("LOC", LOCATIONS), ("ORG", ORGANISATIONS)):
        assert set(names) <= set(ents[etype])
    # every language's rendering of every name is listed (non-Latin scripts transliterate)
    world = World(DEFAULT_WORLD)
    for lang in world.languages.values():
        for name in PERSONS:
            assert " ".join(lang.names[name]) in ents["PER"]
        for name in LOCATIONS:
            assert " ".join(lang.names[name]) in ents["LOC"]
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == len(set(rows))  # no duplicate rows


def test_world_entities_match_panx_tags(tiny_world):
    from stiltgrid.formats import read_jsonl

    ents = load_entities(tiny_world / "entities.tsv")
    names = {n for names in ents.values() for n in names}
    for path in sorted((tiny_world / "tasks" / "panx").glob("test.*.jsonl")):
        for ex in read_jsonl(path, "tagging"):
            for i, tag in enumerate(ex["tags"]):
                if tag.startswith("B-"):
                    j = i + 1
                    while j < len(ex["tags"]) and ex["tags"][j].startswith("I-"):
                        j += 1
                    mention = " ".join(ex["tokens"][i:j]).split("'")[0]  # drop a case ending
                    assert mention in names, (path.name, mention)


def test_world_entities_deterministic(tiny_world, tmp_path):
    generate_world(DEFAULT_WORLD, tmp_path, tasks={}, corpus_sentences=0, test_langs=["en"])
    assert (tmp_path / "entities.tsv").read_bytes() == (tiny_world / "entities.tsv").read_bytes()


def test_world_lexicons_load(tiny_world, caplog):
    with caplog.at_level(logging.WARNING, logger="stiltgrid.core.lexicons"):
        for code in DEFAULT_WORLD["languages"]:
            lex = load_lexicon(tiny_world / "lexicon" / f"{code}.tsv")
            assert lex["the"] and "New York" not in lex and all(" " not in w for w in lex.values())
    assert "multi-word entries" in caplog.text

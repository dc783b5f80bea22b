"""Bilingual lexicons and entity gazetteers for code-switching augmentation and test-set perturbations.

Two lexicon layouts are read by :func:`load_lexicon`:

- the generated world's TSV (``lexicon/{lang}.tsv``): a header ``english<TAB>word<TAB>pos`` then one row per word;
- MUSE-style bilingual dictionaries: no header, ``src tgt`` per line (whitespace-separated, or tab-separated when
  an entry itself contains spaces); a source word listed with several translations keeps the first.

Entity gazetteers (:func:`load_entities`) are TSV files with a header naming the columns ``name`` and ``type``
(the world writes ``entities.tsv`` with types PER / LOC / ORG); names may span several words.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

LEXICON_HEADER = ("english", "word", "pos")
ENTITIES_HEADER = ("name", "type")


def _lines(path: Path):
    """(line number, line without its newline) for every non-blank line."""
    with path.open(encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if line.strip():
                yield lineno, line


def load_lexicon(path: str | Path) -> dict[str, str]:
    """English word -> word in the lexicon's language, from our TSV or a MUSE-style dictionary.

    Entries where either side has a space are skipped (code-switching substitutes one token for one token, so a
    tagging example keeps its tags aligned); how many were skipped is logged as one warning. A malformed line is a
    ValueError naming the file and the line.
    """
    path = Path(path)
    entries: dict[str, str] = {}
    skipped: list[str] = []
    tsv: bool | None = None
    width = 2
    for lineno, line in _lines(path):
        where = f"{path}:{lineno}"
        if tsv is None:
            fields = [f.strip() for f in line.split("\t")]
            tsv = fields[:2] == list(LEXICON_HEADER[:2])
            if tsv:
                width = len(fields)
                continue
        if tsv:
            fields = [f.strip() for f in line.split("\t")]
            if len(fields) != width:
                raise ValueError(
                    f"{where}: expected {width} tab-separated fields (english, word, pos), got {len(fields)}"
                )
        else:
            # a tab marks a dictionary whose entries may contain spaces; otherwise any whitespace separates
            fields = [f.strip() for f in line.split("\t")] if "\t" in line else line.split()
            if len(fields) != 2:
                raise ValueError(f"{where}: expected 'source target' (2 fields), got {len(fields)}: {line!r}")
        src, tgt = fields[0], fields[1]
        if not src or not tgt:
            raise ValueError(f"{where}: empty {'english' if not src else 'target'} word")
        if any(c.isspace() for c in src + tgt):
            skipped.append(src)
            continue
        entries.setdefault(src, tgt)
    if tsv is None:
        raise ValueError(f"{path}: no entries")
    if skipped:
        log.warning(
            "%s: skipped %d multi-word entries (one token must map to one token), e.g. %r",
            path,
            len(skipped),
            skipped[0],
        )
    return entries


def load_entities(path: str | Path) -> dict[str, list[str]]:
    """Entity type -> names (file order, duplicates dropped) from a TSV with columns ``name`` and ``type``."""
    path = Path(path)
    out: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    columns: list[str] | None = None
    for lineno, line in _lines(path):
        where = f"{path}:{lineno}"
        fields = [f.strip() for f in line.split("\t")]
        if columns is None:
            if not set(ENTITIES_HEADER) <= set(fields):
                raise ValueError(f"{where}: expected a header with columns 'name' and 'type', got {line!r}")
            columns = fields
            continue
        if len(fields) != len(columns):
            raise ValueError(f"{where}: expected {len(columns)} tab-separated fields, got {len(fields)}")
        row = dict(zip(columns, fields))
        name, kind = " ".join(row["name"].split()), row["type"]
        if not name or not kind:
            raise ValueError(f"{where}: empty {'name' if not name else 'type'}")
        if (kind, name) not in seen:
            seen.add((kind, name))
            out.setdefault(kind, []).append(name)
    if columns is None:
        raise ValueError(f"{path}: empty file (expected a header 'name<TAB>type')")
    return out

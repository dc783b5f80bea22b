"""Writing systems of the generated world: fixed letter-by-letter maps from lower-case Latin into a Unicode block.

Every map is injective (digraphs such as ``sh`` take a letter no single Latin letter maps to), so distinct Latin
forms stay distinct after transliteration. Digits and punctuation are never mapped: they are the real-world anchors
every language shares.
"""

from __future__ import annotations

import unicodedata

_LATIN = "abcdefghijklmnopqrstuvwxyz"

# script -> (digraph map, single-letter map for a..z, cased?, Unicode block range used for script checks)
_MAPS: dict[str, tuple[dict[str, str], dict[str, str], bool, tuple[int, int]]] = {
    "Latn": ({}, {c: c for c in _LATIN}, True, (0x0041, 0x024F)),
    "Cyrl": (
        {"sh": "\u0448", "ch": "\u0447", "zh": "\u0436", "ya": "\u044f", "yu": "\u044e"},
        dict(zip(_LATIN, "абцдефг\u04bbийклмноп\u049bрстув\u045eхыз")),
        True,
        (0x0400, 0x04FF),
    ),
    "Grek": (
        {"th": "θ", "ps": "ψ", "ch": "χ"},
        dict(zip(_LATIN, "αβ\u03f2δεφγηι\u03f3κλμνοπ\u03d9ρστυ\u03ddωξ\u03cbζ")),
        True,
        (0x0370, 0x03FF),
    ),
    "Geor": (
        {"sh": "შ", "ch": "ჩ", "zh": "ჟ", "gh": "ღ", "kh": "ხ", "ts": "წ", "dz": "ძ", "th": "თ"},
        dict(zip(_LATIN, "აბცდეფგჰიჯკლმნოპყრსტუვ\u10f3\u10f4\u10f2ზ")),
        False,
        (0x10A0, 0x10FF),
    ),
    "Deva": (
        {"sh": "\u0936", "ch": "\u091b", "kh": "\u0916", "th": "\u0925", "gh": "\u0918", "dh": "\u0927"},
        dict(
            zip(
                _LATIN,
                [
                    chr(c)
                    for c in (
                        0x0905,
                        0x092C,
                        0x091A,
                        0x0926,
                        0x090F,
                        0x092B,
                        0x0917,
                        0x0939,
                        0x0907,
                        0x091C,
                        0x0915,
                        0x0932,
                        0x092E,
                        0x0928,
                        0x0913,
                        0x092A,
                        0x090B,
                        0x0930,
                        0x0938,
                        0x0924,
                        0x0909,
                        0x0935,
                        0x0921,
                        0x091E,
                        0x092F,
                        0x0910,
                    )
                ],
            )
        ),
        False,
        (0x0900, 0x097F),
    ),
    "Armn": (
        {
            "sh": "\u0577",
            "ch": "\u0579",
            "zh": "\u056a",
            "kh": "\u056d",
            "ts": "\u0581",
            "th": "\u0569",
            "gh": "\u0572",
        },
        dict(zip(_LATIN, "աբծդեֆգհիջկլմնօպքրստւվռճյզ")),
        True,
        (0x0530, 0x058F),
    ),
}

SCRIPTS: tuple[str, ...] = tuple(sorted(_MAPS))


def _check_maps() -> None:
    for script, (digraphs, singles, _, _) in _MAPS.items():
        assert set(singles) == set(_LATIN), script
        produced = list(singles.values()) + list(digraphs.values())
        assert len(set(produced)) == len(produced), f"{script}: letter map is not injective"


_check_maps()


def to_script(text: str, script: str) -> str:
    """Transliterate a Latin-letter string (lower or capitalised) into ``script``; other characters pass through."""
    if script == "Latn":
        return text
    digraphs, singles, cased, _ = _MAPS[script]
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        low = ch.lower()
        if low in singles:
            pair = text[i : i + 2].lower()
            if pair in digraphs:
                mapped = digraphs[pair]
                i += 2
            else:
                mapped = singles[low]
                i += 1
            if cased and ch != low:
                mapped = mapped.upper()
            out.append(mapped)
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def in_script(text: str, script: str) -> bool:
    """True when every letter of ``text`` belongs to ``script``'s Unicode block (digits and punctuation are free)."""
    lo, hi = _MAPS[script][3]
    for ch in text:
        if ch.isalpha() or unicodedata.category(ch).startswith("M"):
            if script == "Latn":
                if not ("a" <= ch.lower() <= "z"):
                    return False
            elif not (lo <= ord(ch) <= hi):
                return False
    return True

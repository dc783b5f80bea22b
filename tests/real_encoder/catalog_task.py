"""Real multilingual text from the machine's own translation catalogs, as two declared tasks.

Debian packages ship the translations of their messages as gettext catalogs (``/usr/share/locale/<locale>/
LC_MESSAGES/<domain>.mo``): the same English message with its translation into up to 150 locales, written by the
packages' translators. Seven domains give seven kinds of text, the labels of a classification task:

==============  ======================  ==================  =========================
label           domain                  Debian package      licence
==============  ======================  ==================  =========================
country         iso_3166-1              iso-codes           LGPL-2.1+
language        iso_639-2               iso-codes           LGPL-2.1+
currency        iso_4217                iso-codes           LGPL-2.1+
script          iso_15924               iso-codes           LGPL-2.1+
file_type       shared-mime-info        shared-mime-info    GPL-2+
widget_setting  gtk20-properties        libgtk2.0-common    LGPL-2+
system_message  glib20                  libglib2.0-data     LGPL-2.1+
==============  ======================  ==================  =========================

Each domain's English messages (deduplicated across domains, at most 200 characters, one line) are shuffled with a
fixed seed and split: at most ``TRAIN`` for English training, ``DEV`` for English dev, ``TEST`` held out; the test
file of a locale holds the translations of the held-out messages into it (a locale is tested when it translates at
least ``MIN_TEST`` of them, with every label present). The held-out pairs (English message, its translation) that
differ make a Tatoeba-style retrieval task per locale.

    python3 tests/real_encoder/catalog_task.py OUT_DIR      # writes the files and OUT_DIR/tasks.json
"""

from __future__ import annotations

import json
import random
import re
import struct
import sys
from pathlib import Path

LOCALES = Path("/usr/share/locale")
DOMAINS = {
    "country": ("iso_3166-1", "iso-codes"),
    "language": ("iso_639-2", "iso-codes"),
    "currency": ("iso_4217", "iso-codes"),
    "script": ("iso_15924", "iso-codes"),
    "file_type": ("shared-mime-info", "shared-mime-info"),
    "widget_setting": ("gtk20-properties", "libgtk2.0-common"),
    "system_message": ("glib20", "libglib2.0-data"),
}
TRAIN, DEV, TEST, MIN_TEST = 170, 40, 60, 150
SEED = 7
#: the English file every domain has: what tells that the catalogs are installed
PROBE = "de"


def read_catalog(path: Path) -> dict[str, str]:
    """msgid -> msgstr of the one-line singular messages of a compiled catalog (contexts dropped). Read as the .mo
    layout says (magic, count, two tables of length/offset pairs): some catalogs' headers trip up gettext's own
    reader. A catalog not in UTF-8 is skipped."""
    data = path.read_bytes()
    order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
    _rev, n, originals, translations = struct.unpack_from(order + "4I", data, 4)
    out = {}
    for i in range(n):
        klen, koff = struct.unpack_from(order + "2I", data, originals + 8 * i)
        vlen, voff = struct.unpack_from(order + "2I", data, translations + 8 * i)
        try:
            key, value = data[koff : koff + klen].decode("utf-8"), data[voff : voff + vlen].decode("utf-8")
        except UnicodeDecodeError:
            return {}
        if not key or "\x00" in key or not value.strip():
            continue  # the header, plural forms (NUL-separated), untranslated entries
        key = key.split("\x04")[-1]
        if "\n" in key or "\n" in value or len(key) > 200 or not re.search(r"[A-Za-z]", key):
            continue
        out[key] = value.strip()
    return out


def locale_code(directory: str) -> str:
    """pt_BR -> pt-br, sr@latin -> sr-latin: a file-name and wildcard-safe language code."""
    return re.sub(r"[_@.]", "-", directory).lower()


def build(out: Path) -> dict:
    missing = sorted(
        {pkg for domain, pkg in DOMAINS.values() if not (LOCALES / PROBE / "LC_MESSAGES" / f"{domain}.mo").exists()}
    )
    if missing:
        sys.exit(
            f"{LOCALES}: translation catalogs missing; install the Debian packages {' '.join(missing)} "
            f"(apt-get install {' '.join(missing)})"
        )
    catalogs: dict[str, dict[str, dict[str, str]]] = {}  # label -> locale -> msgid -> msgstr
    for label, (domain, _pkg) in DOMAINS.items():
        for path in sorted(LOCALES.glob(f"*/LC_MESSAGES/{domain}.mo")):
            code = locale_code(path.parent.parent.name)
            if code.startswith("en"):
                continue
            catalogs.setdefault(label, {})[code] = read_catalog(path)
    english: dict[str, set[str]] = {
        label: set().union(*(c.keys() for c in by_locale.values())) for label, by_locale in catalogs.items()
    }
    seen: dict[str, int] = {}
    for messages in english.values():
        for m in messages:
            seen[m] = seen.get(m, 0) + 1
    rng = random.Random(SEED)
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for label in DOMAINS:
        messages = sorted(m for m in english[label] if seen[m] == 1)  # a message two domains share has no one label
        rng.shuffle(messages)
        parts = {"test": messages[:TEST], "dev": messages[TEST : TEST + DEV], "train": messages[TEST + DEV :][:TRAIN]}
        for split, chosen in parts.items():
            splits[split] += [{"id": f"{label}-{split}-{i}", "text": m, "label": label} for i, m in enumerate(chosen)]
    for split in ("train", "dev"):
        rng.shuffle(splits[split])
    out.mkdir(parents=True, exist_ok=True)
    write(out / "train.jsonl", splits["train"])
    write(out / "dev.jsonl", splits["dev"])
    locales = sorted({code for by_locale in catalogs.values() for code in by_locale})
    tested, bitext_langs = [], []
    for code in locales:
        rows, pairs = [], []
        for ex in splits["test"]:
            translated = catalogs[ex["label"]].get(code, {}).get(ex["text"])
            if translated:
                rows.append({**ex, "text": translated})
                if translated != ex["text"]:
                    pairs.append((ex["id"], ex["text"], translated))
        if len(rows) >= MIN_TEST and len({r["label"] for r in rows}) == len(DOMAINS):
            tested.append(code)
            write(out / f"test.{code}.jsonl", rows)
        if len(pairs) >= MIN_TEST:
            bitext_langs.append(code)
            lines = []
            for i, (_ident, en, xx) in enumerate(pairs):
                lines.append({"id": f"t{i}", "side": "tgt", "text": en, "gold": None})
                lines.append({"id": f"s{i}", "side": "src", "text": xx, "gold": f"t{i}"})
            write(out / f"bitext.{code}.jsonl", lines)
    tasks = {
        "catalog-cls": {
            "format": "classification",
            "labels": sorted(DOMAINS),
            "languages": tested,
            "files": {
                "train": str(out / "train.jsonl"),
                "dev": str(out / "dev.jsonl"),
                "test": str(out / "test.{lang}.jsonl"),
            },
        },
        "catalog-bitext": {
            "format": "retrieval",
            "metric": "tatoeba",
            "languages": bitext_langs,
            "files": {"test": str(out / "bitext.{lang}.jsonl")},
        },
    }
    (out / "tasks.json").write_text(json.dumps(tasks, indent=1) + "\n")
    return tasks


def write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    tasks = build(Path(sys.argv[1]))
    print(
        f"{len(tasks['catalog-cls']['languages'])} classification locales, "
        f"{len(tasks['catalog-bitext']['languages'])} retrieval locales"
    )

"""CCG supertagging from a local copy of CCGbank (LDC2005T13, licensed: there is nothing to download).

Expected input, in the directory given by ``datasets.<name>.ccg_path`` (once the config schema admits it), else the
environment variable ``STILTGRID_CCGBANK``, else ``resources/ccgbank``:

``train.stagged`` and ``dev.stagged`` (C&C file names ``wsj02-21.stagged`` / ``wsj00.stagged`` are accepted too):
the supertagger format of the C&C tools, one sentence per line, tokens separated by spaces, each token
``word|POS|supertag`` (or ``word|supertag``); empty lines and lines starting with ``#`` are skipped. The standard
split is sections 02-21 for train and 00 for dev. Example line::

    Pierre|NNP|N/N Vinken|NNP|N ,|,|, 61|CD|N/N years|NNS|N old|JJ|(S[adj]\\NP)\\NP ...

``train.jsonl`` / ``dev.jsonl`` already in our tagging format (``{"id", "tokens", "tags"}``) are accepted instead.
A missing directory or file is a one-line :class:`FetchError` naming the path and the expected files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from stiltgrid.core.paths import split_file
from stiltgrid.formats import FormatError, read_jsonl, write_jsonl
from stiltgrid.hub.base import FetchError, LocalSource, one_line, publish, staging

CCG_VAR = "STILTGRID_CCGBANK"
DEFAULT_CCG_PATH = "resources/ccgbank"
FILES = {
    "train": ("train.stagged", "wsj02-21.stagged", split_file("train")),
    "dev": ("dev.stagged", "wsj00.stagged", split_file("dev")),
}
EXPECTED = (
    "expected train.stagged and dev.stagged (one sentence per line, tokens word|POS|supertag) or "
    "train.jsonl/dev.jsonl in the tagging format"
)


def resolve_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(CCG_VAR) or DEFAULT_CCG_PATH)


def parse_stagged(path: Path, prefix: str) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        n = 0
        for lineno, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            tokens, tags = [], []
            for item in line.split():
                parts = item.rsplit("|", 2)
                if len(parts) < 2 or not parts[0] or not parts[-1]:
                    raise FetchError(
                        f"CCGbank file {path}:{lineno}: token '{one_line(item, 60)}' is not "
                        f"word|POS|supertag or word|supertag"
                    )
                tokens.append(parts[0])
                tags.append(parts[-1])
            yield {"id": f"{prefix}-{n}", "tokens": tokens, "tags": tags}
            n += 1


class LocalCCG(LocalSource):
    """The ``ccg`` task's source: converts local CCGbank supertag files (see the module docstring)."""

    name = task = "ccg"
    available = ()
    description = "CCG supertagging from a local CCGbank copy (licensed, LDC2005T13)"
    notes = ("converted from a local CCGbank copy",)

    def check_languages(self, languages=()) -> list[str]:
        return []

    def _find(self, path: Path) -> dict[str, Path]:
        if not path.is_dir():
            raise FetchError(
                f"cannot build task 'ccg': CCGbank is licensed (LDC2005T13) and not on the hub, and "
                f"the directory {path} does not exist; put your copy there or set "
                f"datasets.<name>.ccg_path or {CCG_VAR}=/path ({EXPECTED})"
            )
        found = {}
        for split, names in FILES.items():
            hit = next((path / n for n in names if (path / n).is_file()), None)
            if hit is None:
                raise FetchError(
                    f"cannot build task 'ccg': no {split} file in {path} (looked for {', '.join(names)}; {EXPECTED})"
                )
            found[split] = hit
        return found

    def params(self, languages=(), revisions=None) -> dict:
        path = resolve_path(self.path)
        return {"source": "ccg", "task": "ccg", "local_path": str(path), "hub": [], "reads": [], "languages": []}

    def write(self, task, out_dir, languages=(), reader=None, revisions=None) -> dict:
        path, started = resolve_path(self.path), time.time()
        found = self._find(path)
        counts = {}
        with staging(Path(out_dir)) as tmp:
            for split, src in found.items():
                name = split_file(split)
                if src.suffix == ".jsonl":
                    try:
                        examples = read_jsonl(src, "tagging")
                    except FormatError as err:
                        raise FetchError(f"cannot build task 'ccg': {one_line(err, 200)}") from None
                else:
                    examples = list(parse_stagged(src, f"ccg-{split}"))
                if not examples:
                    raise FetchError(f"cannot build task 'ccg': {src} has no sentences ({EXPECTED})")
                write_jsonl(tmp / name, examples)
                counts[name] = len(examples)
            record = {
                "task": "ccg",
                "format": "tagging",
                "labels": None,
                "n_choices": None,
                "splits": {split: [split_file(split)] for split in found},
                "counts": counts,
                "dropped": {},
                "source": {**self.params(), "files": {s: str(p) for s, p in found.items()}},
                "notes": list(self.notes),
                "seconds": round(time.time() - started, 1),
            }
            publish(tmp, Path(out_dir), record)
        return record

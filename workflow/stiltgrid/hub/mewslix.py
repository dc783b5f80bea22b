"""Mewsli-X from a local copy (it is not on the hub as a ``datasets`` dataset in a reliable form).

Get it with the release's own script (google-research ``dense_representations_for_entity_retrieval/mel``:
``bash get-mewsli-x.sh``, which downloads the archive and fills the WikiNews article text into the mention files),
then point ``datasets.<name>.mewslix_path`` at its ``mewsli_x/output/dataset/`` directory (else the environment
variable ``STILTGRID_MEWSLIX``, else ``resources/mewsli-x``). Expected files, JSON Lines:

``candidate_set_entities.jsonl`` (the fixed candidate set, ~1M entities), one entity per line::

    {"entity_id": "Q159741", "title": "...", "description": "up to three sentences", "description_language": "uk",
     "description_url": "...", "sentence_spans": [[0, 57], ...]}

``wikinews_mentions-test.jsonl`` (evaluation), one WikiNews article per line with one or more mentions::

    {"context": {"document_id": "...", "language": "de", "text": "full article text",
                 "sentence_spans": [[start, end], ...], ...},
     "mentions": [{"example_id": "...", "entity_id": "Q38768",
                   "mention_span": {"text": "escala de Richter", "start": 120, "end": 137}}, ...]}

(``wikinews_mentions_no_text-test.jsonl``, the released file before the script runs, has empty ``text``: it is
refused with a message saying so.)

Files written: ``test.pool.jsonl``, every candidate entity once (tgt lines ``mewslix-<QID>``, text = the description),
shared by every language, and ``test.<lang>.jsonl``, the mentions of articles in that language (src lines, text =
``<mention> | <sentence holding the mention>``, gold = the entity's candidate id). A missing directory or file is one
line naming the path and the expected files.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from stiltgrid.core.paths import POOL, split_file
from stiltgrid.formats import write_jsonl
from stiltgrid.hub.base import FetchError, LocalSource, one_line, publish, staging

MEWSLIX_VAR = "STILTGRID_MEWSLIX"
DEFAULT_MEWSLIX_PATH = "resources/mewsli-x"
CANDIDATES = "candidate_set_entities.jsonl"
MENTIONS = "wikinews_mentions-test.jsonl"
EXPECTED = (
    f"expected {CANDIDATES} and {MENTIONS} as written by get-mewsli-x.sh "
    "(google-research dense_representations_for_entity_retrieval/mel)"
)


def resolve_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(MEWSLIX_VAR) or DEFAULT_MEWSLIX_PATH)


def _lines(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise FetchError(
                    f"cannot build task 'mewslix': {path}:{lineno} is not valid JSON ({err.msg})"
                ) from None
            if not isinstance(record, dict):
                raise FetchError(f"cannot build task 'mewslix': {path}:{lineno} is not a JSON object")
            yield lineno, record


def _sentence(text: str, spans, start: int, end: int) -> str:
    """The sentence holding [start, end) (the whole text when the spans do not say)."""
    for span in spans or []:
        if isinstance(span, (list, tuple)) and len(span) == 2 and span[0] <= start and end <= span[1]:
            return text[span[0] : span[1]].strip()
    return text.strip()


def candidate_lines(path: Path) -> Iterator[dict]:
    for lineno, record in _lines(path):
        qid, description = record.get("entity_id"), record.get("description")
        if not isinstance(qid, str) or not qid or not isinstance(description, str):
            raise FetchError(
                f"cannot build task 'mewslix': {path}:{lineno}: an entity needs 'entity_id' and 'description' strings"
            )
        yield {"id": f"mewslix-{qid}", "side": "tgt", "text": " ".join(description.split()), "gold": None}


def mention_lines(path: Path, languages: set[str], known: set[str], counts: dict) -> Iterator[tuple[str, dict]]:
    """(language, src line) for every mention of an article in ``languages`` whose entity is a candidate."""
    for lineno, record in _lines(path):
        context = record.get("context") or {}
        lang, text = context.get("language"), context.get("text")
        if lang not in languages:
            continue
        if not isinstance(text, str) or not text.strip():
            raise FetchError(
                f"cannot build task 'mewslix': {path}:{lineno} has no article text; run "
                f"get-mewsli-x.sh, which fills it in ({EXPECTED})"
            )
        for mention in record.get("mentions") or []:
            span = mention.get("mention_span") or {}
            start, end, surface = span.get("start"), span.get("end"), span.get("text")
            gold = f"mewslix-{mention.get('entity_id')}"
            if not isinstance(start, int) or not isinstance(end, int) or not surface:
                counts["mention without span"] = counts.get("mention without span", 0) + 1
                continue
            if gold not in known:
                counts["entity not in the candidate set"] = counts.get("entity not in the candidate set", 0) + 1
                continue
            sentence = " ".join(_sentence(text, context.get("sentence_spans"), start, end).split())
            example = mention.get("example_id") or f"{context.get('document_id')}-{start}-{end}"
            yield (
                lang,
                {
                    "id": f"mewslix-{example}",
                    "side": "src",
                    "text": f"{' '.join(surface.split())} | {sentence}",
                    "gold": gold,
                },
            )


class LocalMewsliX(LocalSource):
    """The ``mewslix`` task's source: converts a local Mewsli-X dataset directory (see the module docstring)."""

    name = task = "mewslix"
    description = "Mewsli-X from a local copy of the released dataset (get-mewsli-x.sh)"
    notes = ("converted from a local Mewsli-X copy; the candidate pool (test.pool.jsonl) is shared by every language",)

    def __init__(self, available: tuple[str, ...] = (), path=None):
        super().__init__(path)
        self.available = tuple(available)  # the task's languages, given by its module

    def check_languages(self, languages=()) -> list[str]:
        languages = list(languages or [])
        missing = [lang for lang in languages if lang not in self.available]
        if missing:
            raise FetchError(
                f"task 'mewslix' (source 'mewslix') has no data for language '{missing[0]}'; "
                f"available: {' '.join(self.available)}"
            )
        return languages

    def _find(self, path: Path) -> dict[str, Path]:
        if not path.is_dir():
            raise FetchError(
                f"cannot build task 'mewslix': Mewsli-X is not on the hub, and the directory {path} "
                f"does not exist; set datasets.<name>.mewslix_path or {MEWSLIX_VAR}=/path ({EXPECTED})"
            )
        found = {"candidates": path / CANDIDATES, "mentions": path / MENTIONS}
        for _what, file in found.items():
            if not file.is_file():
                raise FetchError(f"cannot build task 'mewslix': no {file.name} in {path} ({EXPECTED})")
        return found

    def params(self, languages=(), revisions=None) -> dict:
        return {
            "source": "mewslix",
            "task": "mewslix",
            "local_path": str(resolve_path(self.path)),
            "hub": [],
            "reads": [],
            "languages": self.check_languages(languages),
        }

    def write(self, task, out_dir, languages=(), reader=None, revisions=None) -> dict:
        langs = self.check_languages(languages)
        path, started = resolve_path(self.path), time.time()
        found = self._find(path)
        out_dir = Path(out_dir)
        counts, dropped = {}, {}
        try:
            with staging(out_dir) as tmp:
                known: set[str] = set()

                def pool():
                    for line in candidate_lines(found["candidates"]):
                        if line["id"] in known:
                            raise FetchError(
                                f"cannot build task 'mewslix': entity {line['id'][8:]} is listed twice in "
                                f"{found['candidates']}"
                            )
                        known.add(line["id"])
                        yield line

                pool_file = split_file("test", POOL)
                write_jsonl(tmp / pool_file, pool())
                counts[pool_file] = len(known)
                by_lang: dict[str, list[dict]] = {lang: [] for lang in langs}
                for lang, line in mention_lines(found["mentions"], set(langs), known, dropped):
                    by_lang[lang].append(line)
                for lang in langs:
                    if not by_lang[lang]:
                        raise FetchError(
                            f"cannot build task 'mewslix': no mention in language '{lang}' in {found['mentions']}"
                        )
                    write_jsonl(tmp / split_file("test", lang), by_lang[lang])
                    counts[split_file("test", lang)] = len(by_lang[lang])
                record = {
                    "task": "mewslix",
                    "format": "retrieval",
                    "labels": None,
                    "n_choices": None,
                    "splits": {"test": [split_file("test", lang) for lang in langs] + [pool_file]},
                    "counts": counts,
                    "dropped": {f"test <- {MENTIONS}": dropped} if dropped else {},
                    "source": {**self.params(langs), "files": {k: str(v) for k, v in found.items()}},
                    "notes": list(self.notes),
                    "seconds": round(time.time() - started, 1),
                }
                publish(tmp, out_dir, record)
        except OSError as err:
            raise FetchError(f"cannot build task 'mewslix': {one_line(err, 200)}") from None
        return record

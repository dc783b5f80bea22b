"""The task formats every loader produces and the engine consumes.

Each split of a task is one JSON Lines file, one example per line. Field names per format:

``classification`` (single sentence, e.g. SST-2)
    {"id": str, "text": str, "label": str}
``pair_classification`` (e.g. MNLI, QQP, ANLI, XNLI, PAWS-X)
    {"id": str, "text_a": str, "text_b": str, "label": str}
``tagging`` (e.g. UD-POS, PAN-X with BIO tags, CCG supertags)
    {"id": str, "tokens": [str, ...], "tags": [str, ...]}            same length, one tag per token
``span_qa`` (extractive QA in SQuAD v1.1 form: SQuAD, XQuAD, MLQA, TyDiQA-GoldP)
    {"id": str, "context": str, "question": str,
     "answers": {"text": [str, ...], "answer_start": [int, ...]}}    character offsets into context
``multiple_choice`` (e.g. HellaSwag, CosmosQA, CommonsenseQA, XCOPA)
    {"id": str, "context": str, "question": str, "choices": [str, ...], "label": int}
    ``context`` or ``question`` may be the empty string; ``label`` indexes ``choices``.
``retrieval`` (parallel sentences, e.g. BUCC 2018, Tatoeba; queries and a candidate pool, e.g. LAReQA, Mewsli-X),
one file per (language, split)
    {"id": str, "side": "src" | "tgt", "text": str, "gold": str | [str, ...] | null}
    ``src`` lines are in the evaluated language, ``tgt`` lines in English; ``gold`` on a src line is the id of its
    translation among the tgt lines, or null when it has none (a distractor). Tatoeba-style sets have a gold for
    every src line; BUCC-style sets have distractors on both sides.
    Query/pool sets (scored with mAP@20): ``src`` lines are queries in the evaluated language, ``tgt`` lines the
    candidates (any language); ``gold`` may be a list of tgt ids, every relevant candidate (LAReQA: the answer
    sentence in each language of the pool); an empty list counts as null. A candidate pool shared by every language
    of a split may live in ``{split}.pool.jsonl`` (tgt lines only) next to the per-language files, which then hold
    only the queries; gold ids refer to the pool.

Labels are strings from the task's declared label set (multiple choice: an index into ``choices``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from stiltgrid.errors import UserError

FORMATS = ("classification", "pair_classification", "tagging", "span_qa", "multiple_choice", "retrieval")


class FormatError(UserError, ValueError):
    """A data file does not match its declared format; the message names the file, the line and the field."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: type | tuple[type, ...]
    nullable: bool = False


_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "classification": (FieldSpec("id", str), FieldSpec("text", str), FieldSpec("label", str)),
    "pair_classification": (
        FieldSpec("id", str), FieldSpec("text_a", str), FieldSpec("text_b", str), FieldSpec("label", str)),
    "tagging": (FieldSpec("id", str), FieldSpec("tokens", list), FieldSpec("tags", list)),
    "span_qa": (FieldSpec("id", str), FieldSpec("context", str), FieldSpec("question", str), FieldSpec("answers", dict)),
    "multiple_choice": (
        FieldSpec("id", str), FieldSpec("context", str), FieldSpec("question", str),
        FieldSpec("choices", list), FieldSpec("label", int)),
    "retrieval": (FieldSpec("id", str), FieldSpec("side", str), FieldSpec("text", str),
                  FieldSpec("gold", (str, list), True)),
}


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


def _check_example(fmt: str, ex: Any, where: str, labels: frozenset[str] | None) -> None:
    if not isinstance(ex, dict):
        raise FormatError(f"{where}: expected a JSON object, got {type(ex).__name__}")
    for spec in _FIELDS[fmt]:
        if spec.name not in ex:
            raise FormatError(f"{where}: missing field '{spec.name}' (format {fmt})")
        value = ex[spec.name]
        if value is None and spec.nullable:
            continue
        if not isinstance(value, spec.kind) or (spec.kind is int and isinstance(value, bool)):
            raise FormatError(f"{where}: field '{spec.name}' must be {_kind_name(spec.kind)}, "
                              f"got {type(value).__name__}")
    if fmt == "tagging":
        tokens, tags = ex["tokens"], ex["tags"]
        if len(tokens) != len(tags):
            raise FormatError(f"{where}: field 'tags' has {len(tags)} tags for {len(tokens)} tokens")
        if not tokens:
            raise FormatError(f"{where}: field 'tokens' is empty")
        if labels is not None:
            for tag in tags:
                if tag not in labels:
                    raise FormatError(f"{where}: field 'tags' has '{tag}', not in the label set {sorted(labels)}")
    elif fmt in ("classification", "pair_classification"):
        if labels is not None and ex["label"] not in labels:
            raise FormatError(f"{where}: field 'label' is '{ex['label']}', not in the label set {sorted(labels)}")
    elif fmt == "span_qa":
        answers = ex["answers"]
        texts, starts = answers.get("text"), answers.get("answer_start")
        if not isinstance(texts, list) or not isinstance(starts, list) or len(texts) != len(starts):
            raise FormatError(f"{where}: field 'answers' needs lists 'text' and 'answer_start' of equal length")
        for text, start in zip(texts, starts):
            if not isinstance(start, int) or ex["context"][start:start + len(text)] != text:
                raise FormatError(f"{where}: field 'answers': '{text}' is not at offset {start} of the context")
    elif fmt == "multiple_choice":
        if not 0 <= ex["label"] < len(ex["choices"]):
            raise FormatError(f"{where}: field 'label' {ex['label']} is outside 0..{len(ex['choices']) - 1}")
    elif fmt == "retrieval":
        if ex["side"] not in ("src", "tgt"):
            raise FormatError(f"{where}: field 'side' must be 'src' or 'tgt', got '{ex['side']}'")
        gold = ex["gold"]
        if isinstance(gold, list):
            if not all(isinstance(g, str) for g in gold):
                raise FormatError(f"{where}: field 'gold' must be a list of tgt ids (strings)")
            if len(set(gold)) != len(gold):
                raise FormatError(f"{where}: field 'gold' lists a tgt id twice")
            if gold and ex["side"] == "tgt":
                raise FormatError(f"{where}: field 'gold': a tgt line has no gold (use null)")


def read_jsonl(path: str | Path, fmt: str, labels: list[str] | None = None, unique_ids: bool = False) -> list[dict]:
    """Read and validate a task file; any malformed line is an error naming the file, line and field.

    ``unique_ids`` also rejects an ``id`` seen on an earlier line (user-supplied files: a duplicate usually means
    a file was concatenated twice)."""
    if fmt not in FORMATS:
        raise FormatError(f"unknown task format '{fmt}'; known: {', '.join(FORMATS)}")
    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: file not found")
    label_set = frozenset(labels) if labels else None
    examples, first_line = [], {}
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            where = f"{path}:{lineno}"
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a UTF-8 byte-order mark (some editors write one) is accepted
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise FormatError(f"{where}: byte {err.start + 1} of the line (0x{raw[err.start]:02x}) is not UTF-8; "
                                  f"save the file as UTF-8") from None
            if not line.strip():
                continue
            try:
                ex = json.loads(line)
            except json.JSONDecodeError as err:
                raise FormatError(f"{where}: not valid JSON ({err.msg})") from None
            _check_example(fmt, ex, where, label_set)
            if unique_ids:
                if ex["id"] in first_line:
                    raise FormatError(f"{where}: field 'id': '{ex['id']}' already used on line {first_line[ex['id']]}")
                first_line[ex["id"]] = lineno
            examples.append(ex)
    if not examples:
        raise FormatError(f"{path}: no examples")
    return examples


def write_jsonl(path: str | Path, examples: list[dict] | Iterator[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for ex in examples:
            handle.write(json.dumps(ex, ensure_ascii=False) + "\n")

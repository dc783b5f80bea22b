"""The format registry: one module per data format in this package, each defining ``FORMAT`` (a
:class:`~stiltgrid.formats.base.Format`). Every split of a task is one JSON Lines file, one example per line, in its
task's format; each format module documents its fields.

Adding a format means adding a module here that subclasses ``Format``; ``docs/adding-a-task.md`` lists the rest.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path

from stiltgrid.formats.base import FieldSpec, Format, FormatError

__all__ = [
    "FORMATS",
    "Format",
    "FieldSpec",
    "FormatError",
    "get_format",
    "read_jsonl",
    "write_jsonl",
    "trainable_formats",
]


#: modules of this package that are building blocks of formats, not formats
BUILDING_BLOCKS = ("base", "heads")


def _discover() -> dict[str, Format]:
    registry: dict[str, Format] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name in BUILDING_BLOCKS:
            continue
        fmt = getattr(importlib.import_module(f"{__name__}.{info.name}"), "FORMAT", None)
        if not isinstance(fmt, Format):
            raise ImportError(f"format module stiltgrid.formats.{info.name} defines no FORMAT")
        if fmt.name != info.name:
            raise ImportError(f"stiltgrid.formats.{info.name} defines format '{fmt.name}': name the module after it")
        registry[fmt.name] = fmt
    return registry


#: format name -> Format, in name order
FORMATS: dict[str, Format] = _discover()


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise FormatError(f"unknown task format '{name}'; known: {', '.join(FORMATS)}") from None


def trainable_formats() -> tuple[str, ...]:
    return tuple(name for name, fmt in FORMATS.items() if fmt.trainable)


def read_jsonl(path: str | Path, fmt: str, labels: list[str] | None = None, unique_ids: bool = False) -> list[dict]:
    """Read and validate a task file; any malformed line is an error naming the file, line and field.

    ``unique_ids`` also rejects an ``id`` seen on an earlier line (user-supplied files: a duplicate usually means
    a file was concatenated twice)."""
    form = get_format(fmt)
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
                raise FormatError(
                    f"{where}: byte {err.start + 1} of the line (0x{raw[err.start]:02x}) is not UTF-8; "
                    f"save the file as UTF-8"
                ) from None
            if not line.strip():
                continue
            try:
                ex = json.loads(line)
            except json.JSONDecodeError as err:
                raise FormatError(f"{where}: not valid JSON ({err.msg})") from None
            form.check(ex, where, label_set)
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

"""The ``stiltgrid`` command: ``stiltgrid plan ...``, ``stiltgrid fetch ...`` (``stiltgrid COMMAND --help``)."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {"plan": "stiltgrid.plan", "fetch": "stiltgrid.fetch"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: stiltgrid {{{','.join(COMMANDS)}}} [options]", file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())

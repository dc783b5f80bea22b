"""Where the repository is, for tests that run its Snakefile or scripts."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

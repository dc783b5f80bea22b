"""`snakemake --lint` is clean for every preset's rules (thin rules, logs and benchmarks everywhere, no path
composition in rule files)."""

import pytest
from repo import ROOT, run_snakemake


@pytest.mark.parametrize("preset", ["demo", "ci", "paper", "xtreme-r", "demo-alternatives"])
def test_lint_is_clean(preset):
    result = run_snakemake(ROOT, "--lint", "--config", f"preset={preset}", check=False)
    assert result.returncode == 0 and "Lints for" not in result.stdout + result.stderr, result.stdout[-3000:]

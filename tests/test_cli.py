"""The `stiltgrid` command: one entry point whose subcommands are importable modules, and two of them run on the
finished `ci` grid (why: everything current; export: the leaderboard files, rebuilt only when stale)."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from stiltgrid import cli


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "stiltgrid.cli", *map(str, args)], cwd=cwd, capture_output=True, text=True
    )


def test_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name, (_, help_) in cli.COMMANDS.items():
        assert f"  {name}" in out and help_ in out


def test_an_unknown_command_is_one_line_and_the_usage(capsys):
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("stiltgrid: unknown command 'frobnicate'\nusage: stiltgrid COMMAND")


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_each_command_is_an_importable_function(name):
    module, _, function = cli.COMMANDS[name][0].partition(":")
    assert callable(getattr(importlib.import_module(module), function))


@pytest.mark.parametrize("name", ["why", "plan", "fetch", "export"])
def test_every_command_reading_a_grid_takes_the_same_options(name, tmp_path, capsys, monkeypatch):
    """--preset, --config, --configfile and --directory, as `snakemake` takes them: a bad --config item is refused
    with the same line by each, after the command moved to the directory it was given."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "config.yaml").write_text("preset: ci\n")
    (tmp_path / "w" / "more.yaml").write_text("{}\n")
    module, _, function = cli.COMMANDS[name][0].partition(":")
    with pytest.raises(SystemExit) as caught:
        getattr(importlib.import_module(module), function)(
            ["--preset", "ci", "--configfile", "more.yaml", "--config", "a=1", "results/x", "-d", "w"]
        )
    assert caught.value.code == "stiltgrid: --config takes KEY=VALUE, not 'results/x' (outputs go before --config)"
    assert Path.cwd() == tmp_path / "w"


@pytest.mark.slow
def test_why_and_export_on_the_finished_ci_grid(ci_grid):
    why = run_cli("why", "--config", "preset=ci", "-d", ci_grid)
    assert why.returncode == 0, why.stderr
    assert why.stdout.strip().splitlines()[-1].endswith(" current") and "stale" not in why.stdout
    export_dir = ci_grid / "results" / "tiny-ci" / "export" / "ci"
    before = export_dir.stat().st_mtime_ns
    done = run_cli("export", "--cores", "1", "--config", "preset=ci", "-d", ci_grid)
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = json.loads((export_dir / "export.json").read_text())
    lines = done.stdout.strip().splitlines()
    assert lines[0] == (
        f"results/tiny-ci/export/ci: row {manifest['row']}, --xtreme_version {manifest['xtreme_version']}"
    )
    for task, spec in manifest["tasks"].items():
        assert f"  {task}: {spec['intermediate']} (seed {spec['seed']}, {len(spec['languages'])} languages)" in lines
    assert export_dir.stat().st_mtime_ns == before  # current: nothing was rebuilt

"""The behaviour versions of stiltgrid.core.behaviour are honest: each phase's probe (tests/behaviour_probes.py) gives
the outputs pinned with its current version in tests/behaviour/<phase>.json. A change that alters a phase's outputs
fails here until the phase's version is bumped (making exactly its jobs stale, stiltgrid.grid.lineage) and the pin is
rewritten: ``STILTGRID_REPIN=1 python -m pytest tests/test_behaviour.py``. Floats compare to 1e-6 (relative) and
printed numbers to their last digit, so a CPU with other vector instructions passes; everything else is exact."""

import json
import math
import os
import re
import sys
from pathlib import Path

import pytest
from behaviour_probes import Probes

from stiltgrid.core.behaviour import VERSIONS

sys.path.insert(0, str(Path(__file__).parent / "hub"))
sys.path.insert(0, str(Path(__file__).parent / "analysis"))

PINS = Path(__file__).parent / "behaviour"
NUMBER = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    return Probes(tmp_path_factory.mktemp("probes"))


def differences(pinned, now, where="") -> list[str]:
    if isinstance(pinned, dict) and isinstance(now, dict):
        if pinned.keys() != now.keys():
            return [f"{where}: keys {sorted(pinned.keys() ^ now.keys())[:5]} differ"]
        return [d for k in pinned for d in differences(pinned[k], now[k], f"{where}/{k}")]
    if isinstance(pinned, list) and isinstance(now, list):
        if len(pinned) != len(now):
            return [f"{where}: {len(pinned)} items pinned, {len(now)} now"]
        return [d for i, (a, b) in enumerate(zip(pinned, now)) for d in differences(a, b, f"{where}[{i}]")]
    if isinstance(pinned, float) and isinstance(now, (int, float)):
        ok = math.isclose(pinned, now, rel_tol=1e-6, abs_tol=1e-9) or (math.isnan(pinned) and math.isnan(now))
        return [] if ok else [f"{where}: {pinned!r} pinned, {now!r} now"]
    if isinstance(pinned, str) and isinstance(now, str) and NUMBER.search(pinned):
        if NUMBER.split(pinned) != NUMBER.split(now):
            return [f"{where}: text differs"]
        for a, b in zip(NUMBER.findall(pinned), NUMBER.findall(now)):
            digits = len(a.split(".")[1].split("e")[0].split("E")[0])
            # printed numbers: one unit in the last digit; a double written in full (a JSON file's float) to 1e-9 of
            # itself, as floats outside text are: its last bits move with the BLAS and scipy builds
            if abs(float(a) - float(b)) > max(1.01 * 10**-digits, 1e-9 * abs(float(a))):
                return [f"{where}: {a} pinned, {b} now"]
        return []
    return [] if pinned == now else [f"{where}: {json.dumps(pinned)[:80]} pinned, {json.dumps(now)[:80]} now"]


@pytest.mark.slow
@pytest.mark.parametrize("phase", sorted(VERSIONS))
def test_phase_outputs_match_their_pinned_version(probes, phase):
    now = json.loads(json.dumps(probes.run(phase)))
    pin = PINS / f"{phase}.json"
    if os.environ.get("STILTGRID_REPIN") == "1":
        pin.parent.mkdir(exist_ok=True)
        pin.write_text(
            json.dumps({"version": VERSIONS[phase], "outputs": now}, indent=1, sort_keys=True, ensure_ascii=False)
            + "\n"
        )
    pinned = json.loads(pin.read_text())
    changed = differences(pinned["outputs"], now)
    if pinned["version"] == VERSIONS[phase]:
        assert not changed, (
            f"phase '{phase}' changed its outputs at behaviour version {VERSIONS[phase]} "
            f"({'; '.join(changed[:3])}): if intended, bump VERSIONS['{phase}'] in "
            f"workflow/stiltgrid/core/behaviour.py, then STILTGRID_REPIN=1 python -m pytest "
            f"tests/test_behaviour.py"
        )
    else:
        pytest.fail(
            f"VERSIONS['{phase}'] is {VERSIONS[phase]} but {pin.name} pins version {pinned['version']}: "
            f"re-pin with STILTGRID_REPIN=1 python -m pytest tests/test_behaviour.py"
        )


@pytest.mark.slow
def test_an_unversioned_behaviour_change_is_caught(tmp_path, monkeypatch):
    """A deliberate change of one constant of the trainer (AdamW's epsilon) moves the finetune probe's outputs."""
    import torch

    from stiltgrid.engine import trainer

    adamw = torch.optim.AdamW
    monkeypatch.setattr(trainer.torch.optim, "AdamW", lambda groups, **kw: adamw(groups, **{**kw, "eps": 1e-6}))
    pinned = json.loads((PINS / "finetune.json").read_text())["outputs"]
    assert differences(pinned, json.loads(json.dumps(Probes(tmp_path).run("finetune"))))

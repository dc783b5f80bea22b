"""profiles/slurm on a real SLURM cluster (CI brings one up with `bash ci/slurm/start.sh`: one node, a `gpu`
partition, 2 fake GPUs, no slurmdbd). A toy workflow written into tmp_path runs through `--profile profiles/slurm`;
its outputs record SLURM_JOB_ID and CUDA_VISIBLE_DEVICES, which are checked against what SLURM itself reports.

Skipped when `sinfo` is not on PATH or the cluster does not answer. The helpers (`slurm_status`, `run_with_profile`,
`submitted_job_ids`, `slurm_job`, `job_seen_by`) are meant for reuse, e.g. to run the real `ci` preset through the
profile:  run_with_profile(workdir, "--config", "preset=ci").

test_ci_preset_on_slurm_matches_local_run does exactly that from scratch, cancels one training job with `scancel`
once it has a checkpoint, and checks that the profile's retry resumed it and that every metrics JSON equals a local
`--cores 2` run's (started from the SLURM run's world and MLM checkpoint, to save a minute).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from repo import ROOT, copy_workflow

PROFILE = ROOT / "profiles" / "slurm"
STATE_DIR = Path(os.environ.get("STILTGRID_SLURM_DIR", "/tmp/stiltgrid-slurm"))


# --- helpers -------------------------------------------------------------------------------------------------------


def slurm_env(extra: dict | None = None) -> dict:
    """The environment for SLURM commands: SLURM_CONF points at ci/slurm/start.sh's config unless already set or
    /etc/slurm/slurm.conf exists (start.sh links it there by default)."""
    env = dict(os.environ)
    conf = STATE_DIR / "slurm.conf"
    if "SLURM_CONF" not in env and not Path("/etc/slurm/slurm.conf").exists() and conf.exists():
        env["SLURM_CONF"] = str(conf)
    env.update(extra or {})
    return env


def slurm_cmd(*cmd: str, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=slurm_env(), timeout=timeout)


def slurm_status() -> tuple[bool, str]:
    """(usable, why not): sinfo on PATH, the executor plugin installed, a partition up with a usable node."""
    if shutil.which("sinfo") is None:
        return False, "sinfo is not on PATH (no SLURM client; CI runs `bash ci/slurm/start.sh` first)"
    # find_spec, not import: importing the plugin runs `scontrol show config`, which hangs ~10 s without slurmctld.
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return False, "snakemake-executor-plugin-slurm is not installed"
    try:
        # `scontrol ping` answers at once when slurmctld is down (sinfo retries for ~10 s).
        if shutil.which("scontrol"):
            ping = slurm_cmd("scontrol", "ping", timeout=15)
            if " is UP" not in ping.stdout:
                return False, "slurmctld is not up (`scontrol ping`: DOWN); run `bash ci/slurm/start.sh`"
        out = slurm_cmd("sinfo", "-h", "-o", "%P %a %T", timeout=15)
    except subprocess.TimeoutExpired:
        return False, "sinfo timed out: slurmctld is not answering (start it with `bash ci/slurm/start.sh`)"
    if out.returncode != 0:
        msg = (out.stderr or out.stdout).strip().splitlines()
        return False, f"SLURM cluster is not up ({msg[-1] if msg else 'sinfo failed'}); run `bash ci/slurm/start.sh`"
    for line in out.stdout.splitlines():
        parts = line.split()
        if (
            len(parts) == 3
            and parts[1] == "up"
            and parts[2].rstrip("*~#!%$@^-").lower()
            in {
                "idle",
                "mixed",
                "allocated",
                "completing",
            }
        ):
            return True, ""
    return False, f"no usable SLURM node (sinfo: {out.stdout.strip()!r}); run `bash ci/slurm/start.sh`"


def run_with_profile(
    workdir, *args, profile=PROFILE, timeout: float = 900, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    """`snakemake --profile profiles/slurm ARGS` in `workdir` (which holds the Snakefile). On failure (check=True)
    raises with the tail of Snakemake's output and of the SLURM job logs under .snakemake/slurm_logs."""
    cmd = [sys.executable, "-m", "snakemake", "--profile", str(profile), *map(str, args)]
    try:
        result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=slurm_env(env), timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise AssertionError(
            f"{' '.join(cmd)} ran past {timeout}s\n{(err.stdout or b'')[-3000:]!r}\n{(err.stderr or b'')[-6000:]!r}\n"
            f"{slurm_cmd('squeue', '-t', 'all').stdout}"
        ) from err
    if check and result.returncode != 0:
        logs = sorted(Path(workdir, ".snakemake", "slurm_logs").glob("**/*.log"))
        log_tails = "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-2000:]}" for p in logs[-5:])
        raise AssertionError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}\n"
            f"{log_tails}"
        )
    return result


def submitted_job_ids(result: subprocess.CompletedProcess) -> dict[str, str]:
    """SLURM job id -> rule, from the plugin's 'Job N has been submitted with SLURM jobid ID (log: .../rule_R/...)'."""
    text = result.stdout + result.stderr
    found = re.findall(r"submitted with SLURM jobid (\d+(?:_\d+)?) \(log: \S*?/rule_([^/\s]+)/", text)
    return {job_id: rule for job_id, rule in found}


def slurm_job(job_id: str) -> dict[str, str]:
    """`scontrol show job -d -o ID` as a dict (empty once slurmctld has forgotten the job: MinJobAge)."""
    out = slurm_cmd("scontrol", "show", "job", "-d", "-o", str(job_id))
    if out.returncode != 0:
        return {}
    fields = {}
    for token in out.stdout.split():
        key, sep, value = token.partition("=")
        if sep and key not in fields:
            fields[key] = value
    return fields


def job_seen_by(job_id: str) -> dict[str, str]:
    """Which SLURM tools know the job, and the state each reports: squeue (within MinJobAge), scontrol, sacct (only
    with slurmdbd) and the jobcomp file that ci/slurm/start.sh configures."""
    seen = {}
    out = slurm_cmd("squeue", "-h", "-t", "all", "-j", str(job_id), "-o", "%i %T")
    for line in out.stdout.splitlines() if out.returncode == 0 else []:
        if line.split()[0] == str(job_id):
            seen["squeue"] = line.split()[1]
    if state := slurm_job(job_id).get("JobState"):
        seen["scontrol"] = state
    if shutil.which("sacct"):
        out = slurm_cmd("sacct", "-n", "-X", "-P", "-j", str(job_id), "-o", "JobID,State")
        for line in out.stdout.splitlines() if out.returncode == 0 else []:
            jid, _, state = line.partition("|")
            if jid == str(job_id):
                seen["sacct"] = state
    jobcomp = STATE_DIR / "log" / "jobcomp.txt"
    if jobcomp.exists():
        for line in jobcomp.read_text(errors="replace").splitlines():
            if line.startswith(f"JobId={job_id} "):
                seen["jobcomp"] = re.search(r"JobState=(\S+)", line).group(1)
    return seen


def read_record(path: Path) -> dict[str, str]:
    """A toy output: KEY=VALUE lines."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


# Rule names borrowed from the workflow so the profile's set-resources apply: train_xnli gets its GPU from the
# profile alone (the toy rule declares no resources). Snakemake's shell runs with `set -u`: SLURM variables may be
# unset, hence ${VAR:-unset} (braces doubled for Snakemake's formatting).
def _record(rule: str) -> str:
    keys = ["SLURM_JOB_ID", "CUDA_VISIBLE_DEVICES", "SLURM_JOB_PARTITION"]
    lines = [f"echo rule={rule}"] + [f"echo {k}=${{{{{k}:-unset}}}}" for k in keys]
    return "(" + "; ".join(lines) + ") > {output}"


TOY_SNAKEFILE = f"""
localrules: all

rule all:
    input: "out/aggregate.txt"

rule generate_world:
    output: "out/generate_world.txt"
    shell: "{_record("generate_world")}"

rule train_xnli:
    input: "out/generate_world.txt"
    output: "out/train_xnli.txt"
    shell: "{_record("train_xnli")}"

rule aggregate:
    input: "out/generate_world.txt", "out/train_xnli.txt"
    output: "out/aggregate.txt"
    shell: "{_record("aggregate")}"
"""
TOY_RULES = ["generate_world", "train_xnli", "aggregate"]


def write_toy_workflow(workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "Snakefile").write_text(TOY_SNAKEFILE)
    return workdir


# --- tests ----------------------------------------------------------------------------------------------------------


def workflow_rules() -> dict[str, dict]:
    """Rule name -> {"gpu": declares gpu=1, "local": is a localrule}, read from workflow/rules/*.smk. Rules made in
    `for _target in GRID.<kind>_targets:` loops are expanded over the XTREME targets of that kind, rules made in the
    `for _question in ...` loop over the research questions."""
    from stiltgrid.grid.config import ANALYSES
    from stiltgrid.tasks import get_task  # conftest puts workflow/ on sys.path

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    targets = sorted({t for preset in config["presets"].values() for t in preset.get("targets", [])})
    kinds = {
        "trained_targets": [t for t in targets if get_task(t).trainable],
        "retrieval_targets": [t for t in targets if not get_task(t).trainable],
        "questions": list(ANALYSES),
    }
    rules, local = {}, set()
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = smk.read_text()
        for names in re.findall(r"^\s*localrules:\s*((?:\s*\w+,?)+)", text, re.M):
            local.update(re.findall(r"\w+", names))
        # Split into rule blocks; remember the loop each block sits in.
        starts = [(m.start(), m) for m in re.finditer(r"^\s*rule(?:\s+(\w+))?\s*:", text, re.M)]
        for i, (pos, match) in enumerate(starts):
            block = text[pos : starts[i + 1][0] if i + 1 < len(starts) else len(text)]
            gpu = re.search(r"\bgpu\s*=\s*1\b", block) is not None
            if match.group(1):
                rules[match.group(1)] = {"gpu": gpu}
                continue
            name = re.search(r'name:\s*f"(\w*)\{_(?:target|question)\}(\w*)"', block)
            loop = re.findall(r"for _target in GRID\.(\w+):", text[:pos]) or (
                ["questions"] if re.search(r"for _question in ", text[:pos]) else []
            )
            assert name and loop, f"{smk.name}: cannot read the name of the rule at offset {pos}"
            for target in kinds[loop[-1]]:
                rules[f"{name.group(1)}{target}{name.group(2)}"] = {"gpu": gpu}
    for name, rule in rules.items():
        rule["local"] = name in local
    return rules


def test_profile_requests_what_the_workflow_needs():
    """Static (no SLURM needed): every rule of the workflow that SLURM runs has an entry; GPU rules ask for one GPU
    the way the plugin supports; localrules and CPU rules ask for none."""
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert profile["retries"] == 2 and profile["rerun-incomplete"] is True
    assert profile["slurm-status-command"] == "squeue"
    assert profile["default-resources"]["slurm_partition"] == "gpu"
    resources = profile["set-resources"]

    rules = workflow_rules()
    assert {"generate_world", "mlm_checkpoint", "train_intermediate", "aggregate"} <= rules.keys(), rules
    assert rules["mlm_checkpoint"]["local"]
    for name, rule in rules.items():
        if name == "all":
            continue
        if rule["local"]:
            assert name not in resources, f"{name} is a localrule: no SLURM resources"
            continue
        assert name in resources, f"profiles/slurm has no set-resources entry for rule {name}"
        assert {"runtime", "mem_mb", "slurm_partition"} <= resources[name].keys(), name
        assert "gres" not in resources[name], f"{name}: gpu and gres are mutually exclusive in the plugin"
        assert resources[name].get("gpu", 0) == (1 if rule["gpu"] else 0), f"{name}: GPU request"
    # MinJobAge must outlive 3 x the plugin's first status check, or squeue misses finished jobs.
    min_job_age = int(re.search(r"^MinJobAge=(\d+)", (ROOT / "ci/slurm/start.sh").read_text(), re.M).group(1))
    assert min_job_age >= max(300, 3 * profile.get("slurm-init-seconds-before-status-checks", 40))


SLURM_UP, SLURM_WHY_NOT = slurm_status()
needs_slurm = pytest.mark.skipif(not SLURM_UP, reason=SLURM_WHY_NOT or "SLURM cluster not available")


@pytest.mark.slow
@needs_slurm
def test_toy_workflow_runs_as_slurm_jobs(tmp_path):
    work = write_toy_workflow(tmp_path / "toy")
    result = run_with_profile(work, timeout=600)

    jobs = submitted_job_ids(result)
    assert sorted(jobs.values()) == sorted(TOY_RULES), f"one SLURM job per rule expected, got {jobs}"
    records = {rule: read_record(work / "out" / f"{rule}.txt") for rule in TOY_RULES}

    for rule, record in records.items():
        assert record["rule"] == rule
        job_id = record["SLURM_JOB_ID"]
        assert job_id.isdigit(), f"{rule} did not run inside a SLURM job: {record}"
        assert jobs.get(job_id) == rule, f"{rule} ran as SLURM job {job_id}, but the plugin submitted {jobs}"
        assert record["SLURM_JOB_PARTITION"] == "gpu", record
        seen = job_seen_by(job_id)
        assert {"squeue", "scontrol"} & seen.keys(), f"SLURM does not know job {job_id} ({rule}): {seen}"
        assert all(state.startswith("COMPLETED") for state in seen.values()), seen
    assert len({r["SLURM_JOB_ID"] for r in records.values()}) == len(TOY_RULES)

    # The GPU job got a (fake) GPU from SLURM; the CPU jobs got none.
    gpu = records["train_xnli"]["CUDA_VISIBLE_DEVICES"]
    assert re.fullmatch(r"\d+(,\d+)*", gpu), f"train_xnli saw CUDA_VISIBLE_DEVICES={gpu!r}"
    assert records["generate_world"]["CUDA_VISIBLE_DEVICES"] == "unset"
    assert records["aggregate"]["CUDA_VISIBLE_DEVICES"] == "unset"
    job = slurm_job(records["train_xnli"]["SLURM_JOB_ID"])
    if job:
        assert "gpu" in job.get("TresPerJob", "") + job.get("JOB_GRES", ""), job
        minutes = yaml.safe_load((PROFILE / "config.yaml").read_text())["set-resources"]["train_xnli"]["runtime"]
        assert job.get("TimeLimit") == f"{minutes // 60:02d}:{minutes % 60:02d}:00", "runtime from the profile"

    # Nothing left to do: a rerun submits no job.
    again = run_with_profile(work, timeout=300)
    assert submitted_job_ids(again) == {}
    assert "Nothing to be done" in again.stdout + again.stderr


# --- the ci preset through the profile ------------------------------------------------------------------------------

CI_MODEL = "tiny-ci"
CANCELLED_CELL = f"results/{CI_MODEL}/eval/none/xnli/seed1"  # its training job is cancelled once it has a checkpoint
CANCELLED_COMMENT = f"rule_train_xnli_wildcards_{CI_MODEL}_none_1"  # the plugin's --comment: rule_<rule>_wildcards_..
CANCELLED_LOG = f"logs/{CI_MODEL}/target/none/xnli/seed1.log"


def copy_repo(dest: Path) -> Path:
    assert not dest.exists()
    return copy_workflow(dest)


def ci_metrics(workdir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(workdir)): p.read_bytes()
        for p in sorted(workdir.glob(f"results/{CI_MODEL}/eval/*/*/seed*/*.metrics.json"))
    }


def cancel_when_ready(ready: Path, comment: str, proc: subprocess.Popen, timeout: float) -> str | None:
    """Once `ready` exists, `scancel` the RUNNING job whose comment is `comment`; its id (None if never seen)."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if ready.exists():
            out = slurm_cmd("squeue", "-h", "-t", "RUNNING", "-o", "%i|%k")
            for line in out.stdout.splitlines():
                job_id, _, job_comment = line.partition("|")
                if job_comment == comment:
                    assert slurm_cmd("scancel", job_id).returncode == 0
                    return job_id
        time.sleep(0.2)
    return None


@pytest.mark.slow
@needs_slurm
def test_ci_preset_on_slurm_matches_local_run(tmp_path):
    """The ci preset through --profile profiles/slurm, with one training job cancelled mid-training (scancel): the
    profile's retry resumes it from its checkpoint, the grid completes, SLURM knows every job, and every metrics JSON
    is byte-equal to a local `--cores 2` run's."""
    from stiltgrid.grid.config import load_grid

    work = copy_repo(tmp_path / "slurm")
    log_path = tmp_path / "snakemake-slurm.log"
    cmd = [sys.executable, "-m", "snakemake", "--profile", str(PROFILE), "--config", "preset=ci"]
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=work, stdout=log, stderr=subprocess.STDOUT, env=slurm_env())
        try:
            checkpoint = work / Path(CANCELLED_CELL).parent / f".{Path(CANCELLED_CELL).name}.checkpoint" / "state.pt"
            cancelled = cancel_when_ready(checkpoint, CANCELLED_COMMENT, proc, timeout=1200)
            returncode = proc.wait(timeout=1500)
        finally:
            if proc.poll() is None:  # Snakemake cancels its SLURM jobs on SIGTERM
                proc.terminate()
                proc.wait(timeout=120)
    text = log_path.read_text(errors="replace")
    logs = sorted(Path(work, ".snakemake", "slurm_logs").glob("**/*.log"))
    assert returncode == 0, text[-6000:] + "\n".join(f"--- {p}\n{p.read_text()[-1500:]}" for p in logs[-3:])
    assert cancelled, "the none/xnli training job was not seen running with a checkpoint, so nothing was cancelled"

    # The cancelled job was retried by the profile and resumed from its checkpoint.
    assert "resumed from" in (work / CANCELLED_LOG).read_text()
    jobs = submitted_job_ids(subprocess.CompletedProcess(cmd, returncode, text, ""))
    assert jobs.get(cancelled) == "train_xnli", jobs
    grid = load_grid({**yaml.safe_load((work / "config.yaml").read_text()), "preset": "ci"})
    per_cell = len(grid.intermediates) * len(grid.seeds)
    expected = Counter(
        {
            "generate_world": 1,
            "train_intermediate": len(grid.trained_intermediates) * len(grid.seeds),
            "aggregate": 1,
            **{f"train_{t}": per_cell for t in grid.trained_targets},
            **{f"evaluate_{t}": per_cell for t in grid.retrieval_targets},
        }
    )
    expected["train_xnli"] += 1  # the retry
    assert Counter(jobs.values()) == expected

    # SLURM itself knows every job (squeue/scontrol within MinJobAge, the jobcomp file after).
    for job_id, rule in jobs.items():
        seen = job_seen_by(job_id)
        assert seen, f"SLURM does not know job {job_id} ({rule})"
        state = "CANCELLED" if job_id == cancelled else "COMPLETED"
        assert all(s.startswith(state) for s in seen.values()), f"{job_id} ({rule}): {seen}, expected {state}"

    # The same metrics as a local run of the same preset. It starts from the SLURM run's resources/ (the generated
    # world, and the MLM checkpoint + tokenizer, which the localrule mlm_checkpoint built on this host in both cases):
    # that saves ~1 min; their determinism across processes is tested in tests/world and test_mlm.py.
    local = copy_repo(tmp_path / "local")
    shutil.copytree(work / "resources", local / "resources")
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--config", "preset=ci"],
        cwd=local,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert run.returncode == 0, run.stderr[-6000:]
    assert "generate_world" not in run.stdout + run.stderr and "mlm_checkpoint" not in run.stdout + run.stderr
    on_slurm, here = ci_metrics(work), ci_metrics(local)
    n = sum(len(grid.languages(t)) for t in grid.targets) * len(grid.intermediates) * len(grid.seeds)
    assert len(here) == n and sorted(on_slurm) == sorted(here)
    differ = [name for name in here if on_slurm[name] != here[name]]
    if differ:
        pytest.fail(
            f"{len(differ)} of {n} metrics JSON differ from the local run's, e.g. {differ[0]}:\n"
            f"{on_slurm[differ[0]].decode()}\nlocal:\n{here[differ[0]].decode()}"
        )

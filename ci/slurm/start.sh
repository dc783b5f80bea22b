#!/usr/bin/env bash
# Bring up a throw-away single-node SLURM cluster (Debian slurm-wlm 22.05 + munge) with fake GPUs, for CI and for
# trying profiles/slurm locally. Idempotent: rerunning it while the cluster is healthy changes nothing; rerunning it
# after a crash or a config change restarts the daemons. Needs root (package install, mknod, daemons).
#
#   bash ci/slurm/start.sh              # bring it up (state in /tmp/stiltgrid-slurm)
#   bash ci/slurm/stop.sh [--purge]     # stop it (--purge also deletes the state dir)
#
# Environment (all optional):
#   STILTGRID_SLURM_DIR      state dir: configs, munge key, spool, logs, pid files, fake GPU devices
#                            [/tmp/stiltgrid-slurm]
#   STILTGRID_SLURM_GPUS     number of fake GPUs on the node [2]
#   STILTGRID_SLURM_CPUS     CPUs of the node [nproc]
#   STILTGRID_SLURM_MEM_MB   RealMemory of the node in MB [90% of MemTotal]
#   STILTGRID_SLURM_PARTITION  name of the (default) partition [gpu]
#   STILTGRID_SLURM_CTLD_PORT / STILTGRID_SLURM_SLURMD_PORT  [6817 / 6818]
#   STILTGRID_SLURM_TIMEOUT  seconds to wait for the node to become idle [60]
#   STILTGRID_SLURM_LINK_ETC 1: symlink /etc/slurm/slurm.conf to the generated config so that sinfo/sbatch/
#                            snakemake find it without SLURM_CONF (only if that path is free or already ours) [1]
#   STILTGRID_SLURM_NO_INSTALL 1: never call apt-get (fail if the binaries are missing) [0]
set -euo pipefail

STATE=${STILTGRID_SLURM_DIR:-/tmp/stiltgrid-slurm}
NGPUS=${STILTGRID_SLURM_GPUS:-2}
PARTITION=${STILTGRID_SLURM_PARTITION:-gpu}
CTLD_PORT=${STILTGRID_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${STILTGRID_SLURM_SLURMD_PORT:-6818}
TIMEOUT=${STILTGRID_SLURM_TIMEOUT:-60}
LINK_ETC=${STILTGRID_SLURM_LINK_ETC:-1}
NODE=localhost
CONF=$STATE/slurm.conf
ETC_CONF=/etc/slurm/slurm.conf

log() { printf '[slurm-start] %s\n' "$*" >&2; }
die() { printf '[slurm-start] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (installs packages, creates device nodes, starts daemons)"

# --- 1. packages ---------------------------------------------------------------------------------------------------
missing=()
for bin in munged slurmctld slurmd sinfo sbatch squeue scontrol; do
    command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if ((${#missing[@]})); then
    [[ ${STILTGRID_SLURM_NO_INSTALL:-0} == 1 ]] && die "missing: ${missing[*]} (STILTGRID_SLURM_NO_INSTALL=1)"
    log "installing slurmctld slurmd slurm-client munge (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
id munge >/dev/null 2>&1 || die "user 'munge' does not exist (the munge package creates it)"

# --- helpers --------------------------------------------------------------------------------------------------------
pid_alive() { # pid_alive FILE: the pid in FILE is a running process
    [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}
node_state() {
    SLURM_CONF=$CONF timeout 10 sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n1
}
all_running() {
    pid_alive "$STATE/munge/munged.pid" && pid_alive "$STATE/run/slurmctld.pid" && pid_alive "$STATE/run/slurmd.pid"
}
link_etc_conf() { # let plain `sinfo`/`sbatch` (and the Snakemake plugin) find the config without SLURM_CONF
    [[ $LINK_ETC == 1 ]] || return 0
    mkdir -p /etc/slurm
    if [[ ! -e $ETC_CONF && ! -L $ETC_CONF ]] || [[ -L $ETC_CONF && $(readlink "$ETC_CONF") == "$STATE"/* ]]; then
        ln -sfn "$CONF" "$ETC_CONF"
    else
        log "note: $ETC_CONF exists and is not ours; leaving it alone (export SLURM_CONF=$CONF)"
    fi
}
print_usage() {
    cat <<EOF

SLURM is up: cluster 'stiltgrid', node '$NODE' ($CPUS CPUs, ${MEM_MB} MB, $NGPUS fake GPUs), partition '$PARTITION'.
  state dir : $STATE   (logs in $STATE/log)
  config    : $CONF$( [[ -L $ETC_CONF && $(readlink "$ETC_CONF") == "$CONF" ]] && echo "  (linked from $ETC_CONF)")

Use it:
  export SLURM_CONF=$CONF        # not needed when $ETC_CONF links to it
  sinfo; squeue; scontrol show job <id>
  srun --gpus=1 bash -c 'echo \$CUDA_VISIBLE_DEVICES'
  snakemake --profile profiles/slurm --config preset=ci
  pytest tests/test_slurm.py
Stop it:
  bash ci/slurm/stop.sh            # add --purge to delete $STATE
EOF
}

# --- 2. node geometry -----------------------------------------------------------------------------------------------
CPUS=${STILTGRID_SLURM_CPUS:-$(nproc)}
if [[ -z ${STILTGRID_SLURM_MEM_MB:-} ]]; then
    total_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
    MEM_MB=$((total_mb * 90 / 100))
else
    MEM_MB=$STILTGRID_SLURM_MEM_MB
fi
((NGPUS >= 1)) || die "STILTGRID_SLURM_GPUS must be >= 1"
DEF_MEM_PER_CPU=$((MEM_MB / CPUS))

# --- 3. configs (rendered first, so a rerun can tell whether anything changed) --------------------------------------
MUNGE_SOCKET=$STATE/munge-socket/munge.socket
SLURM_CONF_TEXT=$(
    cat <<EOF
# Generated by ci/slurm/start.sh: a single-node test cluster. Do not edit (it is rewritten on every start).
ClusterName=stiltgrid
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
ReturnToService=2
# No slurmdbd: sacct answers "accounting storage is disabled", so Snakemake's status polling must use squeue, which
# sees a job only for MinJobAge seconds after it ends (the plugin wants >= 3 x its first status-check delay; keep
# this >= 300). Finished jobs are also appended to the jobcomp file below (a record that outlives MinJobAge).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.txt
MinJobAge=600
# Trust slurm.conf for the node's resources (containers often report odd topology/memory).
SlurmdParameters=config_overrides
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool/slurmd-%n
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
Waittime=0

NodeName=$NODE NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:$NGPUS State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=$DEF_MEM_PER_CPU
EOF
)
# gres.conf must sit next to slurm.conf. Count-only gres (no File=) drains the node, so each fake GPU is a char
# device (1,3 = the /dev/null driver); then --gpus/--gres give jobs CUDA_VISIBLE_DEVICES.
GRES_CONF_TEXT=$(
    cat <<EOF
# Generated by ci/slurm/start.sh: $NGPUS fake GPUs.
AutoDetect=off
NodeName=$NODE Name=gpu File=$STATE/dev/fakegpu[0-$((NGPUS - 1))]
EOF
)

# --- 4. already up with this very config? ---------------------------------------------------------------------------
if all_running && [[ -f $CONF && $(<"$CONF") == "$SLURM_CONF_TEXT" && -f $STATE/gres.conf &&
    $(<"$STATE/gres.conf") == "$GRES_CONF_TEXT" ]]; then
    st=$(node_state || true)
    case $st in
    idle* | mixed* | allocated* | completing*)
        log "already running with this config (node state: $st); nothing to do"
        link_etc_conf
        print_usage
        exit 0
        ;;
    esac
    log "daemons are running but node state is '${st:-unknown}': restarting"
elif all_running; then
    log "daemons are running with another config: restarting"
fi
# Stop whatever is left of a previous start (only our own daemons, found by their pid files).
STILTGRID_SLURM_DIR=$STATE bash "$(dirname "${BASH_SOURCE[0]}")/stop.sh" --quiet || true

# --- 5. files -------------------------------------------------------------------------------------------------------
mkdir -p "$STATE"/{state,spool,log,run,dev,munge,munge-socket}
chmod 0755 "$STATE"

# munge: key (kept across restarts), pid, log and seed under $STATE/munge (private), the socket under
# $STATE/munge-socket (munged insists that the socket's directory is searchable by everyone).
if [[ ! -s $STATE/munge/munge.key ]]; then
    dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1 count=1024 status=none
fi
chown -R munge:munge "$STATE/munge" "$STATE/munge-socket"
chmod 0700 "$STATE/munge"
chmod 0400 "$STATE/munge/munge.key"
chmod 0755 "$STATE/munge-socket"

for ((i = 0; i < NGPUS; i++)); do
    dev=$STATE/dev/fakegpu$i
    if [[ ! -c $dev ]]; then
        rm -f "$dev"
        mknod "$dev" c 1 3 || die "mknod $dev failed (needs CAP_MKNOD)"
    fi
    chmod 0666 "$dev"
done

printf '%s\n' "$SLURM_CONF_TEXT" >"$CONF"
printf '%s\n' "$GRES_CONF_TEXT" >"$STATE/gres.conf"

link_etc_conf
export SLURM_CONF=$CONF

# --- 6. daemons -----------------------------------------------------------------------------------------------------
log_tails() {
    for f in "$STATE/munge/munged.log" "$STATE/log/slurmctld.log" "$STATE/log/slurmd.log"; do
        [[ -f $f ]] || continue
        echo "----- tail $f" >&2
        tail -n 25 "$f" >&2
    done
}
fail() {
    log "ERROR: $*"
    log_tails
    exit 1
}

log "starting munged"
runuser -u munge -- munged \
    --socket="$MUNGE_SOCKET" --key-file="$STATE/munge/munge.key" --pid-file="$STATE/munge/munged.pid" \
    --log-file="$STATE/munge/munged.log" --seed-file="$STATE/munge/munged.seed" ||
    fail "munged did not start"
for _ in $(seq 50); do [[ -S $MUNGE_SOCKET && -s $STATE/munge/munged.pid ]] && break; sleep 0.1; done
munge -S "$MUNGE_SOCKET" -n </dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null || fail "munge round trip failed"

log "starting slurmctld"
slurmctld -c -f "$CONF" || fail "slurmctld did not start"
for _ in $(seq 100); do
    timeout 5 scontrol ping 2>/dev/null | grep -q UP && break
    [[ -s $STATE/run/slurmctld.pid ]] && ! pid_alive "$STATE/run/slurmctld.pid" && fail "slurmctld exited (see its log)"
    sleep 0.2
done
timeout 5 scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld does not answer 'scontrol ping'"

log "starting slurmd"
slurmd -f "$CONF" -N "$NODE" || fail "slurmd did not start"

log "waiting up to ${TIMEOUT}s for node '$NODE' to be idle"
deadline=$((SECONDS + TIMEOUT))
st=""
while ((SECONDS < deadline)); do
    st=$(node_state || true)
    case $st in
    idle*) break ;;
    drain* | down* | fail*)
        # A node left down by an earlier run comes back with an explicit resume.
        timeout 5 scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
        ;;
    esac
    sleep 0.5
done
if [[ $st != idle* ]]; then
    echo "----- sinfo -R / scontrol show node" >&2
    sinfo -R >&2 || true
    scontrol show node "$NODE" >&2 || true
    fail "node '$NODE' not idle after ${TIMEOUT}s (state: '${st:-no answer}')"
fi
log "node '$NODE' is idle"
sinfo >&2
print_usage

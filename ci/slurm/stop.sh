#!/usr/bin/env bash
# Stop the single-node SLURM cluster started by ci/slurm/start.sh: cancels its jobs, then stops slurmd, slurmctld and
# munged by the pid files in the state dir (never by process name, so other daemons on the machine are untouched).
#
#   bash ci/slurm/stop.sh            # stop the daemons, remove the /etc/slurm/slurm.conf link, keep the state dir
#   bash ci/slurm/stop.sh --purge    # also delete the state dir (munge key, logs, spool)
#
# STILTGRID_SLURM_DIR selects the state dir [/tmp/stiltgrid-slurm].
set -uo pipefail

STATE=${STILTGRID_SLURM_DIR:-/tmp/stiltgrid-slurm}
CONF=$STATE/slurm.conf
ETC_CONF=/etc/slurm/slurm.conf
PURGE=0
QUIET=0
for arg in "$@"; do
    case $arg in
    --purge) PURGE=1 ;;
    --quiet) QUIET=1 ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done
log() { ((QUIET)) || printf '[slurm-stop] %s\n' "$*" >&2; }

pid_of() { [[ -s $1 ]] && cat "$1"; }
alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

stop_pidfile() { # stop_pidfile NAME PIDFILE
    local name=$1 file=$2 pid
    pid=$(pid_of "$file") || { log "$name: no pid file"; return 0; }
    if ! alive "$pid"; then
        log "$name: not running (stale pid $pid)"
        rm -f "$file"
        return 0
    fi
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
        log "$name (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        sleep 0.2
    fi
    rm -f "$file"
}

# Cancel jobs of this cluster first so their processes do not outlive slurmd.
if [[ -f $CONF ]] && alive "$(pid_of "$STATE/run/slurmctld.pid")"; then
    jobs=$(SLURM_CONF=$CONF timeout 10 squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED -o '%i' \
        2>/dev/null | tr '\n' ' ')
    if [[ -n ${jobs// /} ]]; then
        log "cancelling jobs: $jobs"
        # shellcheck disable=SC2086
        SLURM_CONF=$CONF timeout 10 scancel $jobs 2>/dev/null
        sleep 2
    fi
fi

stop_pidfile slurmd "$STATE/run/slurmd.pid"
stop_pidfile slurmctld "$STATE/run/slurmctld.pid"
stop_pidfile munged "$STATE/munge/munged.pid"

# Drop the /etc/slurm/slurm.conf link start.sh made: with a config naming a dead controller, every `snakemake` call
# (even a local one) waits ~10 s, because importing the SLURM executor plugin runs `scontrol show config`.
if [[ -L $ETC_CONF && $(readlink "$ETC_CONF") == "$CONF" ]]; then
    rm -f "$ETC_CONF"
fi
if ((PURGE)); then
    if [[ -d $STATE ]]; then
        log "removing $STATE"
        rm -rf "$STATE"
    fi
fi
log "stopped"
exit 0

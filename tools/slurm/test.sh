#!/usr/bin/env bash
# SLURM integration test: run the whole workflow on the demo data through Snakemake's
# SLURM executor on a single-node SLURM cluster set up on this host, and check that every
# output is byte-identical to a local run.
#
#   bash tools/slurm/test.sh          (or: bash dev.sh slurm-test, make slurm-test)
#
# Needs root on Debian (12): installs slurmctld, slurmd, slurm-client and munge with
# apt-get if they are missing, writes a slurm.conf for this host into a scratch folder
# (the host's /etc/slurm is left alone), starts munged (unless one already answers),
# slurmctld and slurmd by hand, and stops the daemons it started when it exits, also on
# failure. The local reference run (default profile, 2 cores, as the tests run it) comes
# first. Prints PASS/FAIL and the time of each phase; exits non-zero on any difference or
# failure.
#
# Environment:
#   KEEP=1                   keep the scratch folder (runs, logs, slurm.conf) afterwards
#   TIMEOUT=1800             seconds allowed for each workflow run before it is stopped
#   SLURM_TEST_PORTS="16817 16818"   slurmctld and slurmd ports (ours, not SLURM's default)
#   TMPDIR                   where the scratch folder is made (default /tmp)
# shellcheck disable=SC2317  # teardown and its helpers run from the EXIT trap
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tools/slurm"
PY="$ROOT/.venv/bin/python"

case "${1:-}" in
    "") ;;
    -h | --help)
        # The header comment above, up to the shellcheck directive.
        awk 'NR > 1 && /^# shellcheck/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *)
        echo "usage: bash tools/slurm/test.sh [-h]  (settings via environment, see -h)" >&2
        exit 2
        ;;
esac

KEEP="${KEEP:-0}"
TIMEOUT="${TIMEOUT:-1800}"
read -r CTLD_PORT SLURMD_PORT <<<"${SLURM_TEST_PORTS:-16817 16818}"
PACKAGES=(slurmctld slurmd slurm-client munge)
# Seconds before Snakemake's first status query; MinJobAge in slurm.conf.in (300) must be
# at least 3 times this, or the plugin falls back to sacct, which needs slurmdbd.
STATUS_INIT=2

# ---------------------------------------------------------------------------------------
# Helpers

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
die() {
    log "ERROR: $*" >&2
    exit 1
}

# Phase timings, printed at the end in this order.
PHASES=()
declare -A SECONDS_OF=()
record() { # record NAME SECONDS
    PHASES+=("$1")
    SECONDS_OF[$1]="$2"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND once a second until it succeeds.
wait_for() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    log "timed out after ${limit}s waiting for $what"
    return 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_pid NAME PID: SIGTERM, wait up to 30 s for the process to exit, then SIGKILL.
stop_pid() {
    local name=$1 pid=$2 i
    kill -0 "$pid" 2>/dev/null || return 0
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$name (pid $pid) did not stop within 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------
# Preconditions and scratch folder

[[ "$(id -u)" == 0 ]] || die "must run as root (it installs packages and starts SLURM daemons)"
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
    die "needs a Debian system (apt-get, dpkg-query)"
fi
[[ -n "${SLURM_CONF:-}" ]] && log "ignoring SLURM_CONF=$SLURM_CONF from the environment"

T_START=$(now)
# The project's environment (a no-op when .venv already matches requirements.lock).
bash "$ROOT/dev.sh" setup
"$PY" -c 'import snakemake_executor_plugin_slurm, snakemake_executor_plugin_slurm_jobstep' \
    || die "the SLURM executor plugins are not in .venv; run 'bash dev.sh setup'"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/mognad-slurm-test.XXXXXX")"
STATE="$SCRATCH/state"      # slurm state, spool, pid and log files
LOCAL_RUN="$SCRATCH/local"  # run folder of the local reference run
SLURM_RUN="$SCRATCH/slurm"  # run folder of the SLURM run
mkdir -p "$STATE/ctld" "$STATE/slurmd" "$SCRATCH/bin"

# What this script started, so that teardown stops exactly that.
MUNGED_PID=""
POLICY_CREATED=0
PHASE="start"
DIAGNOSED=0

# ---------------------------------------------------------------------------------------
# Teardown (EXIT trap): stop what we started, by pid, and print the summary.

diagnostics() {
    ((DIAGNOSED)) && return 0
    DIAGNOSED=1
    local file
    echo
    echo "==================== diagnostics ($PHASE failed) ===================="
    for file in "$SCRATCH/slurm.log" "$SCRATCH/local.log"; do
        [[ -s "$file" ]] && { echo "---- last 60 lines of $file"; tail -n 60 "$file"; }
    done
    if [[ -d "$SLURM_RUN/.snakemake/slurm_logs" ]]; then
        # Logs of successful jobs are deleted by the plugin; what is left failed or ran.
        while IFS= read -r file; do
            echo "---- SLURM job log $file"
            tail -n 40 "$file"
        done < <(find "$SLURM_RUN/.snakemake/slurm_logs" -type f -name '*.log' | sort | head -n 20)
    fi
    if [[ -s "$STATE/slurmctld.pid" ]]; then
        echo "---- squeue"
        timeout 10 squeue --states=all 2>&1 || true
        echo "---- sinfo"
        timeout 10 sinfo -N -l 2>&1 || true
    fi
    for file in "$STATE/slurmctld.log" "$STATE/slurmd.log" /var/log/munge/munged.log; do
        [[ -s "$file" ]] && { echo "---- last 30 lines of $file"; tail -n 30 "$file"; }
    done
    echo "======================================================================"
}

teardown() {
    local rc=$? t pid
    trap - EXIT INT TERM
    set +e
    ((rc != 0)) && [[ "$PHASE" != compare ]] && diagnostics
    t=$(now)
    if [[ -s "$STATE/slurmctld.pid" ]] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null; then
        # Cancel whatever is still queued or running on our private cluster; job steps
        # (slurmstepd) would outlive slurmd otherwise.
        timeout 10 squeue -h -o %A 2>/dev/null | xargs -r timeout 10 scancel 2>/dev/null
        # shellcheck disable=SC2016  # expanded by the inner bash
        wait_for 30 "jobs to end" bash -c '[[ -z "$(squeue -h -o %A 2>/dev/null)" ]]'
    fi
    # Daemons remove their pidfiles when they exit: read the pid first.
    for pid in slurmd slurmctld; do
        [[ -s "$STATE/$pid.pid" ]] && stop_pid "$pid" "$(cat "$STATE/$pid.pid")"
    done
    [[ -n "$MUNGED_PID" ]] && stop_pid munged "$MUNGED_PID"
    ((POLICY_CREATED)) && rm -f /usr/sbin/policy-rc.d
    record teardown "$(since "$t")"

    if [[ "$KEEP" == 1 ]]; then
        log "kept the scratch folder $SCRATCH"
    else
        rm -rf "$SCRATCH"
    fi
    echo
    echo "Timings (s):"
    for t in "${PHASES[@]}"; do
        printf '  %-26s %7s\n' "$t" "${SECONDS_OF[$t]}"
    done
    printf '  %-26s %7s\n' "total" "$(since "$T_START")"
    if ((rc == 0)); then
        echo "SLURM integration test: PASS"
    else
        echo "SLURM integration test: FAIL ($PHASE)"
    fi
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# The local reference run: the default profile with 2 cores, as the tests run it.

PHASE="local run"
T_LOCAL=$(now)
log "local run in $LOCAL_RUN (log: $SCRATCH/local.log)"
rc=0
timeout --foreground -s INT -k 30 "$TIMEOUT" "$PY" "$HERE/scratch.py" local "$LOCAL_RUN" \
    --cores 2 >"$SCRATCH/local.log" 2>&1 || rc=$?
record "local run" "$(since "$T_LOCAL")"
if ((rc != 0)); then
    ((rc == 124)) && log "the local run did not finish within ${TIMEOUT}s"
    die "the local run failed (exit $rc)"
fi
log "local run finished in ${SECONDS_OF[local run]}s"

# ---------------------------------------------------------------------------------------
# Set-up: packages, munged, slurm.conf, slurmctld, slurmd.

PHASE="set-up"
T_SETUP=$(now)
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    # No init system here: keep the packages' maintainer scripts from starting daemons
    # (the standard policy-rc.d mechanism), so that only what this script starts runs.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        POLICY_CREATED=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >"$SCRATCH/apt.log" 2>&1 \
        || { tail -n 40 "$SCRATCH/apt.log"; die "apt-get install failed"; }
    if ((POLICY_CREATED)); then
        rm -f /usr/sbin/policy-rc.d
        POLICY_CREATED=0
    fi
else
    log "packages already installed: ${PACKAGES[*]}"
fi
record "install packages" "$(since "$T_SETUP")"

T_DAEMONS=$(now)
# munged: reuse one that already answers (and leave it running); otherwise start one as
# user munge (it refuses to run as root with the package's munge-owned directories). It
# keeps its standard pidfile and log, /run/munge/munged.pid and /var/log/munge/munged.log,
# because the scratch folder is private to root.
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already running; using it"
else
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating /etc/munge/munge.key"
        mungekey --create --keyfile=/etc/munge/munge.key
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    mkdir -p /run/munge
    chown munge:munge /run/munge
    chmod 0755 /run/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- munged --pid-file=/run/munge/munged.pid
    wait_for 10 "munged's pidfile" test -s /run/munge/munged.pid || die "munged did not start"
    MUNGED_PID="$(cat /run/munge/munged.pid)"
    wait_for 10 munged bash -c 'munge -n | unmunge' || die "munged does not answer"
    log "started munged (pid $MUNGED_PID)"
fi

NODE="$(hostname -s)"
CPUS="$(nproc)"
# Schedulable memory: 90% of the machine's, leaving room for the OS and Snakemake itself.
MEM_MB="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
((MEM_MB >= 4096)) || log "warning: only ${MEM_MB} MB schedulable; rules asking for more fail"
export SLURM_CONF="$SCRATCH/slurm.conf"
sed -e "s|@NODE@|$NODE|g" -e "s|@CPUS@|$CPUS|g" -e "s|@MEM_MB@|$MEM_MB|g" \
    -e "s|@STATE@|$STATE|g" -e "s|@CTLD_PORT@|$CTLD_PORT|g" -e "s|@SLURMD_PORT@|$SLURMD_PORT|g" \
    "$HERE/slurm.conf.in" >"$SLURM_CONF"
log "slurm.conf: node $NODE, CPUs=$CPUS, RealMemory=$MEM_MB, ports $CTLD_PORT/$SLURMD_PORT"

# snakemake-executor-plugin-slurm-jobstep (0.6.1) removes every SLURM_* variable but a few
# job ids from the environment of the `srun` it runs inside each job, SLURM_CONF included,
# so that srun would not find our slurm.conf. This wrapper, first on PATH (sbatch exports
# PATH to the jobs), puts it back. Clusters with /etc/slurm/slurm.conf or configless SLURM
# don't need it.
cat >"$SCRATCH/bin/srun" <<EOF
#!/bin/sh
SLURM_CONF='$SLURM_CONF' exec '$(command -v srun)' "\$@"
EOF
chmod 755 "$SCRATCH/bin/srun"
export PATH="$SCRATCH/bin:$PATH"

for port in "$CTLD_PORT" "$SLURMD_PORT"; do
    port_in_use "$port" && die "port $port is in use (a SLURM daemon left by an earlier, killed" \
        "run of this test? Stop it, or choose other ports with SLURM_TEST_PORTS)"
done
slurmctld
wait_for 10 "slurmctld's pidfile" test -s "$STATE/slurmctld.pid" || die "slurmctld did not start"
slurmd
wait_for 10 "slurmd's pidfile" test -s "$STATE/slurmd.pid" || die "slurmd did not start"
log "started slurmctld (pid $(cat "$STATE/slurmctld.pid")) and slurmd (pid $(cat "$STATE/slurmd.pid"))"
wait_for 60 "node $NODE to be idle" bash -c "[[ \"\$(sinfo -h -N -n '$NODE' -o %T)\" == idle ]]" \
    || die "node $NODE did not become idle"
[[ "$(timeout 60 srun -N1 -n1 hostname)" == "$(hostname)" ]] || die "'srun hostname' failed"
log "cluster up: node $NODE idle, 'srun hostname' works"
record "start daemons" "$(since "$T_DAEMONS")"

# ---------------------------------------------------------------------------------------
# The SLURM run: the SLURM profile, with status queries by squeue (no slurmdbd here).

PHASE="SLURM run"
T_SLURM=$(now)
log "SLURM run in $SLURM_RUN (log: $SCRATCH/slurm.log)"
rc=0
# On SIGINT Snakemake cancels its SLURM jobs and stops (on SIGTERM it would wait for the
# running ones). --foreground lets a Ctrl-C from the terminal reach Snakemake as well.
timeout --foreground -s INT -k 60 "$TIMEOUT" "$PY" "$HERE/scratch.py" slurm "$SLURM_RUN" \
    --slurm-status-command squeue \
    --slurm-init-seconds-before-status-checks "$STATUS_INIT" \
    --slurm-no-account \
    --max-threads "$CPUS" \
    >"$SCRATCH/slurm.log" 2>&1 || rc=$?
record "SLURM run" "$(since "$T_SLURM")"
if ((rc != 0)); then
    ((rc == 124)) && log "the SLURM run did not finish within ${TIMEOUT}s"
    die "the SLURM run failed (exit $rc)"
fi
log "SLURM run finished: $(grep -c 'has been submitted with SLURM jobid' "$SCRATCH/slurm.log") SLURM jobs"

# ---------------------------------------------------------------------------------------
# Compare every output of the two runs.

PHASE="compare"
T_COMPARE=$(now)
log "comparing $LOCAL_RUN and $SLURM_RUN"
rc=0
"$PY" "$HERE/scratch.py" compare "$LOCAL_RUN" "$SLURM_RUN" || rc=$?
record compare "$(since "$T_COMPARE")"
exit "$rc"

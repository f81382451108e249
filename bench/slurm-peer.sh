#!/bin/sh
# bench/slurm-peer.sh - the slurm-peer benchmark (issue 6, item 4): the same
# N `true` tasks (1,000 by default) through Butte and through Slurm, both
# started on this machine by this script; wall time of each and the ratio.
# Target: Butte >= 100x faster than `sbatch --array`.
#
# Butte side: bench/launch --tasks N (its own mesos-local, one agent, posix
#   isolation); its figure is first ACCEPT -> last TASK_FINISHED, and the
#   whole process (mesos-local start and stop included) is timed too.
# Slurm side: slurm-wlm + munge (installed with apt-get when missing and we
#   are root), one node = this host, every daemon private to a temp dir
#   (recipe: shared/reference/environment.md section 5), with
#   SchedulerParameters=batch_sched_delay=0 (Slurm's best case for arrays).
#   Array: submission of `sbatch --array=1-N --wrap true` -> squeue empty.
#   srun: N x `srun -n1 true`, one after another (srun is synchronous).
#
# Concurrency is matched: the Slurm node has CPUs = nproc (each task takes
# one cpu), and Butte runs with --concurrency nproc (nproc tasks at once).
#
# Usage: slurm-peer.sh --launch PATH --local PATH [--results FILE]
#          [--tasks N] [--srun N] [--deadline SECONDS]
# BUTTE_LAUNCHER_DIR etc. as for bench/launch (make bench-slurm sets them).
# When Slurm cannot be had (not root, no apt-get, install fails) it prints a
# "skipped" line, writes the row as "not run: <reason>" and exits 0.
# Exit 1 if either side fails or misses its deadline.

LAUNCH=./bench/launch LOCAL=./mesos-local RESULTS= TASKS=1000 SRUNS=1000 DEADLINE=1800
while [ $# -gt 0 ]; do
    case $1 in
    --launch) LAUNCH=$2; shift ;;
    --local) LOCAL=$2; shift ;;
    --results) RESULTS=$2; shift ;;
    --tasks) TASKS=$2; shift ;;
    --srun) SRUNS=$2; shift ;;
    --deadline) DEADLINE=$2; shift ;;
    *) echo "usage: slurm-peer.sh --launch PATH --local PATH [--results FILE]" \
            "[--tasks N] [--srun N] [--deadline S]" >&2; exit 2 ;;
    esac
    shift
done

NPROC=$(nproc)
now() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.2f\", $2 - $1 }"; }

# One row per benchmark in RESULTS.md: drop the old slurm-peer row (and the
# blank lines, as bench_write_row does), append the new one.
write_row() {
    [ -n "$RESULTS" ] || return 0
    date=$(date -u +%Y-%m-%dT%H:%MZ)
    mem=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
    commit=$(git -C "${BUTTE_SRCDIR:-.}" describe --always --dirty=+ 2>/dev/null)
    tmp="$RESULTS.tmp.$$"
    if [ -f "$RESULTS" ] && grep -q '^| benchmark |' "$RESULTS"; then
        grep -v -e '^| slurm-peer |' -e '^$' "$RESULTS" > "$tmp"
    else
        printf '%s\n' '# Benchmark results' \
            'One row per benchmark, refreshed by `make bench` (bench/local.mk).' \
            '| benchmark | date | machine | commit | figures | ratio to anchor |' \
            '|---|---|---|---|---|---|' > "$tmp"
    fi
    echo "| slurm-peer | $date | nproc $NPROC, $mem GiB | $commit | $1 | $2 |" >> "$tmp"
    mv "$tmp" "$RESULTS"
}

skip() {
    echo "bench-slurm: skipped: $1"
    write_row "not run: $1" "-"
    exit 0
}

# --- Slurm available?  Install it the way environment.md did.
if ! command -v sbatch >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || skip "slurm-wlm/munge not installed and not root to install them"
    command -v apt-get >/dev/null 2>&1 || skip "slurm-wlm/munge not installed and no apt-get"
    echo "slurm-peer: installing slurm-wlm and munge (apt-get)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge; } \
            > /tmp/slurm-peer-apt.$$.log 2>&1; then
        tail -5 /tmp/slurm-peer-apt.$$.log
        skip "apt-get install slurm-wlm munge failed"
    fi
    rm -f /tmp/slurm-peer-apt.$$.log
fi
[ "$(id -u)" = 0 ] || skip "slurmd needs root (SlurmdUser=root)"
[ -r /etc/munge/munge.key ] || skip "no /etc/munge/munge.key"

# --- Butte side first (seconds), while nothing else runs.
[ -x "$LAUNCH" ] && [ -x "$LOCAL" ] || { echo "slurm-peer: $LAUNCH or $LOCAL not built" >&2; exit 1; }
T0=$(now)
OUT=$("$LAUNCH" --tasks "$TASKS" --concurrency "$NPROC" --spawns 100 --local "$LOCAL")
RC=$?
BUTTE_PROC=$(secs "$T0" "$(now)")
echo "$OUT"
echo "slurm-peer: Butte whole process (mesos-local start/stop included): $BUTTE_PROC s"
# "launch: 1000 tasks (concurrency 2) in 5.12 s: 195 tasks/s; 0 failed; ..."
BUTTE=$(echo "$OUT" | sed -n 's/^launch: [0-9]* tasks (concurrency [0-9]*) in \([0-9.]*\) s.*/\1/p')
BFAILED=$(echo "$OUT" | sed -n 's/^launch: .* \([0-9]*\) failed;.*/\1/p')
if [ "$RC" != 0 ] || [ -z "$BUTTE" ]; then
    echo "slurm-peer: the Butte run failed (rc $RC, $BFAILED failed tasks)" >&2
    exit 1
fi

# --- Slurm side: private daemons under a temp dir, on free ports.
# Slurm's state and spool on the same file system as the agent's work_dir
# (BUTTE_BENCH_TMPDIR, /tmp by default), so neither side is favoured.
D=$(mktemp -d "${BUTTE_BENCH_TMPDIR:-/tmp}/slurm-peer.XXXXXX") || exit 1
chmod 755 "$D"
mkdir -p "$D/munge" "$D/state" "$D/spool" "$D/log"
chmod 700 "$D/munge"
cp /etc/munge/munge.key "$D/munge/munge.key" && chmod 400 "$D/munge/munge.key"

port_free() { ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }
P=16817
while ! port_free "$P" || ! port_free $((P + 1)); do P=$((P + 2)); done

stop_slurm() {
    if [ -f "$D/slurmctld.pid" ] && kill -0 "$(cat "$D/slurmctld.pid")" 2>/dev/null; then
        scontrol shutdown >/dev/null 2>&1
    fi
    # scontrol shutdown stops slurmctld and slurmd within ~2 s; then by pid.
    for p in slurmctld slurmd; do
        f="$D/$p.pid"
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        kill "$pid" 2>/dev/null
    done
    [ -f "$D/munge/munged.pid" ] && kill "$(cat "$D/munge/munged.pid")" 2>/dev/null
    if [ -z "$KEEP" ]; then rm -rf "$D"; else echo "slurm-peer: logs kept in $D"; fi
}
KEEP=
trap 'stop_slurm' EXIT
trap 'exit 1' INT TERM

munged --force --socket="$D/munge/munge.sock" --key-file="$D/munge/munge.key" \
    --log-file="$D/log/munged.log" --pid-file="$D/munge/munged.pid" \
    --seed-file="$D/munge/munged.seed" || { KEEP=1; echo "slurm-peer: munged failed" >&2; exit 1; }

NODE=$(hostname -s)
MEM=$(awk '/^MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
cat > "$D/slurm.conf" <<EOF
ClusterName=slurmpeer
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$P
SlurmdPort=$((P + 1))
SrunPortRange=60001-60999
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
ReturnToService=2
MaxArraySize=$((TASKS + 1))
MaxJobCount=$((TASKS * 10 + 10000))
MailProg=/bin/true
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$NPROC RealMemory=$MEM State=UNKNOWN
PartitionName=bench Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
SLURM_CONF="$D/slurm.conf"
export SLURM_CONF
slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" -N "$NODE" ||
    { KEEP=1; echo "slurm-peer: slurmctld/slurmd failed to start" >&2; exit 1; }

# Wait (deadline 60 s) until the node is idle.
i=0
until [ "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" = idle ]; do
    i=$((i + 1))
    if [ $i -gt 600 ]; then
        KEEP=1; echo "slurm-peer: node $NODE not idle after 60 s" >&2; sinfo >&2; exit 1
    fi
    sleep 0.1
done
echo "slurm-peer: Slurm $(sinfo -V | cut -d' ' -f2) up on $NODE, ports $P/$((P + 1)), CPUs=$NPROC"

# srun loop (synchronous, one at a time).
SRUN=
if [ "$SRUNS" -gt 0 ]; then
    T0=$(now)
    i=0
    while [ $i -lt "$SRUNS" ]; do
        srun -Q -n1 true || { KEEP=1; echo "slurm-peer: srun $i failed" >&2; exit 1; }
        i=$((i + 1))
    done
    SRUN=$(secs "$T0" "$(now)")
    echo "slurm-peer: $SRUNS x srun -n1 true: $SRUN s"
fi

# Array: submission -> no task pending/running, polled every 0.5 s.
T0=$(now)
J=$(sbatch --parsable --array=1-"$TASKS" -o /dev/null -e /dev/null --wrap=true) ||
    { KEEP=1; echo "slurm-peer: sbatch failed" >&2; exit 1; }
LIMIT=$(awk "BEGIN { printf \"%.3f\", $T0 + $DEADLINE }")
LAST=0
while :; do
    # squeue's own status: a dead controller must not look like "all done".
    Q=$(squeue -h -r -j "$J" -o %i) || { KEEP=1; echo "slurm-peer: squeue failed" >&2; exit 1; }
    LEFT=$(printf '%s' "$Q" | grep -c .)
    [ "$LEFT" = 0 ] && break
    T=$(now)
    if awk "BEGIN { exit !($T > $LIMIT) }"; then
        KEEP=1; echo "slurm-peer: array $J: $LEFT tasks left after $DEADLINE s" >&2; exit 1
    fi
    if awk "BEGIN { exit !($T - $T0 >= $LAST + 60) }"; then
        LAST=$((LAST + 60)); echo "slurm-peer: array $J: $LEFT of $TASKS left after $LAST s"
    fi
    sleep 0.5
done
ARRAY=$(secs "$T0" "$(now)")
# Finished jobs leave slurmctld's memory after MinJobAge (300 s) and there
# is no accounting, so the controller's log is the record of exit statuses.
OK=$(grep -E "_job_complete: JobId=${J}_[0-9]+\([0-9]+\) WEXITSTATUS 0\$" "$D/log/slurmctld.log" |
    sed 's/.*JobId=\([^ ]*\).*/\1/' | sort -u | wc -l)
echo "slurm-peer: sbatch --array=1-$TASKS: $ARRAY s ($OK tasks exited 0)"
if [ "$OK" != "$TASKS" ]; then
    KEEP=1; echo "slurm-peer: only $OK of $TASKS array tasks exited 0" >&2; exit 1
fi

R_ARRAY=$(awk "BEGIN { printf \"%.0f\", $ARRAY / $BUTTE }")
R_ARRAY_P=$(awk "BEGIN { printf \"%.0f\", $ARRAY / $BUTTE_PROC }")
FIG="$TASKS \`true\` tasks, $NPROC at once on both sides; Butte (bench/launch, 1 agent, posix; both sides' state under ${BUTTE_BENCH_TMPDIR:-/tmp}): $BUTTE s ACCEPT->FINISHED, $BUTTE_PROC s for the whole process incl. mesos-local start/stop; Slurm $(sinfo -V | cut -d' ' -f2) (1 node, batch_sched_delay=0): sbatch --array $ARRAY s submit->squeue empty"
RAT="array: Butte ${R_ARRAY}x faster (${R_ARRAY_P}x counting mesos-local start; target >= 100x)"
if [ -n "$SRUN" ]; then
    R_SRUN=$(awk "BEGIN { printf \"%.0f\", $SRUN / $BUTTE }")
    FIG="$FIG; $SRUNS x srun -n1 true (sequential) $SRUN s"
    RAT="$RAT; srun loop: ${R_SRUN}x"
fi
echo "slurm-peer: $RAT"
write_row "$FIG" "$RAT"

# shellcheck shell=sh
# tests/integration/cgroups-lib.sh - what the cgroups-*.sh tests share:
# the skip check (cgroup v1 cpu, cpuacct and memory hierarchies writable
# here; a pids hierarchy is used where it is writable too, never
# required), a cgroups_root unique to this run (the agent's recovery destroys
# every cgroup under its root, and tests run in parallel), a master and
# agents with cgroups isolation, and mesos-execute runs.  Sourced after
# lib.sh.
#
# Sets: HIER, CG_ROOT, PY (the real interpreter, not a shim), CG_HIERS
# (the v1 hierarchies this run made its root in, "pids" last when there)
# and CG_PIDS (yes when the pids hierarchy is usable, else empty).  A test
# sets CG_ISOLATION before start_agent to change --isolation (default
# cgroups/cpu,cgroups/mem).

HIER=/sys/fs/cgroup
CG_ROOT=butte_test_$$
PY=$(python3 -c 'import sys; print(sys.executable)')
DEADLINE=${EXEC_DEADLINE:-60}

[ -x "$BUTTE_BUILDDIR/mesos-master" ] || fail "mesos-master is not built"
[ -x "$BUTTE_BUILDDIR/mesos-agent" ] || fail "mesos-agent is not built"
[ -x "$BUTTE_BUILDDIR/mesos-execute" ] || fail "mesos-execute is not built"
BUTTE_LAUNCHER_DIR=$BUTTE_BUILDDIR
export BUTTE_LAUNCHER_DIR

# Skip (77) only where cgroup v1 memory/cpu cannot be written.
[ "$(id -u)" = 0 ] || skip "cgroups need root"
for _h in cpu cpuacct memory; do
    [ -d "$HIER/$_h" ] && grep -q " $HIER/$_h cgroup " /proc/mounts ||
        skip "no cgroup v1 $_h hierarchy at $HIER/$_h"
    mkdir "$HIER/$_h/$CG_ROOT" 2>/dev/null || skip "cannot create a cgroup in $HIER/$_h"
done
CG_HIERS="cpu cpuacct memory"
CG_PIDS=
if [ -d "$HIER/pids" ] && grep -q " $HIER/pids cgroup " /proc/mounts &&
    mkdir "$HIER/pids/$CG_ROOT" 2>/dev/null; then
    CG_HIERS="$CG_HIERS pids"
    CG_PIDS=yes
fi

# cgroups under this run's root, one per line as SUBSYSTEM/NAME.
cg_left() {
    for _h in $CG_HIERS; do
        for _d in "$HIER/$_h/$CG_ROOT"/*/; do
            [ -d "$_d" ] && echo "$_h/$(basename "$_d")"
        done
    done
}
cg_none() { [ -z "$(cg_left)" ]; }

# The container cgroup names (container ids) under this run's root.
cg_containers() {
    for _d in "$HIER/memory/$CG_ROOT"/*/; do
        [ -d "$_d" ] && basename "$_d"
    done
}

# Whatever a failing test left: its processes killed, its cgroups and the
# root removed (after lib.sh's cleanup has killed the roles).
cg_cleanup() {
    cleanup
    for _h in $CG_HIERS; do
        for _d in "$HIER/$_h/$CG_ROOT"/*/; do
            [ -d "$_d" ] || continue
            # shellcheck disable=SC2046
            kill -KILL $(cat "$_d/cgroup.procs") 2>/dev/null
            wait_until 10 rmdir "$_d" 2>/dev/null
        done
        rmdir "$HIER/$_h/$CG_ROOT" 2>/dev/null
    done
}
trap cg_cleanup EXIT

start_master() {
    start_role mesos-master --registry=in_memory
    MASTER_PORT=$ROLE_PORT
    MASTER_URL=$ROLE_URL
}

# start_agent WORK_DIR FLAGS... - a mesos-agent with cgroups isolation
# under this run's root; sets AGENT_PID, AGENT_URL, AGENT_LOG.
start_agent() {
    _work=$1
    shift
    start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$_work" \
        "--runtime_dir=$_work/run" "--isolation=${CG_ISOLATION:-cgroups/cpu,cgroups/mem}" \
        "--cgroups_root=$CG_ROOT" --cgroups_destroy_timeout=20secs \
        --resources='cpus:2;mem:1024;disk:1024;ports:[31000-31099]' "$@"
    AGENT_PID=$ROLE_PID
    AGENT_URL=$ROLE_URL
    AGENT_LOG=$ROLE_LOG
    wait_until "$DEADLINE" grep -q 'registered with the master' "$AGENT_LOG" || {
        cat "$AGENT_LOG" >&2
        fail "the agent did not register"
    }
}

# execute NAME ARGS... - mesos-execute in the background, output in
# $TEST_TMP/NAME.out; sets EXEC_PID and EXEC_OUT.
execute() {
    EXEC_OUT=$TEST_TMP/$1.out
    shift
    note "mesos-execute $*"
    timeout -s KILL "$DEADLINE" "$BUTTE_BUILDDIR/mesos-execute" \
        "--master=127.0.0.1:$MASTER_PORT" "$@" >"$EXEC_OUT" 2>&1 &
    EXEC_PID=$!
}

# states FILE TASK - the task's states in FILE, one line, in order.
states() {
    sed -n "s/^Received status update \\(TASK_[A-Z_]*\\) for task '$2'\$/\\1/p" "$1" |
        tr '\n' ' ' | sed 's/ $//'
}

# shellcheck shell=sh
# tests/integration/exec-lib.sh - what the exec-*.sh tests share: a master
# and one agent (extra agent flags in $@), and exec-sched.py runs.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
DEADLINE=${EXEC_DEADLINE:-60}
PYEXEC=$BUTTE_SRCDIR/tests/integration/exec-pyexec.py
SCHED=$BUTTE_SRCDIR/tests/integration/exec-sched.py
# The interpreter itself (a pyenv-style shim would rewrite PATH).
PY=$(python3 -c 'import sys; print(sys.executable)')

# start_cluster AGENT_FLAGS... - mesos-master and one mesos-agent; sets
# MASTER_PORT, AGENT_URL, AGENT_PID, AGENT_LOG, WORK (the agent's work_dir).
start_cluster() {
    [ -x "$BUTTE_BUILDDIR/mesos-master" ] || skip "mesos-master is not built yet"
    [ -x "$BUTTE_BUILDDIR/mesos-agent" ] || skip "mesos-agent is not built yet"
    start_role mesos-master --registry=in_memory
    MASTER_PORT=$ROLE_PORT
    WORK=$TEST_TMP/agent
    start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$WORK" \
        --resources='cpus:2;mem:1024;disk:1024;ports:[31000-31099]' "$@"
    AGENT_URL=$ROLE_URL
    AGENT_PID=$ROLE_PID
    AGENT_LOG=$ROLE_LOG
    wait_until "$DEADLINE" grep -q 'registered with the master' "$AGENT_LOG" ||
        fail "the agent did not register"
}

# sched NAME ARGS... - run exec-sched.py; output in $TEST_TMP/NAME.out
# (shown), exit status in SCHED_RC.
sched() {
    _name=$1
    shift
    SCHED_OUT=$TEST_TMP/$_name.out
    timeout -s KILL $((DEADLINE + 30)) python3 "$SCHED" --master "127.0.0.1:$MASTER_PORT" \
        --timeout "$DEADLINE" "$@" >"$SCHED_OUT" 2>&1
    SCHED_RC=$?
    sed "s/^/  [$_name] /" "$SCHED_OUT"
}

# sandbox_of TASK_OR_EXECUTOR_ID - the latest run directory of that executor.
sandbox_of() {
    _d=$(find "$WORK/slaves" -type d -path "*/executors/$1/runs" 2>/dev/null | head -n 1)
    [ -n "$_d" ] && echo "$_d/latest"
}

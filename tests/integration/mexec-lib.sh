# shellcheck shell=sh
# tests/integration/mexec-lib.sh - what the mesos-execute tests share:
# a cluster (mesos-local when it is built, else mesos-master and one
# mesos-agent whose --launcher_dir comes from BUTTE_LAUNCHER_DIR = the build
# tree, where mesos-executor is), and run_execute.  Sourced after lib.sh.
#
# The tests skip (77) only while the agent has no /api/v1/executor route
# (a POST without a body answers 404 then); with the route they must pass.

# Seconds mesos-execute may take for one task (it never takes that long
# unless something is broken; the deadline only fails the test).
EXEC_DEADLINE=${EXEC_DEADLINE:-60}

[ -x "$BUTTE_BUILDDIR/mesos-execute" ] || fail "mesos-execute is not built"
[ -x "$BUTTE_BUILDDIR/mesos-executor" ] || fail "mesos-executor is not built"
BUTTE_LAUNCHER_DIR=$BUTTE_BUILDDIR
export BUTTE_LAUNCHER_DIR

if [ -x "$BUTTE_BUILDDIR/mesos-local" ]; then
    start_role mesos-local --num_slaves=1 "--work_dir=$TEST_TMP/local" \
        --resources='cpus:2;mem:1024;disk:1024;ports:[31000-31099]'
    MASTER_PORT=$ROLE_PORT
    AGENT_URL=$ROLE_URL
    AGENT_WORK_DIR=$TEST_TMP/local
else
    start_role mesos-master --registry=in_memory
    MASTER_PORT=$ROLE_PORT
    start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent" \
        --resources='cpus:2;mem:1024;disk:1024;ports:[31000-31099]'
    AGENT_URL=$ROLE_URL
    AGENT_WORK_DIR=$TEST_TMP/agent
fi
MASTER_URL=http://127.0.0.1:$MASTER_PORT

probe=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST \
    "$AGENT_URL/api/v1/executor") || fail "could not reach the agent"
[ "$probe" != 404 ] || skip "the agent has no /api/v1/executor yet"

agent_registered() {
    curl -sS --max-time 5 -o "$TEST_TMP/state.json" "$MASTER_URL/state" 2>/dev/null || return 1
    [ "$(json_get "$TEST_TMP/state.json" 'len(d["slaves"]) >= 1')" = true ]
}
wait_until 30 agent_registered || fail "no agent registered with the master"

# run_execute ARGS... - run mesos-execute against the master to its end.
# Sets EXEC_STATUS and EXEC_OUT (stdout and stderr).
EXEC_N=0
run_execute() {
    EXEC_N=$((EXEC_N + 1))
    EXEC_OUT=$TEST_TMP/execute.$EXEC_N.out
    note "mesos-execute $*"
    timeout -s KILL "$EXEC_DEADLINE" "$BUTTE_BUILDDIR/mesos-execute" \
        "--master=127.0.0.1:$MASTER_PORT" "$@" >"$EXEC_OUT" 2>&1
    EXEC_STATUS=$?
    cat "$EXEC_OUT"
    [ "$EXEC_STATUS" -ne 137 ] || fail "mesos-execute did not end within ${EXEC_DEADLINE}s"
}

# states FILE TASK - the task's states in FILE, one line, in order.
states() {
    sed -n "s/^Received status update \\(TASK_[A-Z_]*\\) for task '$2'\$/\\1/p" "$1" |
        tr '\n' ' ' | sed 's/ $//'
}

# sandbox EXECUTOR - the latest run directory of that executor (mesos-local
# keeps its agents' work_dirs somewhere under its own).
sandbox() {
    find "$AGENT_WORK_DIR" -path "*/slaves/*/frameworks/*/executors/$1/runs/latest" \
        2>/dev/null | sort | tail -n 1
}


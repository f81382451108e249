#!/bin/sh
# exec-custom: a custom executor (tests/integration/exec-pyexec.py, Python
# stdlib only, speaking the v1 executor API) runs one task, then a
# LAUNCH_GROUP of two tasks runs under one executor.  Checks the sandbox
# layout, the executor's environment, SUBSCRIBED, ACKNOWLEDGED after each
# stored update, and that every update reaches the scheduler with one ack.
. "${BUTTE_SRCDIR:-.}/tests/integration/exec-lib.sh"

start_cluster

note "one task on a custom executor ends TASK_FINISHED"
sched custom --executor "exec $PY $PYEXEC finish" --expect TASK_FINISHED
[ "$SCHED_RC" -eq 0 ] || fail "custom executor task did not finish (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_RUNNING - SOURCE_EXECUTOR' "$SCHED_OUT" "RUNNING from the executor"
expect_grep 'UPDATE .* TASK_FINISHED - SOURCE_EXECUTOR done' "$SCHED_OUT" "FINISHED from the executor"
EID=$(find "$WORK/slaves" -type d -path '*/executors/*' -prune -name 'e-*' | head -n 1 | xargs basename)
[ -n "$EID" ] || fail "no executor sandbox under $WORK/slaves"
BOX=$(sandbox_of "$EID")
[ -L "$(dirname "$BOX")/latest" ] || fail "runs/latest is not a symlink"
[ -f "$BOX/stdout" ] && [ -f "$BOX/stderr" ] || fail "no stdout/stderr in $BOX"
wait_until "$DEADLINE" grep -q '^EXIT' "$BOX/stdout" || {
    cat "$BOX/stdout" "$BOX/stderr" >&2
    fail "the executor did not exit cleanly"
}
expect_grep '^SUBSCRIBE 200 chunked=True ctype=application/json' "$BOX/stdout" "SUBSCRIBE stream"
expect_grep '^SUBSCRIBED executor=e-' "$BOX/stdout" "SUBSCRIBED event"
expect_grep '^ACKNOWLEDGED .* TASK_FINISHED' "$BOX/stdout" "ACKNOWLEDGED after the update was stored"
expect_grep '"MESOS_AGENT_ENDPOINT": "127.0.0.1:' "$BOX/stdout" "MESOS_AGENT_ENDPOINT"
REAL=$(cd "$BOX" && pwd -P)
expect_grep "\"MESOS_DIRECTORY\": \"$REAL\"" "$BOX/stdout" "MESOS_DIRECTORY is the sandbox"
expect_grep "\"MESOS_SANDBOX\": \"$REAL\"" "$BOX/stdout" "MESOS_SANDBOX is the sandbox"
expect_grep '"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs"' "$BOX/stdout" "grace period"
expect_grep '"MESOS_CHECKPOINT": "0"' "$BOX/stdout" "MESOS_CHECKPOINT"
expect_grep '"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"' \
    "$BOX/stdout" "a fresh PATH, not the agent's"
if grep -q '"BUTTE_BUILDDIR"' "$BOX/stdout"; then fail "the agent's environment leaked"; fi

note "a LAUNCH_GROUP of two tasks runs under one executor"
sched group --executor "exec $PY $PYEXEC finish" --group 2 --expect TASK_FINISHED
[ "$SCHED_RC" -eq 0 ] || fail "task group did not finish (rc $SCHED_RC)"
expect_eq "$(grep -c 'UPDATE .* TASK_FINISHED' "$SCHED_OUT")" 2 "two tasks finished"
GEID=$(ls "$WORK"/slaves/*/frameworks/*/executors | grep '^e-' | grep -v "^$EID\$" | head -n 1)
GBOX=$(sandbox_of "$GEID")
wait_until "$DEADLINE" grep -q '^EXIT' "$GBOX/stdout" || fail "group executor did not exit"
expect_eq "$(grep -c '^LAUNCH_GROUP ' "$GBOX/stdout")" 1 "one LAUNCH_GROUP event"
expect_eq "$(grep -c '^SUBSCRIBED ' "$GBOX/stdout")" 1 "one executor for both tasks"
expect_grep '^LAUNCH_GROUP t-[^ ]*-1 t-[^ ]*-2' "$GBOX/stdout" "both tasks in the group"
exit 0

#!/bin/sh
# mexec-kill: --kill_after kills a task whose shell ignores SIGTERM and has
# a background child: after the grace period (SIGKILL to its process group)
# it ends TASK_KILLED, mesos-execute exits non-zero, and no process of the
# task's tree is left (checked in /proc by a token in their command lines).
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
. "$BUTTE_SRCDIR/tests/integration/mexec-lib.sh"

TOKEN=$((7000000 + $$))
# processes whose command line holds the token (the test's own are not
# counted: only "sleep TOKEN" and "sh -c ...TOKEN...")
tree() {
    for d in /proc/[0-9]*; do
        tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q "sleep $TOKEN" && echo "${d#/proc/}"
    done
}
tree_up() { [ "$(tree | wc -l)" -ge 2 ]; }
tree_gone() { [ -z "$(tree)" ]; }

EXEC_N=1
EXEC_OUT=$TEST_TMP/execute.kill.out
timeout -s KILL "$EXEC_DEADLINE" "$BUTTE_BUILDDIR/mesos-execute" \
    "--master=127.0.0.1:$MASTER_PORT" --name=stubborn --kill_after=1secs \
    --command="trap '' TERM; sleep $TOKEN & sleep $TOKEN; wait" >"$EXEC_OUT" 2>&1 &
EXEC_PID=$!
wait_until 30 tree_up || { cat "$EXEC_OUT"; fail "the task's processes never showed up"; }
note "task tree: $(tree | tr '\n' ' ')"
wait "$EXEC_PID"
EXEC_STATUS=$?
cat "$EXEC_OUT"
[ "$EXEC_STATUS" -ne 137 ] || fail "mesos-execute did not end within ${EXEC_DEADLINE}s"
[ "$EXEC_STATUS" -ne 0 ] || fail "mesos-execute exited 0 for a killed task"
expect_grep "^Killing task 'stubborn'\$" "$EXEC_OUT" "kill sent"
expect_eq "$(states "$EXEC_OUT" stubborn)" "TASK_STARTING TASK_RUNNING TASK_KILLED" "states"
wait_until 10 tree_gone || fail "processes of the killed task are left: $(tree | tr '\n' ' ')"
exit 0

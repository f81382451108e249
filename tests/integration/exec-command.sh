#!/bin/sh
# exec-command: command tasks through the built-in mesos-executor found in
# --launcher_dir ($BUTTE_LAUNCHER_DIR in the build tree): `echo hi; exit 3`
# ends TASK_FAILED with the exit status and "hi" in the sandbox's stdout;
# `true` ends TASK_FINISHED.  Then a user that does not exist, and an agent
# whose --launcher_dir holds no mesos-executor: TASK_FAILED saying so.
. "${BUTTE_SRCDIR:-.}/tests/integration/exec-lib.sh"

[ -x "$BUTTE_LAUNCHER_DIR/mesos-executor" ] || skip "mesos-executor is not built yet"
start_cluster

note "echo hi; exit 3 -> TASK_FAILED, exit status 3, hi in stdout"
sched fail3 --command 'echo hi; exit 3' --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "the task did not end TASK_FAILED (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_FAILED .*exited with status 3' "$SCHED_OUT" "exit status in the message"
TID=$(sed -n 's/^LAUNCHED \([^ ]*\).*/\1/p' "$SCHED_OUT")
BOX=$(sandbox_of "$TID")
[ -n "$BOX" ] || fail "no sandbox for $TID"
expect_grep '^hi$' "$BOX/stdout" "the sandbox's stdout"

note "true -> TASK_FINISHED"
sched true --command true --expect TASK_FINISHED
[ "$SCHED_RC" -eq 0 ] || fail "true did not finish (rc $SCHED_RC)"

note "a user that does not exist -> TASK_FAILED naming it"
sched nouser --command true --user butte-no-such-user --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "bad user did not fail the task (rc $SCHED_RC)"
expect_grep "UPDATE .* TASK_FAILED REASON_CONTAINER_LAUNCH_FAILED SOURCE_AGENT .*butte-no-such-user.*does not exist" \
    "$SCHED_OUT" "the message names the user"

note "no mesos-executor in --launcher_dir -> TASK_FAILED saying so"
start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent2" \
    --resources='cpus:2;mem:1024' "--launcher_dir=$TEST_TMP/nowhere" --hostname=agent2
wait_until "$DEADLINE" grep -q 'registered with the master' "$ROLE_LOG" ||
    fail "the second agent did not register"
sched nobin --command true --hostname agent2 --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "missing executor did not fail the task (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_FAILED REASON_CONTAINER_LAUNCH_FAILED SOURCE_AGENT executor binary .*mesos-executor.* not found' \
    "$SCHED_OUT" "the message says the executor binary is missing"
exit 0

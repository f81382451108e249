#!/bin/sh
# exec-lifecycle: what the agent does to executors on its own.
#  - SHUTDOWN of an executor that traps SIGTERM and ignores SHUTDOWN: after
#    ExecutorInfo.shutdown_grace_period the agent kills its whole tree (a
#    child in a process group of its own included, checked in /proc) and the
#    task ends TASK_KILLED.
#  - An executor that exits on its own: TASK_FAILED, REASON_EXECUTOR_TERMINATED,
#    the exit status in the message.
#  - An executor that never subscribes: destroyed after
#    --executor_registration_timeout, REASON_EXECUTOR_REGISTRATION_TIMEOUT.
. "${BUTTE_SRCDIR:-.}/tests/integration/exec-lib.sh"

start_cluster --executor_registration_timeout=3secs

note "SHUTDOWN ignored: SIGKILL after the grace period, TASK_KILLED, no process left"
sched stubborn --executor "exec $PY $PYEXEC stubborn" --shutdown-on TASK_RUNNING --grace 1 \
    --expect TASK_KILLED
[ "$SCHED_RC" -eq 0 ] || fail "the task did not end TASK_KILLED (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_KILLED REASON_EXECUTOR_TERMINATED SOURCE_AGENT' "$SCHED_OUT" \
    "killed by the agent"
EID=$(ls "$WORK"/slaves/*/frameworks/*/executors | head -n 1)
BOX=$(sandbox_of "$EID")
expect_grep '^SHUTDOWN' "$BOX/stdout" "the executor got SHUTDOWN"
CHILD=$(cat "$BOX/sleep.pid")
[ -n "$CHILD" ] || fail "the executor did not start its child"
wait_until "$DEADLINE" dead "$CHILD" || fail "the executor's child $CHILD (own process group) is still alive"
for p in $(pgrep -x sleep) $(pgrep -f exec-pyexec.py); do
    case $(readlink "/proc/$p/cwd" 2>/dev/null) in
    "$WORK"/*) alive "$p" && fail "process $p of the executor's tree is left" ;;
    esac
done

note "an executor that exits on its own: TASK_FAILED with its exit status"
sched crash --executor 'exit 7' --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "the task did not end TASK_FAILED (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_FAILED REASON_EXECUTOR_TERMINATED SOURCE_AGENT Executor terminated: exited with status 7' \
    "$SCHED_OUT" "exit status in the message"

note "an executor that never subscribes: registration timeout"
sched silent --executor 'exec sleep 1000' --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "the task did not end TASK_FAILED (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_FAILED REASON_EXECUTOR_REGISTRATION_TIMEOUT SOURCE_AGENT Executor did not register within 3secs' \
    "$SCHED_OUT" "registration timeout"
stop_role TERM "$AGENT_PID"
exit 0

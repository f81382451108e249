#!/bin/sh
# mexec-command: mesos-execute runs one command task through mesos-executor.
# 'echo hi; exit 3' goes STAGING -> STARTING -> RUNNING -> FAILED with the
# exit status in the message, mesos-execute exits non-zero and the sandbox
# stdout holds "hi"; 'true' finishes and exits 0 (protobuf and JSON); the
# argv form (--no-shell) and --env reach the task.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
. "$BUTTE_SRCDIR/tests/integration/mexec-lib.sh"

note "a failing shell command"
run_execute --name=fail3 --command='echo hi; exit 3'
[ "$EXEC_STATUS" -ne 0 ] || fail "mesos-execute exited 0 for a failed task"
expect_grep "^Submitted task 'fail3' to agent '" "$EXEC_OUT" "submitted"
expect_grep "^Task 'fail3' is TASK_STAGING\$" "$EXEC_OUT" "staging"
expect_eq "$(states "$EXEC_OUT" fail3)" "TASK_STARTING TASK_RUNNING TASK_FAILED" "fail3 states"
expect_grep "^  message: 'Command exited with status 3'\$" "$EXEC_OUT" "exit status message"
expect_grep "^  source: SOURCE_EXECUTOR\$" "$EXEC_OUT" "source"
dir=$(sandbox fail3)
[ -n "$dir" ] || fail "no sandbox for executor fail3 under $AGENT_WORK_DIR"
expect_grep '^hi$' "$dir/stdout" "sandbox stdout"

note "a command that succeeds (protobuf, then JSON)"
run_execute --name=ok-pb --command=true
expect_eq "$EXEC_STATUS" 0 "mesos-execute exit status for true"
expect_eq "$(states "$EXEC_OUT" ok-pb)" "TASK_STARTING TASK_RUNNING TASK_FINISHED" "ok-pb states"
run_execute --name=ok-json --command=true --content_type=json
expect_eq "$EXEC_STATUS" 0 "mesos-execute exit status with JSON"
expect_eq "$(states "$EXEC_OUT" ok-json)" "TASK_STARTING TASK_RUNNING TASK_FINISHED" \
    "ok-json states"

note "argv form and environment"
run_execute --name=argv --no-shell --command='/bin/echo argv-form;$HOME'
expect_eq "$EXEC_STATUS" 0 "argv form"
expect_grep '^argv-form;[$]HOME$' "$(sandbox argv)/stdout" "argv form: no shell in between"
run_execute --name=envt --command='echo "v=$BUTTE_T"; pwd' '--env={"BUTTE_T":"x y"}'
expect_eq "$EXEC_STATUS" 0 "env task"
dir=$(sandbox envt)
expect_grep '^v=x y$' "$dir/stdout" "--env reaches the task"
expect_grep "^$(cd "$dir" && pwd -P)\$" "$dir/stdout" "the task runs in its sandbox"

note "bad command lines"
run_execute --name=zk --command=true --master=zk://127.0.0.1:2181/mesos
expect_eq "$EXEC_STATUS" 2 "zk:// master"
expect_grep 'not implemented yet' "$EXEC_OUT" "zk:// refused"
exit 0

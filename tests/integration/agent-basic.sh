#!/bin/sh
# agent-basic: mesos-agent needs --master and --work_dir, serves the common
# endpoints (also under /slave(1)), stops on SIGTERM; mesos-slave is the
# same program.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

note "no --master"
run_role mesos-agent "--work_dir=$TEST_TMP/agent"
[ "$RUN_STATUS" -ne 0 ] || fail "mesos-agent started without --master"
expect_one_line "$RUN_ERR" "no --master"
expect_grep "--master" "$RUN_ERR" "missing --master is named"

for prog in mesos-agent mesos-slave; do
    note "$prog"
    [ -e "$BUTTE_BUILDDIR/$prog" ] || fail "$BUTTE_BUILDDIR/$prog does not exist"
    start_role "$prog" --master=127.0.0.1:5050 "--work_dir=$TEST_TMP/$prog"
    expect_grep "agent listening on 127.0.0.1:$ROLE_PORT" "$ROLE_LOG" "start-up log"
    http GET /health
    expect_eq "$HTTP_STATUS" 200 "$prog GET /health"
    http GET '/slave(1)/health'
    expect_eq "$HTTP_STATUS" 200 "$prog GET /slave(1)/health"
    http GET /flags
    expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["master"]')" 127.0.0.1:5050 "flags.master"
    http GET /version
    expect_eq "$(json_get "$HTTP_BODY" 'd["version"]')" 1.12.0 "$prog version"
    stop_role TERM
done
exit 0

#!/bin/sh
# agent-two: mesos-local --num_slaves=2 with room for two tasks per agent;
# pysched launches 4 tasks, on both agents, and every one reaches
# TASK_FINISHED: each executor talks to its own agent (the one that
# launched it).  Each agent serves /slave(N)/monitor/statistics and
# /slave(N)/files; the bare /state stays the master's.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

[ -x "$BUTTE_BUILDDIR/mesos-local" ] || skip "mesos-local is not built"
[ -x "$BUTTE_BUILDDIR/mesos-executor" ] || skip "mesos-executor is not built"
PYSCHED=$BUTTE_SRCDIR/tests/integration/pysched.py
DEADLINE=60
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

start_role mesos-local --num_slaves=2 "--work_dir=$TEST_TMP/local" \
    '--resources=cpus:0.2;mem:128;disk:64' --registration_backoff_factor=10ms

two_active() {
    http GET /master/state
    [ "$HTTP_STATUS" = 200 ] || return 1
    [ "$(json_get "$HTTP_BODY" 'sum(1 for s in d["slaves"] if s["active"])')" = 2 ]
}
wait_until 30 two_active || fail "/master/state did not list 2 active agents"

note "endpoints under each prefix"
for n in 1 2; do
    http GET "/slave($n)/monitor/statistics"
    expect_eq "$HTTP_STATUS" 200 "GET /slave($n)/monitor/statistics"
    http GET "/slave($n)/files/debug"
    expect_eq "$HTTP_STATUS" 200 "GET /slave($n)/files/debug"
done
http GET /state
expect_eq "$HTTP_STATUS" 200 "GET /state"
json_get "$HTTP_BODY" 'd["activated_slaves"]' >/dev/null ||
    fail "the bare /state is not the master's"

note "4 tasks, 2 per agent"
# sleep a little so that the tasks of both agents overlap
timeout -s KILL $((DEADLINE + 30)) python3 "$PYSCHED" --master "127.0.0.1:$ROLE_PORT" \
    --tasks 4 --cpus 0.1 --mem 32 --command 'sleep 0.5' --timeout "$DEADLINE" \
    >"$TEST_TMP/sched.out" 2>&1
rc=$?
sed 's/^/  [pysched] /' "$TEST_TMP/sched.out"
[ "$rc" -eq 0 ] || fail "pysched exited $rc"
agents=$(sed -n 's/^LAUNCH .* agent=//p' "$TEST_TMP/sched.out" | sort -u | wc -l)
expect_eq "$agents" 2 "agents the tasks ran on"
n=$(grep -c '^UPDATE .* TASK_FINISHED' "$TEST_TMP/sched.out")
expect_eq "$n" 4 "TASK_FINISHED updates"
for n in 1 2; do
    boxes=$(find "$TEST_TMP/local/agents/$n/slaves" -name stdout 2>/dev/null | wc -l)
    [ "$boxes" -ge 1 ] || fail "agent $n ran no executor"
done
! grep -q 'did not subscribe' "$ROLE_LOG" || fail "an executor did not reach its agent"
stop_role TERM
exit 0

#!/bin/sh
# local-basic: mesos-local --num_slaves=2 runs one master and two agents in
# one process.  /master/state lists both agents activated, with distinct
# ids and pids slave(1)@ip:port and slave(2)@ip:port on the one port; each
# agent answers under /slave(N)/state with its own id; the bare /state is
# the master's; the agents' sandboxes are under --work_dir/agents/N;
# --num_agents is accepted; a bad flag stops start-up with one line; SIGTERM
# stops everything with status 0.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

[ -x "$BUTTE_BUILDDIR/mesos-local" ] || skip "mesos-local is not built"

note "bad --num_slaves and --registry"
run_role mesos-local --num_slaves=-1 "--work_dir=$TEST_TMP/bad"
[ "$RUN_STATUS" -eq 1 ] || fail "--num_slaves=-1: status $RUN_STATUS"
expect_one_line "$RUN_ERR" "--num_slaves=-1"
expect_grep "flag '--num_slaves'" "$RUN_ERR" "--num_slaves is named"
run_role mesos-local --registry=replicated_log "--work_dir=$TEST_TMP/bad"
[ "$RUN_STATUS" -eq 1 ] || fail "--registry=replicated_log: status $RUN_STATUS"
expect_grep "flag '--registry'" "$RUN_ERR" "--registry is named"

note "two agents"
start_role mesos-local --num_slaves=2 "--work_dir=$TEST_TMP/local" \
    '--resources=cpus:2;mem:512;disk:1024;ports:[31000-31009]' --registration_backoff_factor=10ms

two_active() {
    http GET /master/state
    [ "$HTTP_STATUS" = 200 ] || return 1
    [ "$(json_get "$HTTP_BODY" 'sum(1 for s in d["slaves"] if s["active"])')" = 2 ]
}
wait_until 30 two_active || fail "/master/state did not list 2 active agents"
cp "$HTTP_BODY" "$TEST_TMP/master-state.json"
ids=$(json_get "$TEST_TMP/master-state.json" '" ".join(sorted(s["id"] for s in d["slaves"]))')
id1=${ids% *}
id2=${ids#* }
[ -n "$id1" ] && [ "$id1" != "$id2" ] || fail "agent ids are not distinct: '$ids'"
pids=$(json_get "$TEST_TMP/master-state.json" '" ".join(sorted(s["pid"] for s in d["slaves"]))')
expect_eq "$pids" "slave(1)@127.0.0.1:$ROLE_PORT slave(2)@127.0.0.1:$ROLE_PORT" "agent pids"
expect_eq "$(json_get "$TEST_TMP/master-state.json" 'd["activated_slaves"]')" 2 \
    "activated_slaves"

note "each agent under /slave(N)"
for n in 1 2; do
    http GET "/slave($n)/state"
    expect_eq "$HTTP_STATUS" 200 "/slave($n)/state status"
    expect_eq "$(json_get "$HTTP_BODY" 'd["pid"]')" "slave($n)@127.0.0.1:$ROLE_PORT" \
        "/slave($n)/state pid"
    aid=$(json_get "$HTTP_BODY" 'd["id"]')
    want=$(json_get "$TEST_TMP/master-state.json" \
        "[s['id'] for s in d['slaves'] if s['pid'].startswith('slave($n)@')][0]")
    expect_eq "$aid" "$want" "/slave($n)/state id"
    [ -d "$TEST_TMP/local/agents/$n" ] || fail "agent $n has no work_dir under agents/$n"
done
http GET "/slave(3)/state"
expect_eq "$HTTP_STATUS" 404 "/slave(3)/state status"

note "the bare /state is the master's"
http GET /state
expect_eq "$HTTP_STATUS" 200 "/state status"
expect_eq "$(json_get "$HTTP_BODY" 'len(d["slaves"])')" 2 "/state lists the agents"

note "SIGTERM"
stop_role TERM

note "--num_agents"
start_role mesos-local --num_agents=1 "--work_dir=$TEST_TMP/local2" \
    '--resources=cpus:1;mem:256' --registration_backoff_factor=10ms
one_active() {
    http GET /master/state
    [ "$HTTP_STATUS" = 200 ] || return 1
    [ "$(json_get "$HTTP_BODY" 'sum(1 for s in d["slaves"] if s["active"])')" = 1 ]
}
wait_until 30 one_active || fail "--num_agents=1: no active agent"
expect_eq "$(json_get "$HTTP_BODY" 'd["slaves"][0]["pid"]')" "slave(1)@127.0.0.1:$ROLE_PORT" \
    "--num_agents=1 pid"
stop_role INT
exit 0

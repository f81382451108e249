#!/bin/sh
# agent-state: an agent whose master is unreachable keeps retrying (with
# backoff) and serves /health and /state with its detected resources and
# --attributes; bad --resources, bad --attributes and a zk:// --master stop
# start-up with one line naming the flag.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

note "bad --resources"
run_role mesos-agent --master=127.0.0.1:5050 "--work_dir=$TEST_TMP/w" '--resources=cpus:abc'
[ "$RUN_STATUS" -eq 1 ] || fail "bad --resources: status $RUN_STATUS"
expect_one_line "$RUN_ERR" "bad --resources"
expect_grep "flag '--resources'" "$RUN_ERR" "bad --resources is named"

note "bad --attributes"
run_role mesos-agent --master=127.0.0.1:5050 "--work_dir=$TEST_TMP/w" '--attributes=zones:{a,b}'
[ "$RUN_STATUS" -eq 1 ] || fail "bad --attributes: status $RUN_STATUS"
expect_one_line "$RUN_ERR" "bad --attributes"
expect_grep "flag '--attributes'" "$RUN_ERR" "bad --attributes is named"

note "zk:// master"
run_role mesos-agent --master=zk://127.0.0.1:2181/mesos "--work_dir=$TEST_TMP/w"
[ "$RUN_STATUS" -eq 1 ] || fail "zk:// master: status $RUN_STATUS"
expect_one_line "$RUN_ERR" "zk:// master"
expect_grep "zk:// needs the HA issue: not implemented yet" "$RUN_ERR" "zk:// error"

note "bad --master"
run_role mesos-agent --master=nonsense "--work_dir=$TEST_TMP/w"
[ "$RUN_STATUS" -eq 1 ] || fail "bad --master: status $RUN_STATUS"
expect_one_line "$RUN_ERR" "bad --master"
expect_grep "flag '--master'" "$RUN_ERR" "bad --master is named"

# A port nobody listens on: the agent must keep trying, not exit.
note "unreachable master"
echo "master@127.0.0.1:1" >"$TEST_TMP/master.txt"
start_role mesos-agent "--master=file://$TEST_TMP/master.txt" "--work_dir=$TEST_TMP/w/deep" \
    --registration_backoff_factor=10ms '--resources=cpus:3;mem:2048;disk:4096' \
    '--attributes=dc:ams1;row:7;slots:[10-20]'
[ -d "$TEST_TMP/w/deep" ] || fail "--work_dir was not created"
count_attempts() {
    [ "$(grep -c 'lost the master at 127.0.0.1:1' "$ROLE_LOG")" -ge 3 ]
}
wait_until 20 count_attempts || { cat "$ROLE_LOG" >&2; fail "the agent did not retry"; }
alive "$ROLE_PID" || fail "the agent exited without a master"
http GET /health
expect_eq "$HTTP_STATUS" 200 "GET /health while the master is unreachable"
for path in /state '/slave(1)/state'; do
    http GET "$path"
    expect_eq "$HTTP_STATUS" 200 "GET $path"
    expect_eq "$(json_get "$HTTP_BODY" 'd["resources"]["cpus"]')" 3.0 "$path cpus"
    expect_eq "$(json_get "$HTTP_BODY" 'd["resources"]["mem"]')" 2048.0 "$path mem"
    expect_eq "$(json_get "$HTTP_BODY" 'd["resources"]["ports"]')" "[31000-32000]" \
        "$path detected ports"
    expect_eq "$(json_get "$HTTP_BODY" 'd["attributes"]["dc"]')" ams1 "$path attribute dc"
    expect_eq "$(json_get "$HTTP_BODY" 'd["attributes"]["row"]')" 7.0 "$path attribute row"
    expect_eq "$(json_get "$HTTP_BODY" 'd["attributes"]["slots"]')" "[10-20]" \
        "$path attribute slots"
    expect_eq "$(json_get "$HTTP_BODY" 'd["pid"]')" "slave(1)@127.0.0.1:$ROLE_PORT" "$path pid"
    expect_eq "$(json_get "$HTTP_BODY" 'd["master_hostname"]')" 127.0.0.1 "$path master"
    expect_eq "$(json_get "$HTTP_BODY" 'd["id"]')" "" "$path id before registration"
    expect_eq "$(json_get "$HTTP_BODY" 'len(d["frameworks"])')" 0 "$path frameworks"
done
http GET /metrics/snapshot
expect_eq "$(json_get "$HTTP_BODY" 'd["slave/registered"]')" 0.0 "slave/registered"
expect_eq "$(json_get "$HTTP_BODY" 'd["slave/cpus_total"]')" 3.0 "slave/cpus_total"
stop_role TERM

note "detected resources"
start_role mesos-agent --master=127.0.0.1:1 "--work_dir=$TEST_TMP/w2"
http GET /state
cpus=$(json_get "$HTTP_BODY" 'd["resources"]["cpus"]')
[ "$(python3 -c "print(float('$cpus') >= 1)")" = True ] || fail "detected cpus: '$cpus'"
mem=$(json_get "$HTTP_BODY" 'd["resources"]["mem"]')
[ "$(python3 -c "print(float('$mem') > 0)")" = True ] || fail "detected mem: '$mem'"
stop_role TERM
exit 0

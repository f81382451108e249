#!/bin/sh
# master-state: the master's operator endpoints without agents: /state
# (and /master/state) fields, /state-summary, /master/frameworks,
# /master/slaves, /master/tasks, /metrics/snapshot, /redirect, JSONP; and a
# subscribed framework showing up in /state.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

start_role mesos-master --registry=in_memory --cluster=testcluster

note "/state"
for path in /state /master/state; do
    http GET $path
    expect_eq "$HTTP_STATUS" 200 "GET $path"
done
for key in version id pid hostname leader leader_info start_time elected_time \
    activated_slaves deactivated_slaves flags slaves frameworks completed_frameworks \
    orphan_tasks unregistered_frameworks capabilities; do
    expect_eq "$(json_get "$HTTP_BODY" "'$key' in d")" true "/state has $key"
done
expect_eq "$(json_get "$HTTP_BODY" 'd["version"]')" 1.12.0 "version"
expect_eq "$(json_get "$HTTP_BODY" 'd["pid"]')" "master@127.0.0.1:$ROLE_PORT" "pid"
expect_eq "$(json_get "$HTTP_BODY" 'd["leader"] == d["pid"]')" true "leader"
expect_eq "$(json_get "$HTTP_BODY" 'd["leader_info"]["port"]')" "$ROLE_PORT" "leader_info.port"
expect_eq "$(json_get "$HTTP_BODY" 'd["cluster"]')" testcluster "cluster"
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["registry"]')" in_memory "flags.registry"
expect_eq "$(json_get "$HTTP_BODY" 'd["slaves"]')" "[]" "no agents yet"

http GET '/master/state?jsonp=cb'
expect_eq "$(http_header Content-Type)" text/javascript "JSONP content type"
expect_grep '^cb({.*});$' "$HTTP_BODY" "JSONP body"

note "a framework in /state"
python3 - "$ROLE_PORT" <<'PY' &
import json, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = json.dumps({"type": "SUBSCRIBE", "subscribe": {"framework_info": {
    "user": "alice", "name": "state-test", "roles": ["web", "batch"],
    "capabilities": [{"type": "MULTI_ROLE"}], "failover_timeout": 60}}}).encode()
s.sendall(b"POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\n"
          b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
time.sleep(30)  # holds the stream open; killed by the test
PY
SUB_PID=$!
ROLE_PIDS="$ROLE_PIDS $SUB_PID"
has_framework() {
    http GET /state
    [ "$(json_get "$HTTP_BODY" 'len(d["frameworks"])')" = 1 ]
}
wait_until 10 has_framework || fail "the framework never appeared in /state"
expect_eq "$(json_get "$HTTP_BODY" 'd["frameworks"][0]["name"]')" state-test "framework name"
expect_eq "$(json_get "$HTTP_BODY" 'd["frameworks"][0]["roles"]')" '["web", "batch"]' "roles"
expect_eq "$(json_get "$HTTP_BODY" 'd["frameworks"][0]["active"]')" true "active"
expect_eq "$(json_get "$HTTP_BODY" 'd["frameworks"][0]["id"].startswith(d["id"] + "-0000")')" \
    true "framework id format"

http GET /master/frameworks
expect_eq "$HTTP_STATUS" 200 "GET /master/frameworks"
expect_eq "$(json_get "$HTTP_BODY" 'len(d["frameworks"])')" 1 "/master/frameworks"
http GET /state-summary
expect_eq "$(json_get "$HTTP_BODY" 'd["frameworks"][0]["TASK_RUNNING"]')" 0 "summary counts"
http GET /master/slaves
expect_eq "$(json_get "$HTTP_BODY" 'd["slaves"]')" "[]" "/master/slaves"
http GET /master/tasks
expect_eq "$(json_get "$HTTP_BODY" 'd["tasks"]')" "[]" "/master/tasks"

note "disconnect: the framework stays, inactive, for its failover timeout"
kill "$SUB_PID"
is_inactive() {
    http GET /state
    [ "$(json_get "$HTTP_BODY" 'd["frameworks"][0]["active"]')" = false ]
}
wait_until 10 is_inactive || fail "the framework did not become inactive"

note "/metrics/snapshot"
http GET /metrics/snapshot
expect_eq "$HTTP_STATUS" 200 "GET /metrics/snapshot"
for key in master/elected master/uptime_secs master/slaves_active master/frameworks_active \
    master/frameworks_inactive master/tasks_running master/cpus_total master/cpus_used \
    master/mem_total master/outstanding_offers; do
    expect_eq "$(json_get "$HTTP_BODY" "'$key' in d")" true "metric $key"
done
expect_eq "$(json_get "$HTTP_BODY" 'd["master/elected"]')" 1.0 "master/elected"
expect_eq "$(json_get "$HTTP_BODY" 'd["master/frameworks_inactive"]')" 1.0 "frameworks_inactive"

note "/redirect"
http GET /redirect
expect_eq "$HTTP_STATUS" 307 "GET /redirect"
expect_grep "^Location: //.*:$ROLE_PORT" "$HTTP_HEADERS" "redirect location"
http GET /master/redirect/deeper
expect_eq "$HTTP_STATUS" 404 "deeper /redirect path"

stop_role TERM
exit 0

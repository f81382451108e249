#!/bin/sh
# agent-register: an agent registers with a real mesos-master over the link
# (POST /master/link -> 101), the master's /state shows it with its
# resources and attributes, the agent's /state shows the id the master
# gave; when the agent dies the master removes it.  Skips while the master
# has no /master/link route.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

start_role mesos-master --registry=in_memory --agent_ping_timeout=1secs \
    --max_agent_ping_timeouts=2
MASTER_PID=$ROLE_PID
MASTER_URL=$ROLE_URL
MASTER_PORT=$ROLE_PORT
http GET /master/link
[ "$HTTP_STATUS" != 404 ] || skip "the master has no /master/link route yet"

start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent" \
    --registration_backoff_factor=10ms '--resources=cpus:3;mem:2048;disk:4096' \
    '--attributes=dc:ams1;row:7'
AGENT_PID=$ROLE_PID
AGENT_URL=$ROLE_URL

# registered <n>: the master's /state lists n active agents
active_agents() {
    ROLE_URL=$MASTER_URL
    http GET /state
    [ "$(json_get "$HTTP_BODY" 'len([s for s in d.get("slaves", []) if s.get("active", True)])')" = "$1" ]
}
wait_until 20 active_agents 1 || { cat "$HTTP_BODY" >&2; fail "the agent did not register"; }
expect_eq "$(json_get "$HTTP_BODY" 'd["slaves"][0]["resources"]["cpus"]')" 3.0 "master sees cpus"
expect_eq "$(json_get "$HTTP_BODY" 'd["slaves"][0]["resources"]["mem"]')" 2048.0 "master sees mem"
expect_eq "$(json_get "$HTTP_BODY" 'd["slaves"][0]["attributes"]["dc"]')" ams1 "master sees dc"
master_id=$(json_get "$HTTP_BODY" 'd["slaves"][0]["id"]')
[ -n "$master_id" ] || fail "the master gave no agent id"

agent_has_id() {
    ROLE_URL=$AGENT_URL
    http GET /state
    [ "$(json_get "$HTTP_BODY" 'd["id"]')" = "$master_id" ]
}
wait_until 20 agent_has_id || { cat "$HTTP_BODY" >&2; fail "the agent does not show id $master_id"; }
[ "$(readlink "$TEST_TMP/agent/meta/slaves/latest")" = "$master_id" ] ||
    fail "the agent id was not checkpointed"

note "the agent dies"
kill -KILL "$AGENT_PID"
wait_until 20 active_agents 0 || { cat "$HTTP_BODY" >&2; fail "the master kept the dead agent"; }
stop_role TERM "$MASTER_PID"
exit 0

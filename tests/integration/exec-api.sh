#!/bin/sh
# exec-api: POST /api/v1/executor's checks, in Mesos' order, with curl:
# 405, 400/415 content type, 400 validation (missing ids, bad uuid, wrong
# source, TASK_STAGING), 400 unknown framework / executor, 202 HEARTBEAT,
# 403 for an executor that has not subscribed; same on
# /slave(1)/api/v1/executor.
. "${BUTTE_SRCDIR:-.}/tests/integration/exec-lib.sh"

start_cluster
URL=$AGENT_URL

# post PATH CTYPE BODY - sets HTTP_STATUS and HTTP_BODY.
post() {
    ROLE_URL=$URL http POST "$1" -H "Content-Type: $2" --data-binary "$3"
}
status_is() { # WANT BODY_PATTERN WHAT
    expect_eq "$HTTP_STATUS" "$1" "$3"
    [ -z "$2" ] || expect_grep "$2" "$HTTP_BODY" "$3"
}

note "method, content type, body"
ROLE_URL=$URL http GET /api/v1/executor
status_is 405 '' "GET"
expect_eq "$(http_header Allow)" POST "Allow header"
ROLE_URL=$URL http POST /api/v1/executor --data-binary '{}' -H 'Content-Type:'
status_is 400 "Content-Type" "no Content-Type"
post /api/v1/executor 'application/json; charset=utf-8' '{}'
status_is 415 "" "Content-Type with parameters"
post /api/v1/executor text/plain '{}'
status_is 415 "" "text/plain"
post /api/v1/executor application/json '{not json'
status_is 400 "JSON" "malformed JSON"
post /api/v1/executor application/x-protobuf 'garbage'
status_is 400 "" "malformed protobuf"

IDS='"executor_id":{"value":"nope"},"framework_id":{"value":"nofw"}'
note "validation"
post /api/v1/executor application/json '{"type":"HEARTBEAT"}'
status_is 400 "" "missing executor_id and framework_id"
post /api/v1/executor application/json "{$IDS,\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_RUNNING\",\"source\":\"SOURCE_EXECUTOR\",\"uuid\":\"AAEC\"}}}"
status_is 400 "UUID" "a 3-byte uuid"
U16=AAECAwQFBgcICQoLDA0ODw==
post /api/v1/executor application/json "{$IDS,\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_RUNNING\",\"source\":\"SOURCE_AGENT\",\"uuid\":\"$U16\"}}}"
status_is 400 "SOURCE_EXECUTOR" "source not SOURCE_EXECUTOR"
post /api/v1/executor application/json "{$IDS,\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_STAGING\",\"source\":\"SOURCE_EXECUTOR\",\"uuid\":\"$U16\"}}}"
status_is 400 "TASK_STAGING" "TASK_STAGING"
post /api/v1/executor application/json "{$IDS,\"type\":\"HEARTBEAT\"}"
status_is 202 "" "HEARTBEAT needs no known executor"
post /api/v1/executor application/json "{$IDS,\"type\":\"SUBSCRIBE\",\"subscribe\":{}}"
status_is 400 "Framework cannot be found" "unknown framework"

note "an executor that never subscribes: 403 for its calls"
timeout -s KILL $((DEADLINE + 30)) python3 "$SCHED" --master "127.0.0.1:$MASTER_PORT" \
    --timeout "$DEADLINE" --executor 'exec sleep 1000' >"$TEST_TMP/bg.out" 2>&1 &
BG=$!
exdir() { ls -d "$WORK"/slaves/*/frameworks/*/executors/* 2>/dev/null | head -n 1; }
has_exdir() { [ -n "$(exdir)" ]; }
wait_until "$DEADLINE" has_exdir || fail "no executor was launched"
D=$(exdir)
EX=$(basename "$D")
FW=$(basename "$(dirname "$(dirname "$D")")")
OK="\"executor_id\":{\"value\":\"$EX\"},\"framework_id\":{\"value\":\"$FW\"}"
post /api/v1/executor application/json "{\"executor_id\":{\"value\":\"other\"},\"framework_id\":{\"value\":\"$FW\"},\"type\":\"MESSAGE\",\"message\":{\"data\":\"aGk=\"}}"
status_is 400 "Executor cannot be found" "unknown executor"
post /api/v1/executor application/json "{$OK,\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_RUNNING\",\"source\":\"SOURCE_EXECUTOR\",\"uuid\":\"$U16\"}}}"
status_is 403 "Executor is not subscribed" "UPDATE before SUBSCRIBE"
post '/slave(1)/api/v1/executor' application/json "{$OK,\"type\":\"MESSAGE\",\"message\":{\"data\":\"aGk=\"}}"
status_is 403 "Executor is not subscribed" "/slave(1)/api/v1/executor"
post /api/v1/executor application/json "{$OK,\"type\":\"UNKNOWN\"}"
status_is 501 "" "UNKNOWN call"
ROLE_URL=$URL http POST /api/v1/executor -H 'Content-Type: application/json' \
    -H 'Accept: text/html' --data-binary "{$OK,\"type\":\"SUBSCRIBE\",\"subscribe\":{}}"
status_is 406 "" "SUBSCRIBE accepting neither encoding"

note "/monitor/statistics lists the running executor"
ROLE_URL=$URL http GET /monitor/statistics
status_is 200 "" "/monitor/statistics"
expect_eq "$(json_get "$HTTP_BODY" "[e['executor_id'] for e in d] == ['$EX'] and d[0]['framework_id'] == '$FW'")" true \
    "one entry for the executor"
expect_eq "$(json_get "$HTTP_BODY" "abs(d[0]['statistics']['cpus_limit'] - 0.1) < 1e-9 and d[0]['statistics']['mem_limit_bytes'] == 32 * 1048576 and d[0]['statistics']['timestamp'] > 0")" true \
    "limits from the task's resources"
if [ -f "$BUTTE_MODULE_DIR/libposix_isolators.so" ]; then
    expect_eq "$(json_get "$HTTP_BODY" "d[0]['statistics'].get('mem_rss_bytes', 0) > 0 and 'cpus_user_time_secs' in d[0]['statistics']")" true \
        "usage from the posix isolators"
fi

note "the agent stops: the never-subscribed executor is killed with it"
# this test's executor: the process whose working directory is its sandbox
PIDS=
for p in $(pgrep -x sleep); do
    case $(readlink "/proc/$p/cwd" 2>/dev/null) in "$WORK"/*) PIDS="$PIDS $p" ;; esac
done
[ -n "$PIDS" ] || fail "the executor process was not found"
kill "$BG" 2>/dev/null
stop_role TERM "$AGENT_PID"
for p in $PIDS; do
    if alive "$p"; then
        fail "executor $p outlived its agent"
    fi
done
exit 0

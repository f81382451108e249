#!/bin/sh
# docker-net: BRIDGE networking and statistics of a docker task, on a
# private engine whose containers get a bridge of this test's own.  A
# docker task (cpus:0.5, mem:64) on the BRIDGE network with a port
# mapping (the host port from the offer's ports) runs busybox httpd on
# container port 8080: its container has an address on the bridge, and
# the host reaches the server at 127.0.0.1:<host port> (docker-proxy).
# While it runs, the agent's /monitor/statistics shows it with the cgroup
# figures: mem_limit_bytes = 64 MB (the container's memory cgroup),
# cpus_limit 0.5, cpu times, rss and processes.  Killed, it ends
# TASK_KILLED and its container is removed after --docker_remove_delay.
. "${BUTTE_SRCDIR:-.}/tests/integration/docker-lib.sh"

start_dockerd bridge
make_image

# one port of the agent's, free now: docker-proxy binds it on the host
HOST_PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || fail "no free port"
start_role mesos-master --registry=in_memory
MASTER_PORT=$ROLE_PORT
WORK=$TEST_TMP/agent
start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$WORK" \
    "--resources=cpus:2;mem:1024;ports:[$HOST_PORT-$HOST_PORT]" --containerizers=docker,mesos \
    "--docker=$DOCKER" "--docker_socket=$DK_SOCK" "--launcher_dir=$BUTTE_LAUNCHER_DIR" \
    --docker_remove_delay=1secs
AGENT_URL=$ROLE_URL
AGENT_LOG=$ROLE_LOG
wait_until "$DEADLINE" grep -q 'registered with the master' "$AGENT_LOG" ||
    fail "the agent did not register"

note "a BRIDGE task with port mapping $HOST_PORT -> 8080 serving HTTP"
OUT=$TEST_TMP/bridge.out
STOP=$TEST_TMP/stop
timeout -s KILL $((DEADLINE + 30)) python3 "$DSCHED" --master "127.0.0.1:$MASTER_PORT" \
    --timeout "$DEADLINE" --image "$DOCKER_IMAGE" --network BRIDGE --port-mapping 8080 \
    --cpus 0.5 --mem 64 --kill-file "$STOP" --grace 1 --expect TASK_KILLED \
    --command 'mkdir -p /tmp/www && echo "hello from the bridge" >/tmp/www/index.html &&
exec httpd -f -p 8080 -h /tmp/www' >"$OUT" 2>&1 &
SCHED_PID=$!
show_sched() {
    sed 's/^/  [bridge] /' "$OUT"
}
wait_until "$DEADLINE" grep -q 'UPDATE .* TASK_RUNNING ' "$OUT" || {
    show_sched
    fail "the bridge task did not run"
}
expect_grep "^PORT $HOST_PORT\$" "$OUT" "the host port from the offer"
NAME=$(dk_mesos_containers | head -n 1)
[ -n "$NAME" ] || fail "no mesos- container"
expect_eq "$(dk inspect -f '{{.HostConfig.NetworkMode}}' "$NAME")" bridge "the network mode"
IP=$(dk inspect -f '{{.NetworkSettings.IPAddress}}' "$NAME")
case $IP in
"${DK_GATEWAY%.1}".*) note "container $NAME has $IP on $DK_BRIDGE" ;;
*) fail "the container's address '$IP' is not on the bridge ($DK_GATEWAY/24)" ;;
esac
served() {
    curl -sS --max-time 2 "http://127.0.0.1:$HOST_PORT/" >"$TEST_TMP/page" 2>/dev/null &&
        grep -q '^hello from the bridge$' "$TEST_TMP/page"
}
# httpd may start listening a moment after the container runs
wait_until "$DEADLINE" served || {
    show_sched
    fail "http://127.0.0.1:$HOST_PORT/ did not reach httpd in the container"
}

note "the agent's /monitor/statistics shows the container's cgroup statistics"
STATS=$TEST_TMP/stats.json
# the cgroups are found by an asynchronous docker inspect on the first
# request: the figures come with a later one
has_stats() {
    curl -sS --max-time 5 -o "$STATS" "$AGENT_URL/monitor/statistics" || return 1
    [ "$(json_get "$STATS" '(len(d) == 1 and "cpus_user_time_secs" in d[0]["statistics"]
        and "mem_rss_bytes" in d[0]["statistics"])')" = true ]
}
wait_until "$DEADLINE" has_stats || {
    cat "$STATS" >&2
    fail "/monitor/statistics shows no cgroup statistics for the docker task"
}
cat "$STATS"
echo
expect_eq "$(json_get "$STATS" 'd[0]["statistics"]["mem_limit_bytes"]')" $((64 * 1024 * 1024)) \
    "mem_limit_bytes"
expect_eq "$(json_get "$STATS" 'd[0]["statistics"]["cpus_limit"]')" 0.5 "cpus_limit"
expect_eq "$(json_get "$STATS" '(d[0]["statistics"]["cpus_system_time_secs"] >= 0 and
    d[0]["statistics"]["mem_rss_bytes"] > 0 and d[0]["statistics"]["processes"] >= 1)')" true \
    "cpu times, rss and processes"
TID=$(sed -n 's/^LAUNCHED \([^ ]*\).*/\1/p' "$OUT")
expect_eq "$(json_get "$STATS" 'd[0]["executor_id"]')" "$TID" "the executor of the statistics"

note "kill the task -> TASK_KILLED"
touch "$STOP"
wait "$SCHED_PID"
SCHED_RC=$?
show_sched
[ "$SCHED_RC" -eq 0 ] || fail "the bridge task did not end TASK_KILLED (rc $SCHED_RC)"
wait_until "$DEADLINE" no_mesos_containers || {
    dk ps -a >&2
    fail "mesos- containers left after --docker_remove_delay"
}
exit 0

#!/bin/sh
# docker-kill: ending docker containers.  A `sleep 1000` docker task that
# is killed ends TASK_KILLED and no mesos- container is left after
# --docker_remove_delay; an agent stopped with SIGTERM removes the
# containers it runs; and after an agent (and its executor) died with
# SIGKILL, the agent restarted with --docker_kill_orphans removes the
# container they left running.
. "${BUTTE_SRCDIR:-.}/tests/integration/docker-lib.sh"

start_dockerd
make_image
start_docker_cluster --docker_remove_delay=1secs

running_container() {
    [ -n "$(dk ps --filter name=mesos- --filter status=running -q)" ]
}

# bg_task NAME - a `sleep 1000` docker task from a scheduler in the
# background (BG_PID); returns once its container runs.
bg_task() {
    timeout -s KILL $((DEADLINE + 30)) python3 "$DSCHED" --master "127.0.0.1:$MASTER_PORT" \
        --timeout "$DEADLINE" --image "$DOCKER_IMAGE" --command 'sleep 1000' \
        >"$TEST_TMP/$1.out" 2>&1 &
    BG_PID=$!
    wait_until "$DEADLINE" running_container || {
        cat "$TEST_TMP/$1.out" >&2
        fail "$1: the docker task's container did not run"
    }
}

note "kill a running docker task -> TASK_KILLED"
dsched kill --image "$DOCKER_IMAGE" --command 'sleep 1000' --kill-on TASK_RUNNING --grace 1 \
    --expect TASK_KILLED
[ "$SCHED_RC" -eq 0 ] || fail "the docker task did not end TASK_KILLED (rc $SCHED_RC)"
note "no mesos- container after --docker_remove_delay=1secs"
wait_until "$DEADLINE" no_mesos_containers || {
    dk ps -a >&2
    fail "mesos- containers left after --docker_remove_delay"
}

note "an agent stopped with SIGTERM removes its containers"
bg_task shutdown
stop_role TERM "$AGENT_PID"
no_mesos_containers || {
    dk ps -a >&2
    fail "containers left after the agent stopped"
}
kill -KILL "$BG_PID" 2>/dev/null

note "agent and executor killed with SIGKILL: the restarted agent removes the orphan"
start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent2" \
    --resources='cpus:2;mem:1024' --containerizers=docker,mesos "--docker=$DOCKER" \
    "--docker_socket=$DK_SOCK" "--launcher_dir=$BUTTE_LAUNCHER_DIR" --hostname=agent2
AGENT2_PID=$ROLE_PID
AGENT2_LOG=$ROLE_LOG
wait_until "$DEADLINE" grep -q 'registered with the master' "$AGENT2_LOG" ||
    fail "the second agent did not register"
bg_task orphan
EXEC_PID=$(sed -n 's/.*mesos-docker-executor started (pid \([0-9]*\)).*/\1/p' "$AGENT2_LOG" |
    tail -n 1)
[ -n "$EXEC_PID" ] || fail "the agent did not log its executor's pid"
kill -KILL "$AGENT2_PID"
# the executor's session: it and its docker run client (the container
# keeps running without them)
kill -KILL "-$EXEC_PID"
kill -KILL "$BG_PID" 2>/dev/null
wait_until "$DEADLINE" dead "$AGENT2_PID" || fail "the agent did not die"
running_container || fail "the container did not survive its agent and executor"
ORPHAN=$(dk_mesos_containers)
start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent3" \
    --resources='cpus:2;mem:1024' --containerizers=docker,mesos "--docker=$DOCKER" \
    "--docker_socket=$DK_SOCK" "--launcher_dir=$BUTTE_LAUNCHER_DIR" --hostname=agent3 \
    --docker_kill_orphans
wait_until "$DEADLINE" no_mesos_containers || {
    dk ps -a >&2
    fail "the orphan container was not removed"
}
expect_grep "removing orphan docker container $ORPHAN" "$ROLE_LOG" "the agent's log"
exit 0

#!/bin/sh
# docker-run: command tasks in DOCKER containers through the docker
# containerizer module and mesos-docker-executor, on a private engine:
# `echo hi` in the local busybox image ends TASK_FINISHED with "hi" in the
# sandbox's stdout and MESOS_SANDBOX set to the mapped sandbox; `exit 3`
# ends TASK_FAILED "Container exited with status 3"; a task that outgrows
# its memory ends TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY; an
# image the engine cannot pull ends TASK_FAILED with the engine's error in
# the message; mesos-execute --docker_image --containerizer=docker runs a
# command the same way; no container is left after --docker_remove_delay.
. "${BUTTE_SRCDIR:-.}/tests/integration/docker-lib.sh"

start_dockerd
make_image
start_docker_cluster --docker_remove_delay=1secs

note "echo hi -> TASK_FINISHED, hi in the sandbox's stdout"
dsched hi --image "$DOCKER_IMAGE" --env GREETING=hi \
    --command 'echo $GREETING; echo "sandbox=$MESOS_SANDBOX"; echo inside >$MESOS_SANDBOX/made-inside' \
    --expect TASK_FINISHED
[ "$SCHED_RC" -eq 0 ] || fail "the docker task did not finish (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_RUNNING ' "$SCHED_OUT" "TASK_RUNNING before the end"
expect_grep 'UPDATE .* TASK_FINISHED .*Container exited with status 0' "$SCHED_OUT" \
    "the final message"
TID=$(sed -n 's/^LAUNCHED \([^ ]*\).*/\1/p' "$SCHED_OUT")
BOX=$(sandbox_of "$TID")
[ -n "$BOX" ] || fail "no sandbox for $TID"
expect_grep '^hi$' "$BOX/stdout" "the sandbox's stdout"
expect_grep '^sandbox=/mnt/mesos/sandbox$' "$BOX/stdout" "MESOS_SANDBOX in the container"
expect_grep '^inside$' "$BOX/made-inside" "a file the container wrote to its sandbox"

note "exit 3 -> TASK_FAILED with the exit status"
dsched fail3 --image "$DOCKER_IMAGE" --command 'exit 3' --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "exit 3 did not fail the task (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_FAILED .*Container exited with status 3' "$SCHED_OUT" \
    "the exit status in the message"

note "a task that outgrows mem:32 -> TASK_FAILED, REASON_CONTAINER_LIMITATION_MEMORY"
dsched oom --image "$DOCKER_IMAGE" --mem 32 \
    --command 'a=0123456789abcdef; while true; do a=$a$a; done' --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "the memory hog did not fail (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_FAILED REASON_CONTAINER_LIMITATION_MEMORY .*OOM' "$SCHED_OUT" \
    "the OOM reason"

note "an image the engine cannot pull -> TASK_FAILED with the engine's error"
# a registry on a closed loopback port: the pull fails at once, nothing
# leaves the host
dsched missing --image 127.0.0.1:1/butte/missing:none --command true --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "a missing image did not fail the task (rc $SCHED_RC)"
expect_grep 'UPDATE .* TASK_FAILED REASON_CONTAINER_LAUNCH_FAILED .*pull 127.0.0.1:1/butte/missing:none.*stderr=.*127.0.0.1:1' \
    "$SCHED_OUT" "the engine's error in the message"

note "mesos-execute --docker_image --containerizer=docker"
MX_OUT=$TEST_TMP/mesos-execute.out
timeout -s KILL "$DEADLINE" "$BUTTE_BUILDDIR/mesos-execute" "--master=127.0.0.1:$MASTER_PORT" \
    --name=mx-docker --command='echo from-execute' "--docker_image=$DOCKER_IMAGE" \
    --containerizer=docker --resources='cpus:0.1;mem:32' >"$MX_OUT" 2>&1
MX_STATUS=$?
sed 's/^/  [mesos-execute] /' "$MX_OUT"
expect_eq "$MX_STATUS" 0 "mesos-execute's exit status"
expect_grep "^Received status update TASK_FINISHED for task 'mx-docker'\$" "$MX_OUT" \
    "mesos-execute's final state"
expect_grep '^from-execute$' "$(sandbox_of mx-docker)/stdout" "the sandbox's stdout"

note "containers are removed after --docker_remove_delay"
wait_until "$DEADLINE" no_mesos_containers || {
    dk ps -a >&2
    fail "mesos- containers left after --docker_remove_delay"
}
exit 0

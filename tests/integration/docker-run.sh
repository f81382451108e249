#!/bin/sh
# docker-run: command tasks in DOCKER containers through the docker
# containerizer module and mesos-docker-executor, on a private engine:
# `echo hi` in the local busybox image ends TASK_FINISHED with "hi" in the
# sandbox's stdout and MESOS_SANDBOX set to the mapped sandbox; `exit 3`
# ends TASK_FAILED "Container exited with status 3"; a task that outgrows
# its memory ends TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY; an
# image the engine cannot pull ends TASK_FAILED with the engine's error in
# the message, and so does force_pull_image of an image the engine has
# (without it the local image runs); volumes (read-write, read-only, a
# relative container path in the sandbox) and environment variables with
# spaces and "=" reach the container; a DockerInfo parameter (user=) is
# passed to docker run -- Mesos has no other way to pick the container's
# user; mesos-execute --docker_image --containerizer=docker runs a command
# the same way; no container is left after --docker_remove_delay.
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

note "force_pull_image pulls even an image the engine has"
LOCAL_TAG=127.0.0.1:1/butte/local:test
dk tag "$DOCKER_IMAGE" "$LOCAL_TAG" || fail "docker tag"
dsched present --image "$LOCAL_TAG" --command true --expect TASK_FINISHED
[ "$SCHED_RC" -eq 0 ] || fail "the local image did not run without force_pull_image"
dsched forced --image "$LOCAL_TAG" --force-pull --command true --expect TASK_FAILED
[ "$SCHED_RC" -eq 0 ] || fail "force_pull_image did not fail (rc $SCHED_RC)"
expect_grep "UPDATE .* TASK_FAILED REASON_CONTAINER_LAUNCH_FAILED .*pull $LOCAL_TAG.*stderr=.*127.0.0.1:1" \
    "$SCHED_OUT" "the engine's pull error in the message"

note "volumes and environment variables"
VOL=$TEST_TMP/vol
ROVOL=$TEST_TMP/rovol
mkdir -p "$VOL" "$ROVOL"
echo from-host >"$ROVOL/in"
# shellcheck disable=SC2016 # expanded in the container
dsched vol --image "$DOCKER_IMAGE" --volume "$VOL:/data" --volume "$ROVOL:/ro:ro" \
    --volume "$ROVOL:inbox:ro" --env 'SPACED=a b  c' --env 'EQ=k=v' \
    --command 'cat /ro/in >/data/copied && echo "$SPACED|$EQ" >/data/env &&
cat "$MESOS_SANDBOX/inbox/in" >/data/relative && if touch /ro/x; then exit 9; fi' \
    --expect TASK_FINISHED
[ "$SCHED_RC" -eq 0 ] || fail "the volume task did not finish (rc $SCHED_RC)"
expect_grep '^from-host$' "$VOL/copied" "a read-only volume read, a read-write one written"
expect_grep '^a b  c|k=v$' "$VOL/env" "the environment variables"
expect_grep '^from-host$' "$VOL/relative" "a relative container path in the sandbox"
[ ! -e "$ROVOL/x" ] || fail "a read-only volume was written"

note "DockerInfo parameters: user=65534:65534"
dsched user --image "$DOCKER_IMAGE" --param user=65534:65534 --command 'echo "uid=$(id -u) gid=$(id -g)"' \
    --expect TASK_FINISHED
[ "$SCHED_RC" -eq 0 ] || fail "the user task did not finish (rc $SCHED_RC)"
TID=$(sed -n 's/^LAUNCHED \([^ ]*\).*/\1/p' "$SCHED_OUT")
expect_grep '^uid=65534 gid=65534$' "$(sandbox_of "$TID")/stdout" "the container's user"

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

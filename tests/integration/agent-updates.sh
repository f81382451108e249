#!/bin/sh
# agent-updates: status updates survive a master that cannot hear.  A
# checkpointing framework runs 3 tasks on a master and an agent; while
# they run the master is stopped (SIGSTOP), the tasks finish, the agent
# retries its unacknowledged updates (it logs the resend: the 10 s retry
# path ran), then the master resumes.  Every task's STARTING, RUNNING and
# FINISHED reach the framework, in order, none missing; a uuid seen twice
# is a retry of the same update; the agent counts exactly one valid
# acknowledgement per uuid.  The streams were checkpointed under
# work_dir/meta (task.info and task.updates), and an agent started again on
# that work_dir reads them back.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

[ -x "$BUTTE_BUILDDIR/mesos-master" ] || skip "mesos-master is not built"
[ -x "$BUTTE_BUILDDIR/mesos-agent" ] || skip "mesos-agent is not built"
[ -x "$BUTTE_BUILDDIR/mesos-executor" ] || skip "mesos-executor is not built"
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
DEADLINE=90

start_role mesos-master --registry=in_memory
MASTER_PORT=$ROLE_PORT
MASTER_PID=$ROLE_PID
WORK=$TEST_TMP/agent
start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$WORK" \
    '--resources=cpus:2;mem:512;disk:64' --registration_backoff_factor=10ms
AGENT_URL=$ROLE_URL
AGENT_PID=$ROLE_PID
AGENT_LOG=$ROLE_LOG
wait_until 30 grep -q 'registered with the master' "$AGENT_LOG" || fail "the agent did not register"

note "3 tasks finish while the master is stopped"
timeout -s KILL $((DEADLINE + 30)) python3 "$BUTTE_SRCDIR/tests/integration/agent-updates.py" \
    --master "127.0.0.1:$MASTER_PORT" --master-pid "$MASTER_PID" --agent-log "$AGENT_LOG" \
    --go "$TEST_TMP/go" --tasks 3 --timeout "$DEADLINE" >"$TEST_TMP/sched.out" 2>&1
rc=$?
sed 's/^/  [sched] /' "$TEST_TMP/sched.out"
kill -CONT "$MASTER_PID" 2>/dev/null
[ "$rc" -eq 0 ] || fail "the scheduler exited $rc"
expect_grep '^PAUSED master' "$TEST_TMP/sched.out" "the master was paused"
expect_grep '^RESUMED master' "$TEST_TMP/sched.out" "the master was resumed"

# Per task, the distinct uuids in arrival order must give exactly
# STARTING, RUNNING, FINISHED; a repeated uuid must repeat its state.
python3 - "$TEST_TMP/sched.out" <<'PY' || fail "updates missing, out of order or inconsistent"
import sys
seen, order = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 4 or f[0] != "UPDATE":
        continue
    _, task, state, u = f
    if u in seen:
        assert seen[u] == (task, state), "uuid %s reused for %s" % (u, (task, state))
        continue
    seen[u] = (task, state)
    order.setdefault(task, []).append(state)
assert len(order) == 3, order
for task, states in order.items():
    assert states == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"], (task, states)
print("distinct uuids: %d" % len(seen))
PY
distinct=$(awk '$1 == "UPDATE" {print $4}' "$TEST_TMP/sched.out" | sort -u | wc -l)
expect_eq "$distinct" 9 "distinct update uuids"

valid_acks() {
    ROLE_URL=$AGENT_URL http GET /metrics/snapshot
    [ "$(json_get "$HTTP_BODY" 'int(d["slave/valid_status_updates"])')" = "$distinct" ]
}
wait_until 20 valid_acks ||
    fail "agent valid acknowledgements: $(json_get "$HTTP_BODY" 'd["slave/valid_status_updates"]'), expected $distinct"

note "checkpointed streams"
n=$(find "$WORK/meta/slaves" -name task.updates | wc -l)
expect_eq "$n" 3 "task.updates files"
n=$(find "$WORK/meta/slaves" -name task.info | wc -l)
expect_eq "$n" 3 "task.info files"
stop_role TERM "$AGENT_PID"
start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$WORK" \
    '--resources=cpus:2;mem:512;disk:64' --registration_backoff_factor=10ms
wait_until 20 grep -q 'found 3 checkpointed task update streams' "$ROLE_LOG" ||
    fail "a restarted agent did not read the streams back"
! grep -q 'unacknowledged' "$ROLE_LOG" || fail "a stream has unacknowledged updates left"
stop_role TERM
exit 0

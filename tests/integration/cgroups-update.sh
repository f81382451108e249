#!/bin/sh
# cgroups-update: a task group of two tasks (cpus 0.5 + 1.0, mem 64 + 128)
# under one DEFAULT executor with --isolation=cgroups/cpu,cgroups/mem.
# While both run, the executor's container cgroup has cpu.shares for the
# executor plus both tasks; when the short task ends the agent calls the
# isolators' update(): cpu.shares and the soft memory limit drop to the
# executor plus the long task, and the hard memory limit stays (Mesos never
# shrinks a running container's hard limit).  Then the group is killed and
# no cgroup is left.  Skips (77) only where cgroup v1 cannot be written.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
. "$BUTTE_SRCDIR/tests/integration/cgroups-lib.sh"

start_master
start_agent "$TEST_TMP/agent1"

cat >"$TEST_TMP/group.json" <<'JSON'
{"tasks": [
  {"name": "short", "task_id": {"value": "short"}, "agent_id": {"value": "to-be-filled"},
   "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5}},
                 {"name": "mem", "type": "SCALAR", "scalar": {"value": 64}}],
   "command": {"value": "while [ ! -e release ]; do sleep 0.05; done"}},
  {"name": "long", "task_id": {"value": "long"}, "agent_id": {"value": "to-be-filled"},
   "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1.0}},
                 {"name": "mem", "type": "SCALAR", "scalar": {"value": 128}}],
   "command": {"value": "sleep 1000"}}
]}
JSON

execute group "--task_group=file://$TEST_TMP/group.json" --kill_after=600secs
both_running() {
    [ "$(states "$EXEC_OUT" short)" = "TASK_STARTING TASK_RUNNING" ] &&
        [ "$(states "$EXEC_OUT" long)" = "TASK_STARTING TASK_RUNNING" ]
}
wait_until 60 both_running || { cat "$EXEC_OUT"; fail "the two tasks did not both run"; }
CID=$(cg_containers)
[ "$(echo "$CID" | wc -l)" -eq 1 ] && [ -n "$CID" ] || fail "expected one container: $CID"
CPU=$HIER/cpu/$CG_ROOT/$CID
MEM=$HIER/memory/$CG_ROOT/$CID
shares1=$(cat "$CPU/cpu.shares")
hard1=$(cat "$MEM/memory.limit_in_bytes")
soft1=$(cat "$MEM/memory.soft_limit_in_bytes")
note "both tasks: cpu.shares $shares1, hard $hard1, soft $soft1"
# the executor's own resources come on top of the tasks'
[ "$shares1" -ge 1536 ] || fail "cpu.shares $shares1 is below 1024 x 1.5"
[ "$soft1" -ge $((192 << 20)) ] || fail "soft limit $soft1 is below 192 MB"

# the tasks run in the executor's sandbox: release the short one there
DIR=$(find "$TEST_TMP/agent1/slaves" -path '*/runs/*' -maxdepth 8 -type d -name "$CID" | head -1)
[ -n "$DIR" ] || fail "no sandbox for container $CID"
: >"$DIR/release"
short_done() { [ "$(states "$EXEC_OUT" short)" = "TASK_STARTING TASK_RUNNING TASK_FINISHED" ]; }
wait_until 60 short_done || { cat "$EXEC_OUT"; fail "the short task did not finish"; }
shrunk() { [ "$(cat "$CPU/cpu.shares")" -eq $((shares1 - 512)) ]; }
wait_until 30 shrunk || fail "cpu.shares $(cat "$CPU/cpu.shares") did not drop by 512 from $shares1"
soft2=$(cat "$MEM/memory.soft_limit_in_bytes")
hard2=$(cat "$MEM/memory.limit_in_bytes")
note "long task only: cpu.shares $(cat "$CPU/cpu.shares"), hard $hard2, soft $soft2"
expect_eq "$soft2" $((soft1 - (64 << 20))) "the soft limit after the short task ended"
expect_eq "$hard2" "$hard1" "the hard limit (never shrinks)"

# mesos-execute goes away: its framework is torn down, the executor too
kill "$EXEC_PID" 2>/dev/null
wait "$EXEC_PID" 2>/dev/null
wait_until 60 cg_none || fail "cgroups left after the group ended: $(cg_left | tr '\n' ' ')"
exit 0

#!/bin/sh
# mexec-group: --task_group (JSON in a file) launches two tasks with
# LAUNCH_GROUP under one DEFAULT executor; each task gets its own states,
# both finish, mesos-execute exits 0.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
. "$BUTTE_SRCDIR/tests/integration/mexec-lib.sh"

cat >"$TEST_TMP/group.json" <<'JSON'
{"tasks": [
  {"name": "g1", "task_id": {"value": "g1"}, "agent_id": {"value": "to-be-filled"},
   "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                 {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}],
   "command": {"value": "echo one-$MESOS_EXECUTOR_ID"}},
  {"name": "g2", "task_id": {"value": "g2"}, "agent_id": {"value": "to-be-filled"},
   "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                 {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}],
   "command": {"value": "echo two"}}
]}
JSON

run_execute "--task_group=file://$TEST_TMP/group.json"
expect_eq "$EXEC_STATUS" 0 "mesos-execute exit status for the group"
expect_grep "^Submitted task group with tasks \\[g1, g2\\] to agent '" "$EXEC_OUT" "submitted"
expect_eq "$(states "$EXEC_OUT" g1)" "TASK_STARTING TASK_RUNNING TASK_FINISHED" "g1 states"
expect_eq "$(states "$EXEC_OUT" g2)" "TASK_STARTING TASK_RUNNING TASK_FINISHED" "g2 states"
dir=$(sandbox default)
[ -n "$dir" ] || fail "no sandbox of the one executor 'default'"
expect_grep '^one-default$' "$dir/stdout" "g1 ran under executor 'default'"
expect_grep '^two$' "$dir/stdout" "g2 ran under the same executor"
exit 0

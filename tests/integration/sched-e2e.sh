#!/bin/sh
# sched-e2e: a scheduler written in another language from the public v1 API
# docs only (tests/integration/pysched.py, Python standard library)
# subscribes, gets offers, launches 3 command tasks, acknowledges every
# update, sees each task reach its terminal state, and tears down - once
# with JSON bodies and once with protobuf bodies.  Afterwards the master's
# /state shows both frameworks completed and no task left running.
#
# Tasks really run (mesos-executor from $BUTTE_LAUNCHER_DIR) and end
# TASK_FINISHED; SCHED_E2E_EXPECT=TASK_FAILED checks an agent that cannot
# launch (the launch-failure path).
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
# No __pycache__ in the source tree.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

EXPECT=${SCHED_E2E_EXPECT:-TASK_FINISHED}
PYSCHED=$BUTTE_SRCDIR/tests/integration/pysched.py
# Seconds a scheduler run, or a state change, may take.
DEADLINE=${SCHED_DEADLINE:-60}

if [ -x "$BUTTE_BUILDDIR/mesos-local" ]; then
    start_role mesos-local --num_slaves=1 "--work_dir=$TEST_TMP/local"
    MASTER_PORT=$ROLE_PORT
else
    [ -x "$BUTTE_BUILDDIR/mesos-master" ] || skip "mesos-master is not built yet"
    [ -x "$BUTTE_BUILDDIR/mesos-agent" ] || skip "mesos-agent is not built yet"
    start_role mesos-master --registry=in_memory
    MASTER_PORT=$ROLE_PORT
    start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent" \
        --resources='cpus:2;mem:1024;disk:1024;ports:[31000-31099]'
fi
MASTER_URL=http://127.0.0.1:$MASTER_PORT

# state_ok EXPR - GET /state on the master and evaluate the Python EXPR on it
# ("d" is the document); true when EXPR is true.
state_ok() {
    curl -sS --max-time 5 -o "$TEST_TMP/state.json" "$MASTER_URL/state" 2>/dev/null || return 1
    [ "$(json_get "$TEST_TMP/state.json" "bool($1)")" = true ]
}

note "an agent registers"
wait_until "$DEADLINE" state_ok 'len(d["slaves"]) >= 1' ||
    fail "no agent registered with the master within ${DEADLINE}s"

FRAMEWORKS=
for enc in json protobuf; do
    note "pysched, $enc bodies, 3 tasks, expecting $EXPECT"
    out=$TEST_TMP/pysched-$enc.out
    timeout -s KILL $((DEADLINE + 30)) python3 "$PYSCHED" --master "127.0.0.1:$MASTER_PORT" \
        --tasks 3 --command true --encoding "$enc" --expect "$EXPECT" \
        --timeout "$DEADLINE" --name "pysched-$enc" >"$out" 2>&1
    rc=$?
    cat "$out"
    [ "$rc" -eq 0 ] || fail "pysched ($enc) exited $rc"
    expect_grep '^SUBSCRIBED ' "$out" "$enc: subscribed"
    expect_grep '^OFFER ' "$out" "$enc: got an offer"
    expect_eq "$(grep -c '^LAUNCH ' "$out")" 3 "$enc: tasks launched"
    # (an agent may resend an update before its ACK arrives: count tasks)
    expect_eq "$(grep "^UPDATE [^ ]* $EXPECT " "$out" | cut -d' ' -f2 | sort -u | wc -l)" 3 \
        "$enc: tasks that reached $EXPECT"
    # Every agent-originated update carries a uuid and was acknowledged.
    expect_eq "$(grep -c '^UPDATE .* uuid=yes' "$out")" "$(grep -c '^ACK ' "$out")" \
        "$enc: one ACK per update with a uuid"
    [ "$(grep -c '^ACK ' "$out")" -ge 3 ] || fail "$enc: fewer than 3 acknowledgements"
    if [ "$EXPECT" = TASK_FAILED ]; then
        expect_eq "$(grep "^UPDATE [^ ]* TASK_FAILED REASON_CONTAINER_LAUNCH_FAILED source=SOURCE_AGENT uuid=yes ." "$out" |
            cut -d' ' -f2 | sort -u | wc -l)" 3 \
            "$enc: TASK_FAILED from the agent with a reason, a uuid and a message"
    fi
    expect_grep '^TEARDOWN$' "$out" "$enc: torn down"
    expect_grep '^DONE ok 3 tasks' "$out" "$enc: result"
    fw=$(sed -n 's/^SUBSCRIBED \([^ ]*\) .*/\1/p' "$out")
    [ -n "$fw" ] || fail "$enc: no framework id"
    FRAMEWORKS="$FRAMEWORKS $fw"

    note "/state after the $enc run: framework $fw completed"
    wait_until "$DEADLINE" state_ok \
        "'$fw' in [f['id'] for f in d.get('completed_frameworks', [])] and '$fw' not in [f['id'] for f in d['frameworks']]" || {
        cat "$TEST_TMP/state.json" >&2
        fail "$enc: framework $fw is not completed in /state"
    }
done

note "/state: no task left running, nothing allocated"
ACTIVE='["TASK_STAGING","TASK_STARTING","TASK_RUNNING","TASK_KILLING"]'
wait_until "$DEADLINE" state_ok \
    "not [t for f in d['frameworks'] + d.get('completed_frameworks', []) for t in f.get('tasks', []) if t['state'] in $ACTIVE]" || {
    cat "$TEST_TMP/state.json" >&2
    fail "a task is still active in /state"
}
wait_until "$DEADLINE" state_ok \
    "all(s.get('used_resources', {}).get('cpus', 0) == 0 for s in d['slaves'])" || {
    cat "$TEST_TMP/state.json" >&2
    fail "an agent still has used resources"
}
for fw in $FRAMEWORKS; do
    # The completed framework still lists its 3 tasks, each terminal.
    state_ok "[t['state'] for f in d['completed_frameworks'] if f['id'] == '$fw' for t in f.get('completed_tasks', []) + f.get('tasks', [])] == ['$EXPECT'] * 3" || {
        cat "$TEST_TMP/state.json" >&2
        fail "completed framework $fw does not list its 3 tasks as $EXPECT"
    }
done
exit 0

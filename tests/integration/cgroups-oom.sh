#!/bin/sh
# cgroups-oom: a mesos-master and a mesos-agent with
# --isolation=cgroups/cpu,cgroups/mem,cgroups/pids (a cgroups_root of this
# run's own; cgroups/pids only where a v1 pids hierarchy is writable).
# 1. A task with mem:64 whose program allocates 256 MiB ends TASK_FAILED
#    with REASON_CONTAINER_LIMITATION_MEMORY and a "Memory limit
#    exceeded" message; afterwards no cgroup is left under the root in the
#    cpu, cpuacct, memory (and pids) hierarchies.
# 2. A long task's container shows its cgroup usage in the agent's
#    /monitor/statistics, and its pids cgroup holds the task's processes
#    (pids.current counts them).  Then the agent is killed with SIGKILL (its
#    executor and task live on in their cgroups); a new agent with the same
#    --cgroups_root destroys those orphans at start-up: no cgroup and none
#    of their processes are left.
# Skips (77) only where cgroup v1 cpu/memory cannot be written.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
. "$BUTTE_SRCDIR/tests/integration/cgroups-lib.sh"

[ -n "$CG_PIDS" ] && CG_ISOLATION=cgroups/cpu,cgroups/mem,cgroups/pids
[ -n "$CG_PIDS" ] || note "no writable pids hierarchy: cgroups/pids not tested"
start_master
start_agent "$TEST_TMP/agent1"
AGENT1_PID=$AGENT_PID

# --- 1. the OOM kill
execute oom --name=oom --resources='cpus:0.1;mem:64' \
    "--command=exec $PY -c 'b=[bytearray(1<<20) for i in range(256)]; print(\"survived\")'"
wait "$EXEC_PID"
cat "$EXEC_OUT"
expect_eq "$(states "$EXEC_OUT" oom | sed 's/.* //')" TASK_FAILED "the last state of the task"
expect_grep "^  reason: REASON_CONTAINER_LIMITATION_MEMORY\$" "$EXEC_OUT" "the OOM reason"
expect_grep "^  message: 'Memory limit exceeded: Requested: [0-9]*MB Maximum Used: [0-9]*MB" \
    "$EXEC_OUT" "the OOM message"
expect_grep "MEMORY STATISTICS" "$EXEC_OUT" "the memory statistics in the message"
wait_until 30 cg_none || fail "cgroups left after the OOM-killed task: $(cg_left | tr '\n' ' ')"
note "no cgroup left under $CG_ROOT"

# --- 2. statistics, then a killed agent's container destroyed by the next one
TOKEN=$((8000000 + $$))
# The second sleep leaves the task's session and process group, as a
# daemonising task does: only its cgroup still holds it when the executor
# goes with the agent.
execute long --name=long --resources='cpus:0.2;mem:64' \
    "--command=setsid sleep $TOKEN & sleep $TOKEN"
one_container() { [ "$(cg_containers | wc -l)" -eq 1 ]; }
task_in_cgroup() {
    CID=$(cg_containers)
    _n=0
    for _p in $(cat "$HIER/memory/$CG_ROOT/$CID/cgroup.procs" 2>/dev/null); do
        tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null | grep -q "^sleep $TOKEN" &&
            _n=$((_n + 1))
    done
    [ "$_n" -eq 2 ]
}
wait_until 30 one_container || fail "no container cgroup for the long task: $(cg_left)"
wait_until 30 task_in_cgroup || fail "the task never ran in its cgroup $CID"
PROCS=$(cat "$HIER/memory/$CG_ROOT/$CID/cgroup.procs" | tr '\n' ' ')
note "container $CID, processes $PROCS"
for h in cpu cpuacct; do
    grep -q . "$HIER/$h/$CG_ROOT/$CID/cgroup.procs" || fail "no process in the $h cgroup"
done
if [ -n "$CG_PIDS" ]; then
    PG=$HIER/pids/$CG_ROOT/$CID
    for _p in $PROCS; do
        grep -qx "$_p" "$PG/cgroup.procs" || fail "process $_p is not in the pids cgroup $PG"
    done
    _n=$(echo "$PROCS" | wc -w)
    _cur=$(cat "$PG/pids.current")
    [ "$_cur" -ge "$_n" ] || fail "pids.current $_cur is below the $_n processes of $CID"
    expect_eq "$(cat "$PG/pids.max")" max "pids.max (no limit)"
    note "pids cgroup of $CID: pids.current $_cur for processes $PROCS"
fi
shares=$(cat "$HIER/cpu/$CG_ROOT/$CID/cpu.shares")
[ "$shares" -ge 204 ] || fail "cpu.shares $shares is below 1024 x 0.2"

stats_ok() {
    curl -sS --max-time 5 -o "$TEST_TMP/stats.json" "$AGENT_URL/monitor/statistics" || return 1
    [ "$(json_get "$TEST_TMP/stats.json" 'all(k in d[0]["statistics"] for k in
        ["cpus_user_time_secs", "cpus_system_time_secs", "cpus_limit", "mem_total_bytes",
         "mem_rss_bytes", "mem_cache_bytes", "mem_limit_bytes", "processes", "threads"])')" = true ]
}
wait_until 20 stats_ok || {
    cat "$TEST_TMP/stats.json"
    fail "cgroup usage missing from /monitor/statistics"
}
note "statistics: $(json_get "$TEST_TMP/stats.json" 'd[0]["statistics"]')"
limit=$(cat "$HIER/memory/$CG_ROOT/$CID/memory.limit_in_bytes")
expect_eq "$(json_get "$TEST_TMP/stats.json" 'd[0]["statistics"]["mem_limit_bytes"]')" "$limit" \
    "mem_limit_bytes"

kill -KILL "$AGENT1_PID"
wait_until 10 dead "$AGENT1_PID" || fail "the agent survived SIGKILL"
LEFT=$(cat "$HIER/memory/$CG_ROOT/$CID/cgroup.procs" | tr '\n' ' ')
[ -n "$LEFT" ] || fail "every process of the container ended with the agent"
note "agent killed; processes $LEFT live on in the container's cgroups"

start_agent "$TEST_TMP/agent2"
procs_gone() {
    for _p in $PROCS $LEFT; do
        alive "$_p" && return 1
    done
    return 0
}
wait_until 30 cg_none || fail "the killed agent's cgroups are left: $(cg_left | tr '\n' ' ')"
wait_until 30 procs_gone || fail "processes of the killed agent's container are left"
[ -z "$CG_PIDS" ] || [ ! -d "$PG" ] || fail "the pids cgroup $PG is left"
expect_grep "destroying orphan cgroup $CID" "$AGENT_LOG" "orphan clean-up logged"
note "the new agent destroyed the orphan container $CID"
kill "$EXEC_PID" 2>/dev/null
exit 0

#!/bin/sh
# cgroups-cfs: a mesos-agent with --isolation=cgroups/cpu,cgroups/mem and
# --cgroups_enable_cfs runs two busy tasks, cpus:0.5 and cpus:1.5, each
# with two busy loops (so each could use both cores of the machine and the
# quota is what holds it back).  Their cpuacct.usage over ~5 s is in a 1:3
# ratio within 10%: a behaviour check (the kernel's CFS quota and the
# shares, both 1:3, decide it), not a timing assertion.  The ratio is
# printed.  Also: cpu.cfs_quota_us is cpus x 100 ms, and the agent's
# /monitor/statistics shows the throttling of the quota-bound task.
# Skips (77) only where cgroup v1 cpu/memory cannot be written.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
. "$BUTTE_SRCDIR/tests/integration/cgroups-lib.sh"

start_master
start_agent "$TEST_TMP/agent" --cgroups_enable_cfs

BUSY="sh -c 'while :; do :; done' & while :; do :; done"
execute small --name=small --resources='cpus:0.5;mem:64' "--command=$BUSY"
SMALL_PID=$EXEC_PID
execute big --name=big --resources='cpus:1.5;mem:64' "--command=$BUSY"
BIG_PID=$EXEC_PID

# The container with the given CFS quota, once its two loops run in it.
container_with_quota() {
    for _c in $(cg_containers); do
        _d=$HIER/cpu/$CG_ROOT/$_c
        [ "$(cat "$_d/cpu.cfs_quota_us" 2>/dev/null)" = "$1" ] || continue
        [ "$(grep -c . "$_d/cgroup.procs")" -ge 3 ] || continue
        echo "$_c"
        return 0
    done
    return 1
}
both_busy() {
    SMALL=$(container_with_quota 50000) && BIG=$(container_with_quota 150000)
}
wait_until 60 both_busy || {
    cat "$TEST_TMP/small.out" "$TEST_TMP/big.out"
    fail "the two busy containers never ran (cgroups: $(cg_left | tr '\n' ' '))"
}
note "cpus:0.5 in $SMALL, cpus:1.5 in $BIG"
for c in $SMALL $BIG; do
    expect_eq "$(cat "$HIER/cpu/$CG_ROOT/$c/cpu.cfs_period_us")" 100000 "cfs period of $c"
done

# Tests run in parallel on two cores: with other busy processes about, the
# containers would get less than their quotas and the split would be left
# to the scheduler's per-CPU averaging of the shares.  For the measuring
# window this run's root cgroup (the test's own) gets the highest weight,
# so the quotas are what holds each container back; the measuring process
# runs in that cgroup too, so that it is not starved between its reads.
echo 262144 >"$HIER/cpu/$CG_ROOT/cpu.shares" || fail "cannot raise the root cgroup's weight"
ratio=$(sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' join "$HIER/cpu/$CG_ROOT" \
    "$PY" "$BUTTE_SRCDIR/tests/integration/cgroups-cpuacct.py" "$HIER/cpuacct/$CG_ROOT" \
    "$SMALL" "$BIG" 5) || fail "could not measure the CPU time"
echo 1024 >"$HIER/cpu/$CG_ROOT/cpu.shares"
echo "$ratio" | sed -n 1p
ratio=$(echo "$ratio" | sed -n 2p)
note "measured CPU time ratio big/small = $ratio (expected 3, within 10%)"
python3 -c "import sys; sys.exit(0 if 2.7 <= $ratio <= 3.3 else 1)" ||
    fail "CPU time ratio $ratio is not 3 within 10%"

grep -q '^nr_throttled [1-9]' "$HIER/cpu/$CG_ROOT/$SMALL/cpu.stat" ||
    fail "the cpus:0.5 task was never throttled: $(cat "$HIER/cpu/$CG_ROOT/$SMALL/cpu.stat")"
throttled() {
    curl -sS --max-time 5 -o "$TEST_TMP/stats.json" "$AGENT_URL/monitor/statistics" || return 1
    [ "$(json_get "$TEST_TMP/stats.json" \
        'any(e["statistics"].get("cpus_nr_throttled", 0) > 0 and
             e["statistics"].get("cpus_limit") == 0.5 for e in d)')" = true ]
}
wait_until 20 throttled || {
    cat "$TEST_TMP/stats.json"
    fail "/monitor/statistics shows no throttling for the cpus:0.5 task"
}
kill "$SMALL_PID" "$BIG_PID" 2>/dev/null
exit 0

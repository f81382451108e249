#!/bin/sh
# agent-files: a task run through mesos-local leaves its sandbox visible
# under /slave(1)/files (and the bare /files, agent 1's under mesos-local):
# browse lists stdout, read returns what the task printed (offset/length
# too), download gives the raw bytes, a path with ".." or outside every
# sandbox answers 404; runs/latest is attached too.  With --gc_delay=1secs
# the sandbox is removed after the task ended and its updates were
# acknowledged, and leaves /files/debug.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

[ -x "$BUTTE_BUILDDIR/mesos-local" ] || skip "mesos-local is not built"
[ -x "$BUTTE_BUILDDIR/mesos-executor" ] || skip "mesos-executor is not built"
PYSCHED=$BUTTE_SRCDIR/tests/integration/pysched.py
DEADLINE=60
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

# local WORK_DIR FLAGS... - mesos-local with one agent, one task that
# prints, run to TASK_FINISHED by pysched.
local_task() {
    _work=$1
    shift
    start_role mesos-local --num_slaves=1 "--work_dir=$_work" \
        '--resources=cpus:2;mem:512;disk:1024' --registration_backoff_factor=10ms "$@"
    timeout -s KILL $((DEADLINE + 30)) python3 "$PYSCHED" --master "127.0.0.1:$ROLE_PORT" \
        --tasks 1 --command 'echo hello from the sandbox; echo second line' \
        --timeout "$DEADLINE" >"$TEST_TMP/sched.out" 2>&1
    _rc=$?
    sed 's/^/  [pysched] /' "$TEST_TMP/sched.out"
    [ "$_rc" -eq 0 ] || fail "pysched exited $_rc"
}

note "one task that prints (sandboxes kept: default --gc_delay)"
local_task "$TEST_TMP/local"

# The sandbox is known from /files/debug (virtual path -> real path).
http GET '/slave(1)/files/debug'
expect_eq "$HTTP_STATUS" 200 "GET /slave(1)/files/debug"
cp "$HTTP_BODY" "$TEST_TMP/debug.json"
BOX=$(json_get "$TEST_TMP/debug.json" '[k for k in d if not k.endswith("/latest")][0]')
LATEST=$(json_get "$TEST_TMP/debug.json" '[k for k in d if k.endswith("/runs/latest")][0]')
[ -n "$BOX" ] && [ -d "$BOX" ] || fail "no sandbox attached: $(cat "$TEST_TMP/debug.json")"
[ -n "$LATEST" ] || fail "runs/latest is not attached: $(cat "$TEST_TMP/debug.json")"
case $BOX in "$TEST_TMP"/local/agents/1/slaves/*/runs/*) ;; *) fail "sandbox path $BOX" ;; esac

urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

note "browse"
http GET "/slave(1)/files/browse?path=$(urlq "$BOX")"
expect_eq "$HTTP_STATUS" 200 "browse the sandbox"
expect_eq "$(json_get "$HTTP_BODY" 'sorted(e["path"].rsplit("/", 1)[1] for e in d if e["path"].endswith("/stdout") or e["path"].endswith("/stderr"))')" \
    '["stderr", "stdout"]' "sandbox listing"

note "read (whole, offset/length, via runs/latest, via the bare /files)"
http GET "/slave(1)/files/read?path=$(urlq "$BOX/stdout")&offset=0"
expect_eq "$HTTP_STATUS" 200 "read stdout"
expect_grep 'hello from the sandbox' "$HTTP_BODY" "stdout holds the task's output"
# where the task's line starts (the executor may log before it)
at=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().index(b"hello from"))' "$BOX/stdout")
http GET "/slave(1)/files/read?path=$(urlq "$BOX/stdout")&offset=$((at + 6))&length=4"
expect_eq "$(json_get "$HTTP_BODY" 'd["data"]')" "from" "read offset=$((at + 6)) length=4"
http GET "/slave(1)/files/read?path=$(urlq "$LATEST/stdout")&offset=0"
expect_eq "$HTTP_STATUS" 200 "read through runs/latest"
expect_grep 'hello from the sandbox' "$HTTP_BODY" "runs/latest/stdout"
http GET "/files/read?path=$(urlq "$BOX/stdout")&offset=0"
expect_eq "$HTTP_STATUS" 200 "bare /files (agent 1 under mesos-local)"

note "download"
http GET "/slave(1)/files/download?path=$(urlq "$BOX/stdout")"
expect_eq "$HTTP_STATUS" 200 "download stdout"
cmp -s "$HTTP_BODY" "$BOX/stdout" || fail "download differs from the file"

note "no way out of the sandbox"
for p in "$BOX/../../../../../../../../etc/passwd" "$BOX/.." "/etc/passwd" \
    "$TEST_TMP/local/agents/1"; do
    http GET "/slave(1)/files/read?path=$(urlq "$p")&offset=0"
    expect_eq "$HTTP_STATUS" 404 "read $p"
    http GET "/slave(1)/files/download?path=$(urlq "$p")"
    expect_eq "$HTTP_STATUS" 404 "download $p"
done

stop_role TERM

note "garbage collection after --gc_delay=1secs"
local_task "$TEST_TMP/local-gc" --gc_delay=1secs --disk_watch_interval=1secs
LOG=$ROLE_LOG
# the sandbox may be gone already: its path is in the launch's log line
BOX=$(sed -n 's/.*launched executor .*, sandbox //p' "$LOG" | head -n 1)
case $BOX in "$TEST_TMP"/local-gc/agents/1/slaves/*/runs/*) ;; *) fail "sandbox path '$BOX'" ;; esac
gone() { [ ! -e "$BOX" ]; }
wait_until 30 gone || fail "sandbox $BOX still there 30s after the task ended"
detached() {
    http GET '/slave(1)/files/debug'
    [ "$HTTP_STATUS" = 200 ] && [ "$(json_get "$HTTP_BODY" 'len(d)')" = 0 ]
}
wait_until 10 detached || fail "sandbox still attached: $(cat "$HTTP_BODY")"
http GET "/slave(1)/files/read?path=$(urlq "$BOX/stdout")&offset=0"
expect_eq "$HTTP_STATUS" 404 "read after GC"
expect_grep 'removed sandbox' "$LOG" "the agent logs the removal"
stop_role TERM
exit 0

# shellcheck shell=sh
# tests/integration/lib.sh - helpers the integration tests source.
#
# POSIX sh (make check runs the tests with $(SHELL), /bin/sh).  A test exits
# 0 to pass, 77 to skip, anything else to fail.  Roles are started on
# 127.0.0.1 with --port=0 and report the port the OS chose through
# $BUTTE_PORT_FILE, so tests run in parallel without port clashes.  Every
# wait polls a condition against a deadline; nothing sleeps and hopes.
#
# Environment (set by tests/local.mk): BUTTE_BUILDDIR, BUTTE_SRCDIR,
# BUTTE_MODULE_DIR, BUTTE_TEST_MODDIR.

if [ -z "${BUTTE_BUILDDIR:-}" ]; then
    echo "BUTTE_BUILDDIR is not set: run the tests with make check" >&2
    exit 99
fi

# Seconds a role gets to start or to stop.
ROLE_DEADLINE=${ROLE_DEADLINE:-20}

TEST_NAME=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/butte-$TEST_NAME.XXXXXX") || exit 99
ROLE_PIDS=
ROLE_N=0

# Never read the machine's /etc/mesos* from a test.
BUTTE_ETC_ROOT=
export BUTTE_ETC_ROOT
# Nor inherit a MESOS_* or LIBPROCESS_* setting from the caller.
for v in $(env | sed -n 's/^\(MESOS_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(LIBPROCESS_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done

cleanup() {
    for p in $ROLE_PIDS; do
        kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$TEST_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    exit 77
}

note() {
    echo "--- $*"
}

require_cmd() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# wait_until SECS CMD [ARGS...] - run CMD every 50 ms until it succeeds
# (return 0) or SECS seconds have passed (return 1).
wait_until() {
    _secs=$1
    shift
    _deadline=$(($(now_ms) + _secs * 1000))
    while ! "$@"; do
        [ "$(now_ms)" -lt "$_deadline" ] || return 1
        sleep 0.05
    done
    return 0
}

# alive PID - the process exists and is not a zombie.
alive() {
    _state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
    [ -n "$_state" ] && [ "$_state" != Z ]
}

dead() {
    ! alive "$1"
}

# run_role PROGRAM ARGS... - run to completion (for flag errors, --help):
# sets RUN_STATUS, RUN_OUT (stdout file), RUN_ERR (stderr file).  The role
# is killed after ROLE_DEADLINE seconds so a role that wrongly starts
# serving cannot hang the test.
run_role() {
    _prog=$1
    shift
    ROLE_N=$((ROLE_N + 1))
    RUN_OUT=$TEST_TMP/run.$ROLE_N.out
    RUN_ERR=$TEST_TMP/run.$ROLE_N.err
    timeout -s KILL "$ROLE_DEADLINE" "$BUTTE_BUILDDIR/$_prog" "$@" >"$RUN_OUT" 2>"$RUN_ERR"
    RUN_STATUS=$?
    [ "$RUN_STATUS" -ne 137 ] || fail "$_prog $* did not exit within ${ROLE_DEADLINE}s"
}

# start_role PROGRAM ARGS... - start PROGRAM in the background on
# 127.0.0.1 and an OS-chosen port (pass NO_PORT_FLAG=1 in the environment
# to leave --port out), wait until it listens.  Sets ROLE_PID, ROLE_PORT,
# ROLE_URL and ROLE_LOG (stdout and stderr).
start_role() {
    _prog=$1
    shift
    ROLE_N=$((ROLE_N + 1))
    ROLE_LOG=$TEST_TMP/$_prog.$ROLE_N.log
    _portfile=$TEST_TMP/$_prog.$ROLE_N.port
    if [ "${NO_PORT_FLAG:-0}" = 1 ]; then
        set -- --ip=127.0.0.1 "$@"
    else
        set -- --ip=127.0.0.1 --port=0 "$@"
    fi
    note "start $_prog $*"
    BUTTE_PORT_FILE=$_portfile "$BUTTE_BUILDDIR/$_prog" "$@" >"$ROLE_LOG" 2>&1 &
    ROLE_PID=$!
    ROLE_PIDS="$ROLE_PIDS $ROLE_PID"
    _deadline=$(($(now_ms) + ROLE_DEADLINE * 1000))
    while [ ! -s "$_portfile" ]; do
        if dead "$ROLE_PID"; then
            cat "$ROLE_LOG" >&2
            fail "$_prog exited before it listened"
        fi
        if [ "$(now_ms)" -ge "$_deadline" ]; then
            cat "$ROLE_LOG" >&2
            fail "$_prog did not listen within ${ROLE_DEADLINE}s"
        fi
        sleep 0.05
    done
    ROLE_PORT=$(cat "$_portfile")
    ROLE_URL=http://127.0.0.1:$ROLE_PORT
}

# stop_role SIGNAL [PID] - send SIGNAL (TERM, INT) and require exit status 0
# within ROLE_DEADLINE seconds.
stop_role() {
    _sig=$1
    _pid=${2:-$ROLE_PID}
    kill -s "$_sig" "$_pid" || fail "could not send SIG$_sig to $_pid"
    if ! wait_until "$ROLE_DEADLINE" dead "$_pid"; then
        kill -KILL "$_pid" 2>/dev/null
        fail "process $_pid still running ${ROLE_DEADLINE}s after SIG$_sig"
    fi
    wait "$_pid"
    _status=$?
    if [ "$_status" -ne 0 ]; then
        cat "$ROLE_LOG" >&2
        fail "process $_pid exited with status $_status after SIG$_sig"
    fi
}

# http METHOD PATH [CURL ARGS...] - request $ROLE_URL$PATH.  Sets
# HTTP_STATUS, HTTP_BODY (file) and HTTP_HEADERS (file).
# shellcheck disable=SC2034 # read by the tests
http() {
    _method=$1
    _path=$2
    shift 2
    HTTP_BODY=$TEST_TMP/body
    HTTP_HEADERS=$TEST_TMP/headers
    HTTP_STATUS=$(curl -sS --max-time 10 -X "$_method" -o "$HTTP_BODY" -D "$HTTP_HEADERS" \
        -w '%{http_code}' "$@" "$ROLE_URL$_path") || fail "curl $_method $_path failed"
}

# http_header NAME - the value of a response header of the last request.
http_header() {
    tr -d '\r' <"$HTTP_HEADERS" | sed -n "s/^$1: *//Ip" | head -n 1
}

# json_get FILE EXPR - print a value from a JSON file; EXPR is Python
# applied to the parsed document as "d" (d["flags"]["port"]).
json_get() {
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2" 2>/dev/null
}

expect_eq() {
    [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

# expect_grep PATTERN FILE WHAT - FILE contains a line matching PATTERN.
expect_grep() {
    grep -q -e "$1" "$2" || {
        cat "$2" >&2
        fail "$3: no line matching '$1'"
    }
}

# expect_one_line FILE WHAT - FILE holds exactly one line.
expect_one_line() {
    _n=$(wc -l <"$1")
    [ "$_n" -eq 1 ] || {
        cat "$1" >&2
        fail "$2: expected exactly one line on stderr, got $_n"
    }
}

require_cmd curl
require_cmd python3
require_cmd timeout

#!/bin/sh
# master-cli: --help, --version, and the one-line errors for a misspelt
# flag, a missing --work_dir and bad --modules values.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

note "--help"
run_role mesos-master --help
expect_eq "$RUN_STATUS" 0 "--help exit status"
expect_grep '--port' "$RUN_OUT" "--help lists --port"
expect_grep '--work_dir' "$RUN_OUT" "--help lists --work_dir"
expect_grep '--modules' "$RUN_OUT" "--help lists --modules"
# grouped: at least three group headings, lines that do not start with a
# blank and are not flags
groups=$(grep -c '^[A-Z][A-Za-z /-]*:\{0,1\}$' "$RUN_OUT")
[ "$groups" -ge 3 ] || fail "--help shows $groups group headings, expected several"

note "--version"
run_role mesos-master --version
expect_eq "$RUN_STATUS" 0 "--version exit status"
expect_grep '^mesos 1\.12\.0 (butte [0-9.]*)$' "$RUN_OUT" "--version output"

note "unknown flag"
run_role mesos-master --registry=in_memory --prot=1
[ "$RUN_STATUS" -ne 0 ] || fail "--prot=1 was accepted"
expect_one_line "$RUN_ERR" "--prot=1"
expect_grep "--prot\b" "$RUN_ERR" "--prot=1 names the flag"
expect_grep "--port\b" "$RUN_ERR" "--prot=1 suggests --port"
expect_grep '^mesos-master: ' "$RUN_ERR" "error line starts with the program"

note "missing --work_dir"
run_role mesos-master
[ "$RUN_STATUS" -ne 0 ] || fail "started without --work_dir"
expect_one_line "$RUN_ERR" "no --work_dir"
expect_grep "--work_dir" "$RUN_ERR" "missing --work_dir is named"

# Module errors come after logging started: --quiet keeps the log lines off
# stderr, so what remains is the error line alone.
note "--modules with a missing file"
run_role mesos-master --registry=in_memory --quiet --modules=/nonexistent.json
[ "$RUN_STATUS" -ne 0 ] || fail "--modules=/nonexistent.json was accepted"
expect_one_line "$RUN_ERR" "--modules=/nonexistent.json"
expect_grep "nonexistent.json" "$RUN_ERR" "the missing file is named"

note "--modules with bad JSON"
run_role mesos-master --registry=in_memory --quiet '--modules={bad'
[ "$RUN_STATUS" -ne 0 ] || fail "--modules={bad was accepted"
expect_one_line "$RUN_ERR" "--modules={bad"
expect_grep "modules" "$RUN_ERR" "the bad flag is named"

note "--no-authenticate and --zk=file://"
printf 'zk://127.0.0.1:2181/mesos\n' >"$TEST_TMP/zk"
start_role mesos-master --registry=in_memory --no-authenticate "--zk=file://$TEST_TMP/zk"
http GET /flags
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["authenticate_frameworks"]')" false "flags.authenticate_frameworks (via its deprecated alias)"
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["zk"].strip()')" zk://127.0.0.1:2181/mesos \
    "flags.zk read from the file"
stop_role TERM
exit 0

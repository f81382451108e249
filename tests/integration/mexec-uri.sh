#!/bin/sh
# mexec-uri: CommandInfo.uris are fetched into the sandbox before the task
# runs: an executable script (chmod +x), a .tar.gz extracted, a file:// URI
# renamed by output_file; a URI that cannot be fetched ends TASK_FAILED
# with a message naming it.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
. "$BUTTE_SRCDIR/tests/integration/mexec-lib.sh"
require_cmd tar

src=$TEST_TMP/src
mkdir -p "$src/pkg"
printf '#!/bin/sh\necho script-ran\n' >"$src/run.sh"
chmod 0644 "$src/run.sh"
echo packed >"$src/pkg/inside.txt"
(cd "$src" && tar -czf bundle.tar.gz pkg) || fail "could not make the archive"
echo plain >"$src/data.txt"

group() { # NAME URIS-JSON COMMAND
    cat >"$TEST_TMP/$1.json" <<JSON
{"tasks": [{"name": "$1", "task_id": {"value": "$1"}, "agent_id": {"value": "x"},
  "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}],
  "command": {"value": "$3", "uris": $2}}]}
JSON
}

note "fetching works"
group fetched "[{\"value\": \"$src/run.sh\", \"executable\": true},
  {\"value\": \"file://$src/bundle.tar.gz\"},
  {\"value\": \"file://$src/data.txt\", \"output_file\": \"renamed.txt\"}]" \
    "./run.sh && cat pkg/inside.txt renamed.txt"
run_execute "--task_group=file://$TEST_TMP/fetched.json"
expect_eq "$EXEC_STATUS" 0 "mesos-execute with fetched URIs"
dir=$(sandbox default)
expect_grep '^script-ran$' "$dir/stdout" "executable script ran"
expect_grep '^packed$' "$dir/stdout" "archive extracted"
expect_grep '^plain$' "$dir/stdout" "output_file"

note "a missing URI"
group missing "[{\"value\": \"$src/no-such-file\"}]" "true"
run_execute "--task_group=file://$TEST_TMP/missing.json"
[ "$EXEC_STATUS" -ne 0 ] || fail "mesos-execute exited 0 for a task whose URI is missing"
expect_eq "$(states "$EXEC_OUT" missing)" "TASK_STARTING TASK_FAILED" "states"
expect_grep "^  message: 'failed to fetch \"$src/no-such-file\": No such file or directory'\$" \
    "$EXEC_OUT" "message names the URI and why"
exit 0

#!/bin/sh
# master-modules: the master loads the first-party paramlog module, named
# by library "name" and found in BUTTE_MODULE_DIR, from inline JSON and from
# a file:// manifest; the module logs its parameters and is destroyed at
# shutdown.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

lib=$(ls "${BUTTE_MODULE_DIR:-/nonexistent}"/libparamlog.so 2>/dev/null)
[ -n "$lib" ] || fail "libparamlog.so is not in ${BUTTE_MODULE_DIR:-(BUTTE_MODULE_DIR unset)}"

manifest='{"libraries":[{"name":"paramlog","modules":[{"name":"org_apache_mesos_ParamLog","parameters":[{"key":"greeting","value":"hello-from-test"},{"key":"answer","value":"42"}]}]}]}'

note "inline --modules"
start_role mesos-master --registry=in_memory "--modules=$manifest"
expect_grep "loaded module 'org_apache_mesos_ParamLog' (anonymous)" "$ROLE_LOG" "the role reports the module"
expect_grep "parameter greeting=hello-from-test" "$ROLE_LOG" "paramlog logs its first parameter"
expect_grep "parameter answer=42" "$ROLE_LOG" "paramlog logs its second parameter"
http GET /flags
expect_eq "$(json_get "$HTTP_BODY" '"modules" in d["flags"]')" true "flags.modules"
stop_role TERM
# shutdown destroys the instance
expect_grep "ParamLog.*destroyed" "$ROLE_LOG" "paramlog destroyed at shutdown"

note "--modules=file://"
printf '%s\n' "$manifest" | sed 's/hello-from-test/hello-from-file/' >"$TEST_TMP/modules.json"
start_role mesos-master --registry=in_memory "--modules=file://$TEST_TMP/modules.json"
expect_grep "parameter greeting=hello-from-file" "$ROLE_LOG" "paramlog logs the file's parameter"
stop_role TERM
exit 0

#!/bin/sh
# master-env: flags come from MESOS_* environment variables, and the
# command line wins over them.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

note "MESOS_PORT=0 (no --port): the OS chooses, not the default 5050"
MESOS_PORT=0 MESOS_REGISTRY=in_memory NO_PORT_FLAG=1 start_role mesos-master
[ "$ROLE_PORT" != 5050 ] || fail "MESOS_PORT was ignored"
http GET /flags
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["port"]')" 0 "flags.port from MESOS_PORT"
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["registry"]')" in_memory "flags.registry from MESOS_REGISTRY"
stop_role TERM

note "the command line wins"
MESOS_PORT=1 start_role mesos-master --registry=in_memory
http GET /flags
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["port"]')" 0 "--port=0 over MESOS_PORT=1"
stop_role TERM
exit 0

#!/bin/sh
# master-signals: SIGINT stops the master with exit status 0 just as
# SIGTERM does, and the port is free again at once for the next master.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

start_role mesos-master --registry=in_memory
stop_role INT
expect_grep "received signal 2, stopping" "$ROLE_LOG" "shutdown log"

# The same port again: SO_REUSEADDR lets a restarted master bind at once.
port=$ROLE_PORT
NO_PORT_FLAG=1 start_role mesos-master --registry=in_memory --port="$port"
expect_eq "$ROLE_PORT" "$port" "restart on the same port"
http GET /health
expect_eq "$HTTP_STATUS" 200 "GET /health after restart"

# A second master on a port in use fails with one line naming the address
# (--quiet keeps the start-up log lines off stderr).
run_role mesos-master --registry=in_memory --ip=127.0.0.1 --port="$port" --quiet
[ "$RUN_STATUS" -ne 0 ] || fail "a second master on port $port started"
expect_one_line "$RUN_ERR" "port in use"
expect_grep "could not listen on 127.0.0.1:$port: Address already in use" "$RUN_ERR" "port in use"

stop_role TERM
exit 0

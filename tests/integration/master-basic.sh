#!/bin/sh
# master-basic: mesos-master starts, serves /health, /flags and /version
# (and their /master aliases), answers 404 and 405 properly, and stops
# cleanly on SIGTERM.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

start_role mesos-master --registry=in_memory
expect_grep "master listening on 127.0.0.1:$ROLE_PORT" "$ROLE_LOG" "start-up log"

note "/health"
http GET /health
expect_eq "$HTTP_STATUS" 200 "GET /health status"
expect_eq "$(wc -c <"$HTTP_BODY")" 0 "GET /health body size"
http GET /master/health
expect_eq "$HTTP_STATUS" 200 "GET /master/health status"

note "/flags"
http GET /flags
expect_eq "$HTTP_STATUS" 200 "GET /flags status"
expect_eq "$(http_header Content-Type)" application/json "GET /flags content type"
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["port"]')" 0 "flags.port"
expect_eq "$(json_get "$HTTP_BODY" 'd["flags"]["registry"]')" in_memory "flags.registry"
# a module selection flag, reported with its default
expect_eq "$(json_get "$HTTP_BODY" 'type(d["flags"]["allocator"]).__name__')" str "flags.allocator"
expect_eq "$(json_get "$HTTP_BODY" 'all(isinstance(v, str) for v in d["flags"].values())')" \
    true "every flag value is a string"
http GET /master/flags
expect_eq "$HTTP_STATUS" 200 "GET /master/flags status"

note "/version"
http GET /version
expect_eq "$HTTP_STATUS" 200 "GET /version status"
expect_eq "$(json_get "$HTTP_BODY" 'd["version"]')" 1.12.0 "version"
for key in build_date build_time build_user; do
    expect_eq "$(json_get "$HTTP_BODY" "'$key' in d")" true "/version has $key"
done
http GET /master/version
expect_eq "$(json_get "$HTTP_BODY" 'd["version"]')" 1.12.0 "/master/version version"

note "JSONP"
http GET '/version?jsonp=cb'
expect_eq "$HTTP_STATUS" 200 "GET /version?jsonp=cb status"
expect_eq "$(http_header Content-Type)" text/javascript "JSONP content type"
expect_grep '^cb({.*"version":"1.12.0".*});$' "$HTTP_BODY" "JSONP body"
http GET '/version?jsonp=alert(1)//'
expect_eq "$HTTP_STATUS" 400 "JSONP with a bad callback"

note "404 and 405"
http GET /no/such/endpoint
expect_eq "$HTTP_STATUS" 404 "unknown path"
http POST /health
expect_eq "$HTTP_STATUS" 405 "POST /health"
expect_grep '^Allow: GET' "$HTTP_HEADERS" "405 Allow header"
http HEAD /version -I
expect_eq "$HTTP_STATUS" 200 "HEAD /version"

note "SIGTERM"
stop_role TERM
expect_grep "received signal 15, stopping" "$ROLE_LOG" "shutdown log"
exit 0

#!/bin/sh
# master-scheduler-api: the HTTP rules of POST /api/v1/scheduler on a
# master alone (no agents): method, Content-Type, Accept, malformed bodies,
# the SUBSCRIBE stream (headers, first SUBSCRIBED record, HEARTBEATs), and
# the stream-id rules of the other calls.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"

start_role mesos-master --registry=in_memory --heartbeat_interval=1secs
API=/api/v1/scheduler
SUB='{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"test","name":"api-test"}}}'

note "method"
http GET $API
expect_eq "$HTTP_STATUS" 405 "GET $API"
expect_grep '^Allow: POST' "$HTTP_HEADERS" "405 Allow header"

note "Content-Type"
http POST $API -H 'Content-Type:' --data-binary "$SUB"
expect_eq "$HTTP_STATUS" 400 "no Content-Type"
http POST $API -H 'Content-Type: application/json; charset=utf-8' --data-binary "$SUB"
expect_eq "$HTTP_STATUS" 415 "Content-Type with a parameter"
http POST $API -H 'Content-Type: text/plain' --data-binary "$SUB"
expect_eq "$HTTP_STATUS" 415 "text/plain"

note "malformed bodies"
http POST $API -H 'Content-Type: application/json' --data-binary '{"type":'
expect_eq "$HTTP_STATUS" 400 "bad JSON"
http POST $API -H 'Content-Type: application/json' \
    --data-binary '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"x"}}}'
expect_eq "$HTTP_STATUS" 400 "missing required field"
expect_grep 'subscribe.framework_info.name' "$HTTP_BODY" "400 names the missing field"
http POST $API -H 'Content-Type: application/x-protobuf' --data-binary 'garbage'
expect_eq "$HTTP_STATUS" 400 "bad protobuf"
http POST $API -H 'Content-Type: application/json' --data-binary '{"type":"SUBSCRIBE"}'
expect_eq "$HTTP_STATUS" 400 "SUBSCRIBE without subscribe"
expect_grep "Expecting 'subscribe' to be present" "$HTTP_BODY" "payload reason"
http POST $API -H 'Content-Type: application/json' -H 'Accept: text/html' --data-binary "$SUB"
expect_eq "$HTTP_STATUS" 406 "Accept without JSON or protobuf"
http POST $API -H 'Content-Type: application/json' -H 'Mesos-Stream-Id: abc' --data-binary "$SUB"
expect_eq "$HTTP_STATUS" 400 "SUBSCRIBE with a stream id"

note "calls before SUBSCRIBE"
http POST $API -H 'Content-Type: application/json' \
    --data-binary '{"type":"TEARDOWN","framework_id":{"value":"no-such-framework"}}'
expect_eq "$HTTP_STATUS" 400 "unknown framework"
http POST $API -H 'Content-Type: application/json' --data-binary '{"type":"TEARDOWN"}'
expect_eq "$HTTP_STATUS" 400 "no framework_id"

note "SUBSCRIBE stream"
# A raw HTTP client: checks the head (chunked, no Content-Length,
# Mesos-Stream-Id), that each record is a chunk of its own, the first
# record, and two HEARTBEATs; then, while the stream is open, the rules
# of the other calls.  Exit status and messages say what failed.
python3 - "$ROLE_PORT" <<'PY' || fail "subscribe stream checks"
import http.client, json, socket, sys, time

port = int(sys.argv[1])
deadline = time.time() + 20
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
body = json.dumps({"type": "SUBSCRIBE", "subscribe": {"framework_info": {
    "user": "test", "name": "api-test", "failover_timeout": 3600}}}).encode()
sock.sendall(b"POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\n"
             b"Content-Type: application/json\r\nAccept: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body) + body)
f = sock.makefile("rb")
status = f.readline().decode()
assert status.startswith("HTTP/1.1 200"), status
headers = {}
while True:
    line = f.readline().decode().strip()
    if not line:
        break
    k, v = line.split(":", 1)
    headers[k.strip().lower()] = v.strip()
assert headers.get("transfer-encoding") == "chunked", headers
assert "content-length" not in headers, headers
assert headers.get("content-type") == "application/json", headers
sid = headers.get("mesos-stream-id")
assert sid and len(sid) == 36, headers

def record():
    # one chunk == one RecordIO record
    size = int(f.readline().strip(), 16)
    chunk = f.read(size)
    f.readline()
    n, _, data = chunk.partition(b"\n")
    assert int(n) == len(data), (n, len(data))
    return json.loads(data)

first = record()
assert first["type"] == "SUBSCRIBED", first
fid = first["subscribed"]["framework_id"]["value"]
assert first["subscribed"]["heartbeat_interval_seconds"] == 1.0, first
mi = first["subscribed"]["master_info"]
assert mi["port"] == port and mi["version"] == "1.12.0", mi
assert mi["pid"] == "master@127.0.0.1:%d" % port, mi
assert mi["ip"] == 0x0100007f, mi  # 127.0.0.1 in network order, read as a uint32
assert mi["address"]["ip"] == "127.0.0.1", mi

beats = 0
while beats < 2:
    assert time.time() < deadline, "no two HEARTBEATs in time"
    ev = record()
    if ev["type"] == "HEARTBEAT":
        beats += 1

def call(payload, stream_id=None, ctype="application/json"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Content-Type": ctype}
    if stream_id is not None:
        h["Mesos-Stream-Id"] = stream_id
    c.request("POST", "/api/v1/scheduler", json.dumps(payload), h)
    r = c.getresponse()
    return r.status, r.read().decode(), r.getheader("Content-Length")

fwid = {"value": fid}
s, b, _ = call({"type": "REVIVE", "framework_id": fwid})
assert s == 400 and "Mesos-Stream-Id" in b, (s, b)
s, b, _ = call({"type": "REVIVE", "framework_id": fwid}, "0" * 36)
assert s == 400 and "didn't match" in b, (s, b)
s, b, cl = call({"type": "REVIVE", "framework_id": fwid}, sid)
assert s == 202 and b == "" and cl == "0", (s, b, cl)
s, b, _ = call({"type": "SUPPRESS", "framework_id": fwid, "suppress": {"roles": ["*"]}}, sid)
assert s == 202, (s, b)
s, b, _ = call({"type": "DECLINE", "framework_id": fwid,
                "decline": {"offer_ids": [{"value": "nope"}]}}, sid)
assert s == 202, (s, b)
s, b, _ = call({"type": "ACKNOWLEDGE", "framework_id": fwid, "acknowledge": {
    "agent_id": {"value": "a"}, "task_id": {"value": "t"}, "uuid": "AAAA"}}, sid)
assert s == 400 and "UUID" in b, (s, b)

# ACCEPT on an offer that does not exist: TASK_LOST, REASON_INVALID_OFFERS, no uuid
task = {"name": "t", "task_id": {"value": "t1"}, "agent_id": {"value": "a1"},
        "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
        "command": {"value": "true"}}
s, b, _ = call({"type": "ACCEPT", "framework_id": fwid, "accept": {
    "offer_ids": [{"value": "gone"}],
    "operations": [{"type": "LAUNCH", "launch": {"task_infos": [task]}}]}}, sid)
assert s == 202, (s, b)
while True:
    assert time.time() < deadline, "no UPDATE for the invalid offer"
    ev = record()
    if ev["type"] == "UPDATE":
        st = ev["update"]["status"]
        assert st["state"] == "TASK_LOST", st
        assert st["reason"] == "REASON_INVALID_OFFERS", st
        assert st["source"] == "SOURCE_MASTER", st
        assert "uuid" not in st, st
        break

# explicit reconciliation of an unknown task: TASK_LOST (not partition aware)
s, b, _ = call({"type": "RECONCILE", "framework_id": fwid,
                "reconcile": {"tasks": [{"task_id": {"value": "ghost"}}]}}, sid)
assert s == 202, (s, b)
while True:
    assert time.time() < deadline, "no reconciliation answer"
    ev = record()
    if ev["type"] == "UPDATE":
        st = ev["update"]["status"]
        assert st["task_id"]["value"] == "ghost" and st["state"] == "TASK_LOST", st
        assert st["reason"] == "REASON_RECONCILIATION", st
        break

# a second SUBSCRIBE with the id fails the first stream over
c2 = socket.create_connection(("127.0.0.1", port), timeout=10)
body = json.dumps({"type": "SUBSCRIBE", "framework_id": fwid, "subscribe": {"framework_info": {
    "user": "test", "name": "api-test", "id": fwid, "failover_timeout": 3600}}}).encode()
c2.sendall(b"POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
while True:
    assert time.time() < deadline, "no failover ERROR on the old stream"
    ev = record()
    if ev["type"] == "ERROR":
        assert ev["error"]["message"] == "Framework failed over", ev
        break
# the old stream id no longer works
s, b, _ = call({"type": "REVIVE", "framework_id": fwid}, sid)
assert s == 400, (s, b)

# an invalid FrameworkInfo gets 200 and then ERROR on the stream
c3 = socket.create_connection(("127.0.0.1", port), timeout=10)
body = json.dumps({"type": "SUBSCRIBE", "subscribe": {"framework_info": {
    "user": "test", "name": "bad", "roles": ["a"]}}}).encode()
c3.sendall(b"POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
f = c3.makefile("rb")
assert f.readline().startswith(b"HTTP/1.1 200")
while f.readline().strip():
    pass
ev = record()
assert ev["type"] == "ERROR" and "MULTI_ROLE" in ev["error"]["message"], ev
print("ok")
PY

note "TEARDOWN over the second stream's absence: 403 once disconnected"
stop_role TERM
exit 0

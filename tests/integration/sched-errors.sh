#!/bin/sh
# sched-errors: the v1 scheduler API refuses bad input with the status the
# reference gives and a reason, and nothing changes in the master's /state:
# wrong or missing Content-Type, missing or wrong Mesos-Stream-Id, unknown
# or disconnected framework, malformed JSON and protobuf, missing required
# fields (named in the reason), a payload missing for its type.  ACCEPT on
# an unknown or used offer gives TASK_LOST (TASK_DROPPED when PARTITION_AWARE)
# with REASON_INVALID_OFFERS; a launch asking more than the offer gives
# TASK_ERROR with a message.  A declined offer comes back after its
# refuse_seconds, and at once after REVIVE.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
# No __pycache__ in the source tree.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

DEADLINE=${SCHED_DEADLINE:-30}

if [ -x "$BUTTE_BUILDDIR/mesos-local" ]; then
    start_role mesos-local --num_slaves=1 "--work_dir=$TEST_TMP/local"
    MASTER_PORT=$ROLE_PORT
else
    [ -x "$BUTTE_BUILDDIR/mesos-master" ] || skip "mesos-master is not built yet"
    [ -x "$BUTTE_BUILDDIR/mesos-agent" ] || skip "mesos-agent is not built yet"
    start_role mesos-master --registry=in_memory
    MASTER_PORT=$ROLE_PORT
    start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent" \
        --resources='cpus:2;mem:1024;disk:1024;ports:[31000-31099]'
fi

# A second master whose offers time out, for ACCEPT on a rescinded offer.
start_role mesos-master --registry=in_memory --offer_timeout=1secs
RESCIND_PORT=$ROLE_PORT
start_role mesos-agent "--master=127.0.0.1:$RESCIND_PORT" "--work_dir=$TEST_TMP/agent2" \
    --resources='cpus:1;mem:512'

PYTHONPATH=$BUTTE_SRCDIR/tests/integration
export PYTHONPATH
timeout -s KILL $((DEADLINE * 10)) python3 - "$MASTER_PORT" "$DEADLINE" "$RESCIND_PORT" <<'EOF'
import base64, http.client, json, sys, time, uuid
import pyproto
from pysched import Scheduler, CallError, framework_info, encode_call, CT_JSON, CT_PROTO

PORT = int(sys.argv[1])
DEADLINE = float(sys.argv[2])
MASTER = "127.0.0.1:%d" % PORT
failures = []


def note(msg):
    print("--- " + msg, flush=True)


def check(cond, what):
    if cond:
        print("ok   " + what, flush=True)
    else:
        print("FAIL " + what, flush=True)
        failures.append(what)
    return cond


def request(method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    hdrs = dict((k.lower(), v) for k, v in resp.getheaders())
    conn.close()
    return resp.status, hdrs, data.decode("utf-8", "replace")


def state():
    status, _, body = request("GET", "/state")
    assert status == 200, "GET /state answered %d" % status
    return json.loads(body)


def wait(pred, what, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            check(False, what + " (within %gs)" % timeout)
            return v
        time.sleep(0.05)


def snapshot():
    """The parts of /state a refused call must not change."""
    d = state()
    fws = []
    for f in d.get("frameworks", []):
        fws.append((f.get("id"), f.get("active"), f.get("connected"),
                    sorted((t["id"], t["state"]) for t in f.get("tasks", [])),
                    sorted((t["id"], t["state"]) for t in f.get("completed_tasks", [])),
                    sorted(o["id"] for o in f.get("offers", []))))
    return {
        "frameworks": sorted(fws),
        "completed_frameworks": sorted(f.get("id") for f in d.get("completed_frameworks", [])),
        "agents": sorted((s.get("id"), json.dumps(s.get("used_resources"), sort_keys=True),
                          json.dumps(s.get("offered_resources"), sort_keys=True))
                         for s in d.get("slaves", [])),
    }


def refused(what, resp, status, mention=None, before=None, need_reason=True):
    """resp was answered status with a non-empty reason (mentioning
    mention) and /state equals before."""
    got, _, body = resp
    ok = check(got == status, "%s: status %d (got %d, body %r)" % (what, status, got, body[:200]))
    if ok and need_reason:
        check(body.strip() != "", "%s: the %d carries a reason" % (what, status))
    if ok and mention:
        check(mention.lower() in body.lower(), "%s: reason %r names %r" % (what, body[:200], mention))
    if before is not None:
        after = snapshot()
        check(after == before, "%s: /state unchanged%s" % (
            what, "" if after == before else " (before %s, after %s)"
            % (json.dumps(before), json.dumps(after))))


class Pump:
    """Collects a scheduler's events: current offers, updates."""

    def __init__(self, sched):
        self.s = sched
        self.offers = {}
        self.updates = []
        self.closed = False

    def handle(self, ev):
        t = ev.get("type")
        if t == "OFFERS":
            for o in ev["offers"].get("offers", []):
                self.offers[o["id"]["value"]] = o
        elif t == "RESCIND":
            self.offers.pop(ev["rescind"]["offer_id"]["value"], None)
        elif t == "UPDATE":
            st = ev["update"]["status"]
            self.updates.append(st)
            if st.get("uuid"):
                self.s.acknowledge(st)
        elif t in ("CLOSED", "BROKEN", "ERROR"):
            self.closed = True
            if t != "CLOSED":
                print("stream: %s" % json.dumps(ev), flush=True)

    def until(self, pred, timeout=DEADLINE):
        deadline = time.monotonic() + timeout
        while True:
            v = pred()
            if v:
                return v
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return v
            ev = self.s.next_event(min(left, 0.5))
            if ev is not None:
                self.handle(ev)

    def update_for(self, task_id, timeout=DEADLINE):
        return self.until(lambda: next((u for u in self.updates
                                        if u["task_id"]["value"] == task_id), None), timeout)

    def offer(self, exclude=(), timeout=DEADLINE):
        return self.until(lambda: next((o for k, o in self.offers.items()
                                        if k not in exclude), None), timeout)


def resources(offer, cpus, mem):
    out = []
    for name, value in (("cpus", cpus), ("mem", mem)):
        r = next(r for r in offer["resources"] if r["name"] == name)
        x = {"name": name, "type": "SCALAR", "scalar": {"value": value}}
        for k in ("role", "allocation_info"):
            if k in r:
                x[k] = r[k]
        out.append(x)
    return out


def task(offer_or_agent, tid, cpus=0.1, mem=32.0, offer=None):
    agent = offer["agent_id"] if offer else {"value": offer_or_agent}
    t = {"name": tid, "task_id": {"value": tid}, "agent_id": agent,
         "command": {"value": "true", "shell": True}}
    t["resources"] = resources(offer, cpus, mem) if offer else [
        {"name": "cpus", "type": "SCALAR", "scalar": {"value": cpus}},
        {"name": "mem", "type": "SCALAR", "scalar": {"value": mem}}]
    return t


def scalar(offer, name):
    return sum(float(r["scalar"]["value"]) for r in offer["resources"]
               if r["name"] == name and r.get("type", "SCALAR") == "SCALAR")


def has_task(tid):
    d = state()
    return any(t["id"] == tid for f in d.get("frameworks", []) + d.get("completed_frameworks", [])
               for t in f.get("tasks", []) + f.get("completed_tasks", []))


PATH = "/api/v1/scheduler"

note("an agent registers")
wait(lambda: len(state().get("slaves", [])) >= 1, "an agent registered")

note("framework A subscribes (JSON) and holds its first offer")
A = Scheduler(MASTER, "json")
first = A.subscribe(framework_info("sched-errors-A"))
if not check(first.get("type") == "SUBSCRIBED", "A: first event is SUBSCRIBED"):
    sys.exit(1)
pa = Pump(A)
FW = A.framework_id
SID = A.stream_id
offer = pa.offer()
if not check(offer is not None, "A: got an offer"):
    sys.exit(1)
agent_id = offer["agent_id"]["value"]
wait(lambda: any(f["id"] == FW and f.get("offers") for f in state()["frameworks"]),
     "/state lists A's offer")
before = snapshot()

teardown_json = json.dumps({"type": "TEARDOWN", "framework_id": {"value": FW}}).encode()
jh = {"Content-Type": CT_JSON, "Mesos-Stream-Id": SID}

note("method and Content-Type")
st, hdrs, body = request("GET", PATH)
check(st == 405, "GET %s: 405 (got %d)" % (PATH, st))
check(hdrs.get("allow", "") == "POST", "405 carries Allow: POST (got %r)" % hdrs.get("allow"))
refused("TEARDOWN as text/plain", request("POST", PATH, teardown_json,
        {"Content-Type": "text/plain", "Mesos-Stream-Id": SID}), 415, before=before)
refused("TEARDOWN without Content-Type", request("POST", PATH, teardown_json,
        {"Mesos-Stream-Id": SID}), 400, before=before)

note("stream id")
refused("TEARDOWN without Mesos-Stream-Id", request("POST", PATH, teardown_json,
        {"Content-Type": CT_JSON}), 400, before=before)
refused("TEARDOWN with a wrong Mesos-Stream-Id", request("POST", PATH, teardown_json,
        {"Content-Type": CT_JSON, "Mesos-Stream-Id": str(uuid.uuid4())}), 400, before=before)
fi = framework_info("sched-errors-bad")
refused("SUBSCRIBE carrying Mesos-Stream-Id", request("POST", PATH, json.dumps(
        {"type": "SUBSCRIBE", "subscribe": {"framework_info": fi}}).encode(), jh), 400,
        before=before)

note("unknown framework")
refused("TEARDOWN of an unknown framework", request("POST", PATH, json.dumps(
        {"type": "TEARDOWN", "framework_id": {"value": FW + "-nope"}}).encode(), jh), 400,
        before=before)

note("malformed and incomplete JSON")
refused("malformed JSON", request("POST", PATH, b'{"type": "TEARDOWN", "framework_id": {',
        jh), 400, before=before)
refused("JSON that is not an object", request("POST", PATH, b'[1, 2]', jh), 400, before=before)
ack = {"type": "ACKNOWLEDGE", "framework_id": {"value": FW},
       "acknowledge": {"agent_id": {"value": agent_id}, "task_id": {"value": "t"}}}
refused("JSON ACKNOWLEDGE without uuid", request("POST", PATH, json.dumps(ack).encode(), jh),
        400, mention="uuid", before=before)
nouser = {"type": "SUBSCRIBE", "subscribe": {"framework_info": {"name": "no-user"}}}
refused("JSON SUBSCRIBE whose framework_info has no user",
        request("POST", PATH, json.dumps(nouser).encode(), {"Content-Type": CT_JSON}),
        400, mention="user", before=before)
refused("ACCEPT without 'accept'", request("POST", PATH, json.dumps(
        {"type": "ACCEPT", "framework_id": {"value": FW}}).encode(), jh), 400,
        mention="accept", before=before)
refused("call with an unknown type name", request("POST", PATH, json.dumps(
        {"type": "BOGUS", "framework_id": {"value": FW}}).encode(), jh), 400, before=before)
refused("call whose enum type is a number", request("POST", PATH, json.dumps(
        {"type": 2, "framework_id": {"value": FW}}).encode(), jh), 400, before=before)
refused("SUBSCRIBE whose framework_id differs from framework_info.id", request(
        "POST", PATH, json.dumps({"type": "SUBSCRIBE", "framework_id": {"value": FW},
                                  "subscribe": {"framework_info": dict(fi, id={"value": FW + "x"})}}
                                 ).encode(), {"Content-Type": CT_JSON}), 400, before=before)
st, _, body = request("POST", PATH, json.dumps(
    {"type": "UNKNOWN", "framework_id": {"value": FW}}).encode(), jh)
check(st == 501, "UNKNOWN call: 501 (got %d, %r)" % (st, body[:200]))
check(snapshot() == before, "UNKNOWN call: /state unchanged")

note("malformed and incomplete protobuf")
ph = {"Content-Type": CT_PROTO, "Mesos-Stream-Id": SID}
refused("truncated protobuf", request("POST", PATH, b"\x0a\xff\xff\xff\x0f\x01", ph), 400,
        before=before)
refused("protobuf with an invalid wire type", request("POST", PATH, b"\x0f\x01\x02", ph), 400,
        before=before)
ack_pb = pyproto.encode("mesos.v1.scheduler.Call", ack)
refused("protobuf ACKNOWLEDGE without uuid", request("POST", PATH, ack_pb, ph), 400,
        mention="uuid", before=before)
refused("protobuf TEARDOWN without Mesos-Stream-Id", request(
        "POST", PATH, pyproto.encode("mesos.v1.scheduler.Call",
                                     {"type": "TEARDOWN", "framework_id": {"value": FW}}),
        {"Content-Type": CT_PROTO}), 400, before=before)

note("a disconnected framework is not subscribed (403)")
B = Scheduler(MASTER, "json")
B.subscribe(framework_info("sched-errors-B", failover_timeout=3600))
FWB, SIDB = B.framework_id, B.stream_id
B.close_stream()
wait(lambda: any(f["id"] == FWB and not f.get("connected", True) and not f.get("active", True)
                 for f in state()["frameworks"]), "B is listed disconnected and inactive")
before_b = snapshot()
refused("TEARDOWN of a disconnected framework", request("POST", PATH, json.dumps(
        {"type": "TEARDOWN", "framework_id": {"value": FWB}}).encode(),
        {"Content-Type": CT_JSON, "Mesos-Stream-Id": SIDB}), 403, before=before_b)
note("B re-subscribes with its id and tears down")
B2 = Scheduler(MASTER, "json")
ev = B2.subscribe(framework_info("sched-errors-B", failover_timeout=3600) | {"id": {"value": FWB}},
                  framework_id=FWB)
if check(ev.get("type") == "SUBSCRIBED" and B2.framework_id == FWB,
         "B re-subscribed under its id (got %s)" % json.dumps(ev)[:200]):
    check(B2.stream_id != SIDB, "B's new stream has a new stream id")
    refused("B's old stream id after re-subscription", request("POST", PATH, json.dumps(
            {"type": "TEARDOWN", "framework_id": {"value": FWB}}).encode(),
            {"Content-Type": CT_JSON, "Mesos-Stream-Id": SIDB}), 400)
    B2.teardown()
    wait(lambda: FWB in [f["id"] for f in state().get("completed_frameworks", [])],
         "B is completed after TEARDOWN")
B2.close()
before = snapshot()

note("ACCEPT on an unknown offer: TASK_LOST, REASON_INVALID_OFFERS")
A.accept([offer["id"]["value"] + "-nope"], [task(None, "bad-offer-1", offer=offer)])
u = pa.update_for("bad-offer-1")
if check(u is not None, "an update for the task on an unknown offer"):
    check(u.get("state") == "TASK_LOST", "unknown offer: TASK_LOST (got %s)" % u.get("state"))
    check(u.get("reason") == "REASON_INVALID_OFFERS",
          "unknown offer: REASON_INVALID_OFFERS (got %s)" % u.get("reason"))
    check(u.get("source") == "SOURCE_MASTER", "unknown offer: SOURCE_MASTER (got %s)" % u.get("source"))
    check(not u.get("uuid"), "unknown offer: master-generated update has no uuid")
check(not has_task("bad-offer-1"), "unknown offer: no task in /state")
after = snapshot()
check(after == before, "unknown offer: /state unchanged%s" % (
    "" if after == before else " (before %s, after %s)" % (json.dumps(before), json.dumps(after))))

note("a launch asking more than the offer holds: TASK_ERROR with a message")
big = task(None, "too-big-1", cpus=scalar(offer, "cpus") + 1, mem=32.0, offer=offer)
A.accept([offer["id"]["value"]], [big])
u = pa.update_for("too-big-1")
if check(u is not None, "an update for the over-committed task"):
    check(u.get("state") == "TASK_ERROR", "over-commit: TASK_ERROR (got %s)" % u.get("state"))
    check(u.get("reason") == "REASON_TASK_INVALID",
          "over-commit: REASON_TASK_INVALID (got %s)" % u.get("reason"))
    check(bool(u.get("message")), "over-commit: the update carries a message")
    check(not u.get("uuid"), "over-commit: master-generated update has no uuid")
check(not has_task("too-big-1"), "over-commit: no task in /state")
d = state()
check(all(float(s.get("used_resources", {}).get("cpus", 0)) == 0 for s in d["slaves"]),
      "over-commit: nothing allocated to tasks on the agent")
used_offer = offer["id"]["value"]
pa.offers.pop(used_offer, None)

note("ACCEPT on an offer already used: TASK_LOST, REASON_INVALID_OFFERS")
A.accept([used_offer], [task(None, "used-offer-1", offer=offer)])
u = pa.update_for("used-offer-1")
if check(u is not None, "an update for the task on a used offer"):
    check(u.get("state") == "TASK_LOST", "used offer: TASK_LOST (got %s)" % u.get("state"))
    check(u.get("reason") == "REASON_INVALID_OFFERS",
          "used offer: REASON_INVALID_OFFERS (got %s)" % u.get("reason"))
check(not has_task("used-offer-1"), "used offer: no task in /state")

note("the resources of the used offer come back in a new offer")
offer2 = pa.offer(exclude=(used_offer,))
if check(offer2 is not None, "a new offer after the over-committed ACCEPT"):
    o2 = offer2["id"]["value"]
    note("DECLINE with refuse_seconds=1: the agent is offered again")
    A.decline([o2], refuse_seconds=1)
    pa.offers.pop(o2, None)
    offer3 = pa.offer(exclude=(used_offer, o2))
    if check(offer3 is not None, "an offer comes back after refuse_seconds=1"):
        check(offer3["agent_id"] == offer2["agent_id"], "it is for the same agent")
        o3 = offer3["id"]["value"]
        note("DECLINE with refuse_seconds=3600, then REVIVE: offered again")
        A.decline([o3], refuse_seconds=3600)
        pa.offers.pop(o3, None)
        wait(lambda: not any(f["id"] == FW and f.get("offers") for f in state()["frameworks"]),
             "the declined offer left /state")
        A.revive()
        offer4 = pa.offer(exclude=(used_offer, o2, o3))
        check(offer4 is not None, "an offer comes back after REVIVE")

note("a PARTITION_AWARE framework gets TASK_DROPPED for an unknown offer")
C = Scheduler(MASTER, "protobuf")
ev = C.subscribe(framework_info("sched-errors-C", capabilities=["PARTITION_AWARE"]))
if check(ev.get("type") == "SUBSCRIBED", "C (protobuf) subscribed"):
    pc = Pump(C)
    C.accept(["no-such-offer"], [task(agent_id, "dropped-1")])
    u = pc.update_for("dropped-1")
    if check(u is not None, "an update for C's task on an unknown offer"):
        check(u.get("state") == "TASK_DROPPED", "partition-aware: TASK_DROPPED (got %s)"
              % u.get("state"))
        check(u.get("reason") == "REASON_INVALID_OFFERS",
              "partition-aware: REASON_INVALID_OFFERS (got %s)" % u.get("reason"))
    C.teardown()
C.close()

note("ACCEPT on a rescinded offer (--offer_timeout=1secs): TASK_LOST, REASON_INVALID_OFFERS")
D = Scheduler("127.0.0.1:%s" % sys.argv[3], "json")
ev = D.subscribe(framework_info("sched-errors-D"))
if check(ev.get("type") == "SUBSCRIBED", "D subscribed to the second master"):
    pd = Pump(D)
    rescinded = []
    orig = pd.handle

    def handle_d(ev):
        if ev.get("type") == "RESCIND":
            rescinded.append(ev["rescind"]["offer_id"]["value"])
        orig(ev)
    pd.handle = handle_d
    od = pd.offer()
    if check(od is not None, "D got an offer"):
        oid = od["id"]["value"]
        if check(pd.until(lambda: oid in rescinded) is True, "D's offer is rescinded after offer_timeout"):
            D.accept([oid], [task(None, "rescinded-1", offer=od)])
            u = pd.update_for("rescinded-1")
            if check(u is not None, "an update for the task on a rescinded offer"):
                check(u.get("state") == "TASK_LOST",
                      "rescinded offer: TASK_LOST (got %s)" % u.get("state"))
                check(u.get("reason") == "REASON_INVALID_OFFERS",
                      "rescinded offer: REASON_INVALID_OFFERS (got %s)" % u.get("reason"))
                check(not u.get("uuid"), "rescinded offer: no uuid")
    D.teardown()
D.close()

note("A tears down")
A.teardown()
ev = A.wait_for(lambda e: e.get("type") in ("CLOSED", "BROKEN"), DEADLINE, on_event=pa.handle)
check(ev is not None, "A's stream is closed after TEARDOWN")
wait(lambda: FW in [f["id"] for f in state().get("completed_frameworks", [])],
     "A is completed after TEARDOWN")
A.close()

if failures:
    print("%d check(s) failed:" % len(failures))
    for f in failures:
        print("  " + f)
    sys.exit(1)
print("all checks passed")
EOF
rc=$?
[ "$rc" -eq 0 ] || fail "scheduler API error checks failed (status $rc)"
exit 0

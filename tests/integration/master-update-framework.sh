#!/bin/sh
# master-update-framework: UPDATE_FRAMEWORK (§A.4) on a master with one
# agent.  It is answered synchronously: 200 and /state shows the new name
# and roles; a changed user, a wrong id or suppressed roles outside the
# roles give 400 naming the problem and change nothing; removing a role
# rescinds the framework's outstanding offers of that role, and the
# resources come back offered to the role that remains.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

[ -x "$BUTTE_BUILDDIR/mesos-agent" ] || skip "mesos-agent is not built yet"
DEADLINE=${SCHED_DEADLINE:-30}

start_role mesos-master --registry=in_memory
MASTER_PORT=$ROLE_PORT
start_role mesos-agent "--master=127.0.0.1:$MASTER_PORT" "--work_dir=$TEST_TMP/agent" \
    --resources='cpus:2;mem:1024'

PYTHONPATH=$BUTTE_SRCDIR/tests/integration
export PYTHONPATH
timeout -s KILL $((DEADLINE * 4)) python3 - "$MASTER_PORT" "$DEADLINE" <<'EOF' ||
import http.client, json, sys, time
import pysched

port, deadline = int(sys.argv[1]), float(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def state_fw(fid):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/state")
    st = json.loads(conn.getresponse().read())
    conn.close()
    for fw in st.get("frameworks", []):
        if fw["id"] == fid:
            return fw
    return None


def offer_roles(ev):
    return {o.get("allocation_info", {}).get("role") for o in ev["offers"]["offers"]}


def update(s, info, suppressed=None):
    body = {"framework_info": info}
    if suppressed is not None:
        body["suppressed_roles"] = suppressed
    call = {"type": "UPDATE_FRAMEWORK", "framework_id": {"value": s.framework_id},
            "update_framework": body}
    status, _, data = s.post(pysched.encode_call(call, s.encoding), s.headers())
    return status, data.decode("utf-8", "replace")


s = pysched.Scheduler("127.0.0.1:%d" % port)
info = pysched.framework_info(name="before", capabilities=("MULTI_ROLE",))
info["roles"] = ["alpha"]
first = s.subscribe(info)
check(first.get("type") == "SUBSCRIBED", "subscribed")
fid = s.framework_id
info["id"] = {"value": fid}

ev = s.wait_for(lambda e: e.get("type") == "OFFERS", deadline)
check(ev is not None and offer_roles(ev) == {"alpha"}, "offers for role alpha")
held = [o["id"]["value"] for o in ev["offers"]["offers"]] if ev else []

# name and roles change: 200, visible in /state at once (synchronous)
new = dict(info, name="after", roles=["alpha", "beta"])
status, body = update(s, new)
check(status == 200, "rename + add role -> 200 (got %d %s)" % (status, body))
fw = state_fw(fid)
check(fw is not None and fw["name"] == "after", "/state shows the new name")
check(fw is not None and sorted(fw.get("roles", [])) == ["alpha", "beta"],
      "/state shows roles alpha and beta (%s)" % (fw or {}).get("roles"))

# immutable and invalid fields: 400 naming the problem, nothing changes
status, body = update(s, dict(new, user="someone-else", name="bad"))
check(status == 400 and "user" in body, "user change -> 400 naming user (%d %s)" % (status, body))
status, body = update(s, dict(new, checkpoint=True, name="bad"))
check(status == 400 and "checkpoint" in body, "checkpoint change -> 400 (%d %s)" % (status, body))
status, body = update(s, dict(new, id={"value": fid + "-x"}, name="bad"))
check(status == 400, "id mismatch -> 400 (%d %s)" % (status, body))
status, body = update(s, dict(new, name="bad"), suppressed=["gamma"])
check(status == 400 and "gamma" in body, "suppressed role outside roles -> 400 (%d %s)"
      % (status, body))
status, body = update(s, dict(new, name="bad", roles=["beta", "beta"]))
check(status == 400 and "duplicate" in body, "duplicate roles -> 400 (%d %s)" % (status, body))
fw = state_fw(fid)
check(fw is not None and fw["name"] == "after" and sorted(fw["roles"]) == ["alpha", "beta"],
      "refused updates changed nothing")

# role alpha removed: its outstanding offers are rescinded, and the
# recovered resources are offered again to beta
status, body = update(s, dict(new, roles=["beta"]))
check(status == 200, "remove role alpha -> 200 (%d %s)" % (status, body))
rescinded = set()
beta = s.wait_for(lambda e: (e.get("type") == "RESCIND" and
                             rescinded.add(e["rescind"]["offer_id"]["value"])) or
                  (e.get("type") == "OFFERS" and "beta" in offer_roles(e)), deadline)
check(held and set(held) <= rescinded, "offers of alpha rescinded (%s of %s)"
      % (sorted(rescinded), held))
check(beta is not None and offer_roles(beta) == {"beta"}, "resources offered again to beta")
fw = state_fw(fid)
check(fw is not None and fw["roles"] == ["beta"], "/state shows only beta")

s.call({"type": "TEARDOWN"})
s.close()
sys.exit(1 if failures else 0)
EOF
    fail "update-framework checks"
exit 0

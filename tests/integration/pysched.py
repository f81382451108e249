#!/usr/bin/env python3
"""pysched - a Mesos v1 HTTP scheduler written only from the public API docs.

Python standard library only.  It behaves like a stock v1 client:

* SUBSCRIBE is POSTed on its own persistent connection; the answer must be
  200, chunked, with a Mesos-Stream-Id header; its body is a RecordIO stream
  ("<size>\\n<data>", records independent of chunk boundaries) read
  incrementally by a thread.
* Every other call goes over a second keep-alive connection with the
  Mesos-Stream-Id header and must be answered exactly 202.
* Bodies are JSON (application/json) or protobuf (application/x-protobuf,
  through pyproto); events are turned into the same JSON-shaped dicts
  either way, so the logic does not care.
* Every UPDATE carrying a uuid is acknowledged; those without are not.

As a module: Scheduler (the client), RecordIOReader, and small helpers the
integration tests use.  As a program:

    python3 pysched.py --master 127.0.0.1:5050 --tasks 3 --command true \\
        --encoding json --expect TASK_FINISHED --timeout 60

prints one line per event or state change and exits 0 when every task
reached the expected terminal state, 1 when some reached another one, 2 on
timeout, 3 on a protocol error.
"""

import argparse
import base64
import getpass
import http.client
import json
import os
import queue
import socket
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyproto  # noqa: E402

CALL = "mesos.v1.scheduler.Call"
EVENT = "mesos.v1.scheduler.Event"
PATH = "/api/v1/scheduler"
CT_JSON = "application/json"
CT_PROTO = "application/x-protobuf"

TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST",
            "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR"}


class ProtocolError(Exception):
    """The master answered in a way the v1 API does not allow."""


class CallError(Exception):
    """A call was not answered 202."""

    def __init__(self, call_type, status, body):
        Exception.__init__(self, "%s answered %s: %s" % (call_type, status, body))
        self.status = status
        self.body = body


class RecordIOReader:
    """Incremental RecordIO decoder: feed() bytes, get complete records."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        records = []
        while True:
            nl = self.buf.find(b"\n")
            if nl < 0:
                if len(self.buf) > 20 or not self.buf.isdigit() and self.buf:
                    raise ProtocolError("bad RecordIO size prefix %r" % bytes(self.buf[:32]))
                return records
            head = bytes(self.buf[:nl])
            if not head.isdigit():
                raise ProtocolError("bad RecordIO size prefix %r" % head[:32])
            size = int(head)
            if size == 0:
                raise ProtocolError("RecordIO record of size 0")
            if len(self.buf) < nl + 1 + size:
                return records
            records.append(bytes(self.buf[nl + 1:nl + 1 + size]))
            del self.buf[:nl + 1 + size]

    def pending(self):
        return len(self.buf)


def encode_call(call, encoding):
    if encoding == "json":
        return json.dumps(call).encode("utf-8")
    return pyproto.encode(CALL, call)


def decode_event(data, encoding):
    if encoding == "json":
        return json.loads(data.decode("utf-8"))
    return pyproto.decode(EVENT, data)


def content_type(encoding):
    return CT_JSON if encoding == "json" else CT_PROTO


def split_master(master):
    master = master.replace("http://", "").rstrip("/")
    host, _, port = master.rpartition(":")
    return host, int(port)


def scalar(resources, name):
    """Sum (in Mesos' fixed point, three decimals) of scalar resource name."""
    milli = 0
    for r in resources or []:
        if r.get("name") == name and r.get("type", "SCALAR") == "SCALAR":
            milli += int(round(float(r["scalar"]["value"]) * 1000))
    return milli / 1000.0


class Scheduler:
    """A v1 scheduler client: one SUBSCRIBE stream, one keep-alive call link."""

    def __init__(self, master, encoding="json", log=None, strict=True):
        if encoding not in ("json", "protobuf"):
            raise ValueError("encoding must be json or protobuf")
        self.host, self.port = split_master(master)
        self.encoding = encoding
        self.ctype = content_type(encoding)
        self.log = log or (lambda line: None)
        self.strict = strict
        self.stream_id = None
        self.framework_id = None
        self.subscribed = None
        self.events = queue.Queue()
        self.closed = threading.Event()
        self._stream_conn = None
        self._stream_resp = None
        self._reader = None
        self._call_conn = None

    # ------------------------------------------------------------ links

    def _connection(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def post(self, body, headers, path=PATH, method="POST"):
        """One request on the keep-alive call connection; returns (status,
        headers dict with lower-case names, body bytes).  Reconnects once if
        the master closed the idle connection."""
        for attempt in (0, 1):
            if self._call_conn is None:
                self._call_conn = self._connection()
            try:
                self._call_conn.request(method, path, body=body, headers=headers)
                resp = self._call_conn.getresponse()
                data = resp.read()
                hdrs = dict((k.lower(), v) for k, v in resp.getheaders())
                if resp.will_close:
                    self._call_conn.close()
                    self._call_conn = None
                return resp.status, hdrs, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                self._call_conn.close()
                self._call_conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def headers(self, stream_id=True, ctype=None):
        h = {"Content-Type": ctype or self.ctype, "Accept": self.ctype}
        if stream_id and self.stream_id:
            h["Mesos-Stream-Id"] = self.stream_id
        return h

    def call(self, call, expect=202):
        """Send a non-SUBSCRIBE call; raise CallError unless answered expect."""
        if self.framework_id and "framework_id" not in call:
            call = dict(call, framework_id={"value": self.framework_id})
        status, _, body = self.post(encode_call(call, self.encoding), self.headers())
        if status != expect:
            raise CallError(call.get("type"), status, body.decode("utf-8", "replace").strip())
        if expect == 202 and body:
            raise ProtocolError("%s: 202 with a non-empty body" % call.get("type"))
        return body

    # ------------------------------------------------------------ stream

    def subscribe(self, framework_info, framework_id=None, timeout=10, extra_headers=None):
        """POST SUBSCRIBE and start reading the stream.  Returns the first
        event (SUBSCRIBED); raises CallError when not answered 200 and
        ProtocolError when the answer is not a proper stream."""
        call = {"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info}}
        if framework_id:
            call["framework_id"] = {"value": framework_id}
        conn = self._connection(timeout)
        headers = {"Content-Type": self.ctype, "Accept": self.ctype}
        headers.update(extra_headers or {})
        conn.request("POST", PATH, body=encode_call(call, self.encoding), headers=headers)
        resp = conn.getresponse()
        if resp.status != 200:
            body = resp.read().decode("utf-8", "replace").strip()
            conn.close()
            raise CallError("SUBSCRIBE", resp.status, body)
        stream_id = resp.getheader("Mesos-Stream-Id")
        problems = []
        if not stream_id:
            problems.append("no Mesos-Stream-Id header")
        if resp.getheader("Content-Length") is not None:
            problems.append("stream has a Content-Length")
        if not resp.chunked:
            problems.append("stream is not chunked")
        if resp.getheader("Content-Type") != self.ctype:
            problems.append("stream Content-Type %r, expected %r"
                            % (resp.getheader("Content-Type"), self.ctype))
        if problems and (self.strict or not stream_id):
            conn.close()
            raise ProtocolError("SUBSCRIBE: " + "; ".join(problems))
        self.stream_id = stream_id
        if conn.sock is not None:
            conn.sock.settimeout(None)  # heartbeats come every 15 s; never time out
        self._stream_conn = conn
        self._stream_resp = resp
        self.closed.clear()
        self._reader = threading.Thread(target=self._read_stream, daemon=True)
        self._reader.start()
        first = self.next_event(timeout)
        if first is None:
            raise ProtocolError("SUBSCRIBE: no event within %ss" % timeout)
        if first.get("type") == "SUBSCRIBED":
            self.subscribed = first["subscribed"]
            self.framework_id = first["subscribed"]["framework_id"]["value"]
        elif first.get("type") != "ERROR" and first.get("type") != "CLOSED":
            raise ProtocolError("first event is %s, not SUBSCRIBED" % first.get("type"))
        return first

    def _read_stream(self):
        resp = self._stream_resp
        reader = RecordIOReader()
        try:
            while True:
                data = resp.read1(65536)
                if not data:
                    break
                for record in reader.feed(data):
                    try:
                        event = decode_event(record, self.encoding)
                    except (ValueError, pyproto.DecodeError) as e:
                        self.events.put({"type": "BROKEN", "error": "undecodable event: %s" % e})
                        return
                    self.events.put(event)
            if reader.pending():
                self.events.put({"type": "BROKEN",
                                 "error": "stream ended inside a record (%d bytes)"
                                 % reader.pending()})
        except ProtocolError as e:
            self.events.put({"type": "BROKEN", "error": str(e)})
        except Exception as e:  # noqa: B902 - any read failure ends the stream
            if not self.closed.is_set():
                self.events.put({"type": "BROKEN", "error": "stream read failed: %r" % e})
        finally:
            self.events.put({"type": "CLOSED"})

    def next_event(self, timeout=None):
        """The next event dict, {"type": "CLOSED"} once the stream ended,
        {"type": "BROKEN", "error": ...} on a framing/decoding problem, or
        None after timeout seconds."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def wait_for(self, pred, timeout, on_event=None):
        """Consume events until pred(event) is true (return it) or timeout
        (return None).  on_event sees every consumed event."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ev = self.next_event(left)
            if ev is None:
                return None
            if on_event:
                on_event(ev)
            if pred(ev):
                return ev
            if ev.get("type") == "CLOSED":
                return None

    def close_stream(self):
        """Drop the SUBSCRIBE connection (as a crashed scheduler would)."""
        self.closed.set()
        conn = self._stream_conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(5)  # it sees end of file and stops
        if conn is not None:
            conn.close()
        self._stream_conn = None

    def close(self):
        self.close_stream()
        if self._call_conn is not None:
            self._call_conn.close()
            self._call_conn = None

    # ------------------------------------------------------------ calls

    def accept(self, offer_ids, task_infos, refuse_seconds=None):
        accept = {"offer_ids": [{"value": o} for o in offer_ids],
                  "operations": [{"type": "LAUNCH", "launch": {"task_infos": task_infos}}]}
        if refuse_seconds is not None:
            accept["filters"] = {"refuse_seconds": float(refuse_seconds)}
        return self.call({"type": "ACCEPT", "accept": accept})

    def decline(self, offer_ids, refuse_seconds=None):
        decline = {"offer_ids": [{"value": o} for o in offer_ids]}
        if refuse_seconds is not None:
            decline["filters"] = {"refuse_seconds": float(refuse_seconds)}
        return self.call({"type": "DECLINE", "decline": decline})

    def acknowledge(self, status):
        return self.call({"type": "ACKNOWLEDGE", "acknowledge": {
            "agent_id": status["agent_id"], "task_id": status["task_id"],
            "uuid": status["uuid"]}})

    def revive(self, roles=None):
        return self.call({"type": "REVIVE", "revive": {"roles": roles or []}})

    def reconcile(self, tasks=()):
        return self.call({"type": "RECONCILE", "reconcile": {"tasks": [
            dict({"task_id": {"value": t}}, **({"agent_id": {"value": a}} if a else {}))
            for t, a in tasks]}})

    def kill(self, task_id, agent_id=None):
        kill = {"task_id": {"value": task_id}}
        if agent_id:
            kill["agent_id"] = {"value": agent_id}
        return self.call({"type": "KILL", "kill": kill})

    def teardown(self):
        return self.call({"type": "TEARDOWN"})


def framework_info(name="pysched", role=None, failover_timeout=None, capabilities=()):
    fi = {"user": getpass.getuser(), "name": name}
    if role:
        fi["role"] = role
    if failover_timeout is not None:
        fi["failover_timeout"] = float(failover_timeout)
    if capabilities:
        fi["capabilities"] = [{"type": c} for c in capabilities]
    return fi


def task_resource(offer_resource, name, value):
    """A scalar resource for a task, carrying the offer resource's role and
    allocation so the master matches it against the offer."""
    r = {"name": name, "type": "SCALAR", "scalar": {"value": value}}
    for k in ("role", "allocation_info", "reservation", "reservations"):
        if k in offer_resource:
            r[k] = offer_resource[k]
    return r


def plan_tasks(offer, count, cpus, mem, make_task_id, command):
    """Up to count TaskInfos fitting into offer, each cpus/mem."""
    pools = {}
    for name in ("cpus", "mem"):
        pools[name] = [[r, int(round(float(r["scalar"]["value"]) * 1000))]
                       for r in offer.get("resources", [])
                       if r.get("name") == name and r.get("type", "SCALAR") == "SCALAR"
                       and "scalar" in r]
    need = {"cpus": int(round(cpus * 1000)), "mem": int(round(mem * 1000))}
    tasks = []
    while len(tasks) < count:
        picked = {}
        for name in ("cpus", "mem"):
            for entry in pools[name]:
                if entry[1] >= need[name]:
                    picked[name] = entry
                    break
        if len(picked) < 2:
            break
        for name, entry in picked.items():
            entry[1] -= need[name]
        tid = make_task_id()
        tasks.append({
            "name": "pysched " + tid,
            "task_id": {"value": tid},
            "agent_id": offer["agent_id"],
            "resources": [task_resource(picked["cpus"][0], "cpus", cpus),
                          task_resource(picked["mem"][0], "mem", mem)],
            "command": {"value": command, "shell": True},
        })
    return tasks


def describe_update(status):
    return ("UPDATE %s %s %s source=%s uuid=%s %s" % (
        status["task_id"]["value"], status.get("state"), status.get("reason", "-"),
        status.get("source", "-"), "yes" if status.get("uuid") else "no",
        status.get("message", ""))).rstrip()


def check_uuid(status):
    raw = base64.b64decode(status["uuid"])
    if len(raw) != 16:
        raise ProtocolError("status uuid of %d bytes, not 16" % len(raw))


def run(args, out=print):
    sched = Scheduler(args.master, args.encoding, log=out)
    deadline = time.monotonic() + args.timeout
    prefix = "pysched-%s" % uuid.uuid4().hex[:8]
    counter = [0]

    def make_task_id():
        counter[0] += 1
        return "%s-%d" % (prefix, counter[0])

    fi = framework_info(args.name, role=args.role)
    try:
        first = sched.subscribe(fi, timeout=min(args.timeout, 30))
    except (CallError, ProtocolError, OSError) as e:
        out("SUBSCRIBE failed: %s" % e)
        return 3
    if first.get("type") != "SUBSCRIBED":
        out("SUBSCRIBE failed: %s" % json.dumps(first))
        return 3
    out("SUBSCRIBED %s stream=%s heartbeat=%s" % (
        sched.framework_id, sched.stream_id,
        first["subscribed"].get("heartbeat_interval_seconds")))

    launched = {}      # task id -> offer id
    final = {}         # task id -> terminal state
    last_state = {}
    rc = None
    try:
        while len(final) < args.tasks:
            left = deadline - time.monotonic()
            if left <= 0:
                out("TIMEOUT launched=%d terminal=%d states=%s"
                    % (len(launched), len(final), json.dumps(last_state)))
                rc = 2
                break
            ev = sched.next_event(left)
            if ev is None:
                continue
            t = ev.get("type")
            if t == "OFFERS":
                for offer in ev["offers"].get("offers", []):
                    oid = offer["id"]["value"]
                    out("OFFER %s agent=%s cpus=%g mem=%g" % (
                        oid, offer["agent_id"]["value"],
                        scalar(offer.get("resources"), "cpus"),
                        scalar(offer.get("resources"), "mem")))
                    want = args.tasks - len(launched)
                    tasks = plan_tasks(offer, want, args.cpus, args.mem, make_task_id,
                                       args.command) if want > 0 else []
                    if tasks:
                        for task in tasks:
                            launched[task["task_id"]["value"]] = oid
                            out("LAUNCH %s offer=%s agent=%s" % (
                                task["task_id"]["value"], oid, offer["agent_id"]["value"]))
                        sched.accept([oid], tasks)
                        out("ACCEPT %s tasks=%d" % (oid, len(tasks)))
                    else:
                        sched.decline([oid], args.refuse_seconds)
                        out("DECLINE %s" % oid)
            elif t == "RESCIND":
                out("RESCIND %s" % ev["rescind"]["offer_id"]["value"])
            elif t == "UPDATE":
                status = ev["update"]["status"]
                tid = status["task_id"]["value"]
                out(describe_update(status))
                if status.get("uuid"):
                    check_uuid(status)
                    sched.acknowledge(status)
                    out("ACK %s" % tid)
                if tid not in launched:
                    out("NOTE update for a task this scheduler did not launch: %s" % tid)
                    continue
                last_state[tid] = status.get("state")
                if status.get("state") in TERMINAL and tid not in final:
                    final[tid] = status["state"]
            elif t == "HEARTBEAT":
                out("HEARTBEAT")
            elif t == "ERROR":
                out("ERROR %s" % ev.get("error", {}).get("message"))
                rc = 3
                break
            elif t == "FAILURE":
                f = ev.get("failure", {})
                out("FAILURE agent=%s executor=%s status=%s" % (
                    f.get("agent_id", {}).get("value", "-"),
                    f.get("executor_id", {}).get("value", "-"), f.get("status", "-")))
            elif t == "MESSAGE":
                out("MESSAGE agent=%s executor=%s" % (
                    ev["message"]["agent_id"]["value"], ev["message"]["executor_id"]["value"]))
            elif t == "BROKEN":
                out("BROKEN %s" % ev["error"])
                rc = 3
                break
            elif t == "CLOSED":
                out("CLOSED stream ended unexpectedly")
                rc = 3
                break
            else:
                out("EVENT %s" % t)
    except (CallError, ProtocolError, OSError) as e:
        out("PROTOCOL %s" % e)
        rc = 3

    if rc is None or rc in (1, 2):
        try:
            sched.teardown()
            out("TEARDOWN")
            # The master closes the stream after TEARDOWN.
            ev = sched.wait_for(lambda e: e.get("type") in ("CLOSED", "BROKEN"),
                                max(5.0, min(20.0, deadline - time.monotonic())))
            if ev is None:
                out("PROTOCOL stream still open after TEARDOWN")
                rc = rc or 3
            else:
                out("CLOSED")
        except (CallError, ProtocolError, OSError) as e:
            out("PROTOCOL %s" % e)
            rc = rc or 3
    sched.close()

    if rc is None:
        wrong = dict((k, v) for k, v in final.items() if v != args.expect)
        if wrong:
            out("DONE fail expected %s, got %s" % (args.expect, json.dumps(wrong)))
            rc = 1
        else:
            out("DONE ok %d tasks %s" % (len(final), args.expect))
            rc = 0
    else:
        out("DONE fail rc=%d" % rc)
    return rc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--master", required=True, help="host:port of the master")
    p.add_argument("--tasks", type=int, default=3)
    p.add_argument("--command", default="true")
    p.add_argument("--encoding", choices=("json", "protobuf"), default="json")
    p.add_argument("--expect", default="TASK_FINISHED",
                   help="terminal state every task must reach")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--cpus", type=float, default=0.1)
    p.add_argument("--mem", type=float, default=32.0)
    p.add_argument("--name", default="pysched")
    p.add_argument("--role", default=None)
    p.add_argument("--refuse-seconds", type=float, default=1.0,
                   help="refuse_seconds when declining an offer")
    args = p.parse_args(argv)

    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    try:
        return run(args, out)
    except Exception as e:  # a crash of this client is a protocol failure too
        out("CRASH %r" % (e,))
        raise SystemExit(3)


if __name__ == "__main__":
    sys.exit(main())

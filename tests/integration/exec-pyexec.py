#!/usr/bin/env python3
"""exec-pyexec - a custom Mesos v1 HTTP executor, Python standard library
only, for the executor tests.  Run by the agent with the MESOS_* variables.

    exec-pyexec.py MODE

MODE:
  finish    every task: TASK_RUNNING then TASK_FINISHED; KILL -> TASK_KILLED;
            SHUTDOWN -> TASK_KILLED for live tasks; exits once every task is
            terminal and its terminal update was ACKNOWLEDGED.
  stubborn  TASK_RUNNING, starts `sleep 1000` in its own process group
            (pid written to sleep.pid in the sandbox), traps SIGTERM and
            ignores KILL and SHUTDOWN: only the agent's SIGKILL ends it.

Prints one line per event to stdout (the sandbox's stdout file).
"""

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid


class RecordIO:
    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            nl = self.buf.find(b"\n")
            if nl < 0:
                return out
            size = int(self.buf[:nl])
            if len(self.buf) < nl + 1 + size:
                return out
            out.append(bytes(self.buf[nl + 1:nl + 1 + size]))
            del self.buf[:nl + 1 + size]


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "finish"
    host, port = os.environ["MESOS_AGENT_ENDPOINT"].rsplit(":", 1)
    fw = os.environ["MESOS_FRAMEWORK_ID"]
    ex = os.environ["MESOS_EXECUTOR_ID"]
    log("ENV " + json.dumps({k: v for k, v in os.environ.items()
                             if k.startswith("MESOS_") or k == "PATH"}, sort_keys=True))
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, lambda *a: log("SIGTERM ignored"))

    calls = http.client.HTTPConnection(host, int(port), timeout=10)

    def call(body):
        body = dict(body, executor_id={"value": ex}, framework_id={"value": fw})
        calls.request("POST", "/api/v1/executor", json.dumps(body),
                      {"Content-Type": "application/json"})
        r = calls.getresponse()
        text = r.read()
        if r.status != 202:
            log("CALL %s answered %d %s" % (body["type"], r.status, text.decode()))
        return r.status

    unacked = {}   # uuid -> (task_id, state)
    tasks = {}     # task id -> state

    def update(task_id, state, message=None):
        u = base64.b64encode(uuid.uuid4().bytes).decode()
        status = {"task_id": {"value": task_id}, "state": state, "source": "SOURCE_EXECUTOR",
                  "uuid": u, "executor_id": {"value": ex}}
        if message:
            status["message"] = message
        unacked[u] = (task_id, state)
        tasks[task_id] = state
        call({"type": "UPDATE", "update": {"status": status}})

    stream = http.client.HTTPConnection(host, int(port), timeout=None)
    stream.request("POST", "/api/v1/executor",
                   json.dumps({"type": "SUBSCRIBE", "subscribe": {},
                               "executor_id": {"value": ex}, "framework_id": {"value": fw}}),
                   {"Content-Type": "application/json", "Accept": "application/json"})
    resp = stream.getresponse()
    log("SUBSCRIBE %d chunked=%s ctype=%s" % (resp.status, resp.chunked,
                                              resp.getheader("Content-Type")))
    if resp.status != 200:
        log(resp.read().decode())
        return 1
    reader = RecordIO()
    terminal = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED"}
    shutting = False
    while True:
        data = resp.read1(65536)
        if not data:
            log("CLOSED")
            return 0 if mode != "stubborn" else 1
        for rec in reader.feed(data):
            ev = json.loads(rec)
            t = ev.get("type")
            if t == "SUBSCRIBED":
                s = ev["subscribed"]
                log("SUBSCRIBED executor=%s framework=%s agent=%s container=%s" % (
                    s["executor_info"]["executor_id"]["value"],
                    s["framework_info"]["id"]["value"], s["agent_info"].get("hostname"),
                    s.get("container_id", {}).get("value")))
            elif t in ("LAUNCH", "LAUNCH_GROUP"):
                infos = ([ev["launch"]["task"]] if t == "LAUNCH"
                         else ev["launch_group"]["task_group"]["tasks"])
                log("%s %s" % (t, " ".join(i["task_id"]["value"] for i in infos)))
                for info in infos:
                    tid = info["task_id"]["value"]
                    update(tid, "TASK_RUNNING")
                    if mode == "stubborn":
                        p = subprocess.Popen(["sleep", "1000"], preexec_fn=lambda: os.setpgid(0, 0))
                        with open("sleep.pid", "w") as f:
                            f.write("%d\n" % p.pid)
                    else:
                        update(tid, "TASK_FINISHED", "done")
            elif t == "KILL":
                tid = ev["kill"]["task_id"]["value"]
                log("KILL %s" % tid)
                if mode != "stubborn":
                    update(tid, "TASK_KILLED", "killed by request")
            elif t == "SHUTDOWN":
                log("SHUTDOWN")
                if mode != "stubborn":
                    shutting = True
                    for tid, st in list(tasks.items()):
                        if st not in terminal:
                            update(tid, "TASK_KILLED", "executor shut down")
            elif t == "ACKNOWLEDGED":
                a = ev["acknowledged"]
                got = unacked.pop(a["uuid"], None)
                log("ACKNOWLEDGED %s %s" % (a["task_id"]["value"], got[1] if got else "?"))
            elif t == "MESSAGE":
                log("MESSAGE %s" % base64.b64decode(ev["message"]["data"]).decode())
                call({"type": "MESSAGE", "message": {"data": ev["message"]["data"]}})
            else:
                log("EVENT %s" % t)
        if (mode != "stubborn" and tasks and not unacked and
                (shutting or all(s in terminal for s in tasks.values()))):
            log("EXIT")
            return 0


if __name__ == "__main__":
    sys.exit(main())

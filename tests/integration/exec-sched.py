#!/usr/bin/env python3
"""exec-sched - the scheduler side of the executor tests (uses pysched).

    exec-sched.py --master H:P [--command CMD | --executor CMD [--group N]]
                  [--user U] [--kill-on STATE] [--shutdown-on STATE]
                  [--grace SECS] [--expect STATE] [--timeout SECS]

Launches one command task (--command), one task on a custom executor
(--executor, whose shell command is CMD), or a LAUNCH_GROUP of N tasks on
that executor (--group N).  Acknowledges every update, kills the task
(--kill-on) or shuts its executor down (--shutdown-on) once the first task
reaches STATE, and waits until every task is terminal.  Prints
"UPDATE <task> <state> <reason> <source> <message>" per update,
"FAILURE ..." per executor exit, and exits 0 when every task ended in
--expect, 1 otherwise, 2 on timeout.
"""

import argparse
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pysched  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--master", required=True)
    p.add_argument("--command")
    p.add_argument("--executor")
    p.add_argument("--group", type=int, default=0)
    p.add_argument("--user")
    p.add_argument("--checkpoint", action="store_true")
    p.add_argument("--hostname", help="only use offers of this agent hostname")
    p.add_argument("--kill-on")
    p.add_argument("--shutdown-on")
    p.add_argument("--grace", type=float)
    p.add_argument("--expect", default="TASK_FINISHED")
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()

    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    sched = pysched.Scheduler(args.master, "json")
    fi = pysched.framework_info("exec-sched")
    if args.checkpoint:
        fi["checkpoint"] = True
    first = sched.subscribe(fi)
    if first.get("type") != "SUBSCRIBED":
        out("SUBSCRIBE failed %s" % first)
        return 3
    out("SUBSCRIBED %s" % sched.framework_id)
    prefix = "t-%s" % uuid.uuid4().hex[:6]
    exec_id = "e-%s" % uuid.uuid4().hex[:6]
    launched, final, acted = [], {}, False
    agent_id = None
    deadline = time.monotonic() + args.timeout
    while not launched or len(final) < len(launched):
        left = deadline - time.monotonic()
        if left <= 0:
            out("TIMEOUT")
            return 2
        ev = sched.next_event(left)
        if ev is None:
            continue
        t = ev.get("type")
        if t == "OFFERS":
            for offer in ev["offers"]["offers"]:
                oid = offer["id"]["value"]
                if launched or (args.hostname and offer.get("hostname") != args.hostname):
                    sched.decline([oid], 60)
                    continue
                agent_id = offer["agent_id"]["value"]
                n = max(1, args.group)
                tasks = pysched.plan_tasks(offer, n, 0.1, 32, lambda: prefix, "true")
                for i, task in enumerate(tasks):
                    task["task_id"]["value"] = task["name"] = "%s-%d" % (prefix, i + 1)
                    if args.command is not None:
                        task["command"] = {"value": args.command, "shell": True}
                        if args.user:
                            task["command"]["user"] = args.user
                    else:
                        del task["command"]
                launched = [x["task_id"]["value"] for x in tasks]
                executor = None
                if args.executor is not None:
                    executor = {"executor_id": {"value": exec_id}, "name": "pyexec",
                                "command": {"value": args.executor, "shell": True}}
                    if args.user:
                        executor["command"]["user"] = args.user
                    if args.grace is not None:
                        executor["shutdown_grace_period"] = {
                            "nanoseconds": int(args.grace * 1e9)}
                if args.group:
                    executor["type"] = "DEFAULT"
                    executor["framework_id"] = {"value": sched.framework_id}
                    sched.call({"type": "ACCEPT", "accept": {
                        "offer_ids": [{"value": oid}],
                        "operations": [{"type": "LAUNCH_GROUP", "launch_group": {
                            "executor": executor, "task_group": {"tasks": tasks}}}]}})
                else:
                    if executor:
                        for task in tasks:
                            task["executor"] = executor
                    sched.accept([oid], tasks)
                out("LAUNCHED %s" % " ".join(launched))
        elif t == "UPDATE":
            st = ev["update"]["status"]
            tid = st["task_id"]["value"]
            out("UPDATE %s %s %s %s %s" % (tid, st["state"], st.get("reason", "-"),
                                           st.get("source", "-"), st.get("message", "")))
            if st.get("uuid"):
                sched.acknowledge(st)
            if st["state"] in pysched.TERMINAL:
                final.setdefault(tid, st["state"])
            if not acted and st["state"] == args.kill_on:
                acted = True
                sched.kill(tid, agent_id)
                out("KILL %s" % tid)
            if not acted and st["state"] == args.shutdown_on:
                acted = True
                sched.call({"type": "SHUTDOWN", "shutdown": {
                    "executor_id": {"value": exec_id}, "agent_id": {"value": agent_id}}})
                out("SHUTDOWN %s" % exec_id)
        elif t == "FAILURE":
            f = ev["failure"]
            out("FAILURE executor=%s status=%s" % (f.get("executor_id", {}).get("value"),
                                                   f.get("status")))
        elif t == "CLOSED":
            out("CLOSED")
            return 3
    try:
        sched.teardown()
    except Exception:  # noqa: B902 - the outcome is already known
        pass
    sched.close()
    wrong = {k: v for k, v in final.items() if v != args.expect}
    out("DONE %s" % ("ok" if not wrong else "wrong %s" % wrong))
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())

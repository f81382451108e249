#!/usr/bin/env python3
"""agent-updates - the scheduler of agent-updates.sh (uses pysched).

    agent-updates.py --master H:P --master-pid PID --agent-log FILE
                     --go FILE [--tasks N] [--timeout SECS]

Subscribes with checkpoint=true and launches N tasks that wait for the
file GO.  Once every task is RUNNING it stops the master (SIGSTOP),
creates GO (the tasks finish while the master cannot hear), waits until
the agent log says it resent an update (the retry path ran), resumes the
master (SIGCONT) and waits until every task is terminal.  Prints
"UPDATE <task> <state> <uuid hex>" for every update received (and
acknowledges each one), then "DONE ok" or a failure line; exit 0 / 1 / 2
(timeout).
"""

import argparse
import base64
import os
import signal
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pysched  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--master", required=True)
    p.add_argument("--master-pid", type=int, required=True)
    p.add_argument("--agent-log", required=True)
    p.add_argument("--go", required=True)
    p.add_argument("--tasks", type=int, default=3)
    p.add_argument("--timeout", type=float, default=90)
    args = p.parse_args()

    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def resent():
        with open(args.agent_log, errors="replace") as f:
            return "resending the status update" in f.read()

    sched = pysched.Scheduler(args.master, "json")
    fi = pysched.framework_info("agent-updates")
    fi["checkpoint"] = True
    first = sched.subscribe(fi)
    if first.get("type") != "SUBSCRIBED":
        out("SUBSCRIBE failed %s" % first)
        return 3
    out("SUBSCRIBED %s" % sched.framework_id)
    prefix = "u-%s" % uuid.uuid4().hex[:6]
    command = "while [ ! -e '%s' ]; do sleep 0.05; done; echo done" % args.go
    launched, running, final = [], set(), {}
    paused = False
    deadline = time.monotonic() + args.timeout
    while not launched or len(final) < len(launched):
        left = deadline - time.monotonic()
        if left <= 0:
            out("TIMEOUT")
            if paused:
                os.kill(args.master_pid, signal.SIGCONT)
            return 2
        ev = sched.next_event(min(left, 1.0))
        if ev is None:
            continue
        t = ev.get("type")
        if t == "OFFERS":
            for offer in ev["offers"]["offers"]:
                oid = offer["id"]["value"]
                if launched:
                    sched.decline([oid], 60)
                    continue
                tasks = pysched.plan_tasks(offer, args.tasks, 0.1, 16, lambda: prefix, command)
                for i, task in enumerate(tasks):
                    task["task_id"]["value"] = task["name"] = "%s-%d" % (prefix, i + 1)
                launched = [x["task_id"]["value"] for x in tasks]
                sched.accept([oid], tasks)
                out("LAUNCHED %s" % " ".join(launched))
        elif t == "UPDATE":
            st = ev["update"]["status"]
            tid = st["task_id"]["value"]
            u = base64.b64decode(st["uuid"]).hex() if st.get("uuid") else "-"
            out("UPDATE %s %s %s" % (tid, st["state"], u))
            if st.get("uuid"):
                sched.acknowledge(st)
            if st["state"] == "TASK_RUNNING":
                running.add(tid)
            if st["state"] in pysched.TERMINAL:
                final.setdefault(tid, st["state"])
            if not paused and launched and running == set(launched):
                os.kill(args.master_pid, signal.SIGSTOP)
                paused = True
                out("PAUSED master")
                with open(args.go, "w"):
                    pass
                while not resent():
                    if time.monotonic() > deadline:
                        os.kill(args.master_pid, signal.SIGCONT)
                        out("TIMEOUT waiting for a resend")
                        return 2
                    time.sleep(0.1)
                os.kill(args.master_pid, signal.SIGCONT)
                out("RESUMED master")
        elif t == "CLOSED":
            out("CLOSED")
            return 3
    try:
        sched.teardown()
    except Exception:  # noqa: B902 - the outcome is already known
        pass
    sched.close()
    wrong = {k: v for k, v in final.items() if v != "TASK_FINISHED"}
    out("DONE %s" % ("ok" if not wrong else "wrong %s" % wrong))
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())

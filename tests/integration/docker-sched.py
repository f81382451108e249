#!/usr/bin/env python3
"""docker-sched - the scheduler side of the docker tests (uses pysched).

    docker-sched.py --master H:P --image IMAGE --command CMD
                    [--network HOST|BRIDGE|NONE] [--force-pull] [--env K=V ...]
                    [--port-mapping CONTAINER_PORT] [--volume HOST:CONTAINER[:ro] ...]
                    [--param KEY=VALUE ...] [--cpus N] [--mem MB] [--checkpoint]
                    [--kill-on STATE] [--kill-file PATH] [--grace SECS]
                    [--expect STATE] [--timeout SECS]

Launches one command task whose ContainerInfo is DOCKER (image IMAGE,
shell command CMD), acknowledges every update, kills the task once it
reaches --kill-on, or once it runs and the file --kill-file exists (with a
kill policy of --grace seconds), and waits until it is terminal.
--port-mapping maps the first port of the offer's ports to the container
port (the task takes that port) and prints "PORT <host port>"; --volume
adds a volume (relative paths are docker-run.h's); --param adds a
DockerInfo parameter (docker run --KEY=VALUE).  Prints "LAUNCHED <task>",
then "UPDATE <task> <state> <reason> <source> <message>" per update, and
exits 0 when the task ended in --expect, 1 otherwise, 2 on timeout.
"""

import argparse
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pysched  # noqa: E402


def ports_resource(offer):
    for r in offer.get("resources", []):
        if r.get("name") == "ports" and r.get("ranges", {}).get("range"):
            return r
    return None


def first_port(offer):
    r = ports_resource(offer)
    return None if r is None else int(r["ranges"]["range"][0]["begin"])


def port_resource(offer, port):
    """The one port, with the offer resource's role and allocation."""
    src = ports_resource(offer)
    r = {"name": "ports", "type": "RANGES",
         "ranges": {"range": [{"begin": port, "end": port}]}}
    for k in ("role", "allocation_info", "reservation", "reservations"):
        if k in src:
            r[k] = src[k]
    return r


def volume(spec):
    """HOST:CONTAINER[:ro] as a Volume."""
    parts = spec.split(":")
    v = {"host_path": parts[0], "container_path": parts[1], "mode": "RW"}
    if len(parts) > 2 and parts[2] == "ro":
        v["mode"] = "RO"
    return v


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--master", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--network", default="NONE")
    p.add_argument("--force-pull", action="store_true")
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--port-mapping", type=int)
    p.add_argument("--volume", action="append", default=[])
    p.add_argument("--param", action="append", default=[])
    p.add_argument("--kill-file")
    p.add_argument("--cpus", type=float, default=0.1)
    p.add_argument("--mem", type=float, default=32)
    p.add_argument("--checkpoint", action="store_true")
    p.add_argument("--kill-on")
    p.add_argument("--grace", type=float)
    p.add_argument("--expect", default="TASK_FINISHED")
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()

    def out(line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    sched = pysched.Scheduler(args.master, "json")
    fi = pysched.framework_info("docker-sched")
    if args.checkpoint:
        fi["checkpoint"] = True
    first = sched.subscribe(fi)
    if first.get("type") != "SUBSCRIBED":
        out("SUBSCRIBE failed %s" % first)
        return 3
    out("SUBSCRIBED %s" % sched.framework_id)
    tid = "d-%s" % uuid.uuid4().hex[:8]
    launched, final, killed, running = False, None, False, False
    agent_id = None
    deadline = time.monotonic() + args.timeout
    while final is None:
        left = deadline - time.monotonic()
        if left <= 0:
            out("TIMEOUT")
            return 2
        if (args.kill_file and not killed and running
                and os.path.exists(args.kill_file)):
            killed = True
            sched.kill(tid, agent_id)
            out("KILL %s" % tid)
        # short waits while a kill file may appear
        ev = sched.next_event(min(left, 0.2) if args.kill_file else left)
        if ev is None:
            continue
        t = ev.get("type")
        if t == "OFFERS":
            for offer in ev["offers"]["offers"]:
                oid = offer["id"]["value"]
                tasks = [] if launched else pysched.plan_tasks(
                    offer, 1, args.cpus, args.mem, lambda: tid, args.command)
                if not tasks:
                    sched.decline([oid], 60)
                    continue
                agent_id = offer["agent_id"]["value"]
                task = tasks[0]
                task["name"] = tid
                docker = {"image": args.image, "network": args.network}
                if args.force_pull:
                    docker["force_pull_image"] = True
                if args.port_mapping is not None:
                    port = first_port(offer)
                    if port is None:
                        out("NO PORTS in the offer")
                        return 3
                    task["resources"].append(port_resource(offer, port))
                    docker["port_mappings"] = [{"host_port": port,
                                                "container_port": args.port_mapping,
                                                "protocol": "tcp"}]
                    out("PORT %d" % port)
                if args.param:
                    docker["parameters"] = [{"key": kv.split("=", 1)[0],
                                             "value": kv.split("=", 1)[1]}
                                            for kv in args.param]
                task["container"] = {"type": "DOCKER", "docker": docker}
                if args.volume:
                    task["container"]["volumes"] = [volume(v) for v in args.volume]
                if args.env:
                    task["command"]["environment"] = {"variables": [
                        {"name": kv.split("=", 1)[0], "value": kv.split("=", 1)[1]}
                        for kv in args.env]}
                if args.grace is not None:
                    task["kill_policy"] = {"grace_period": {
                        "nanoseconds": int(args.grace * 1e9)}}
                sched.accept([oid], [task])
                launched = True
                out("LAUNCHED %s" % tid)
        elif t == "UPDATE":
            st = ev["update"]["status"]
            out("UPDATE %s %s %s %s %s" % (st["task_id"]["value"], st["state"],
                                           st.get("reason", "-"), st.get("source", "-"),
                                           st.get("message", "")))
            if st.get("uuid"):
                sched.acknowledge(st)
            if st["state"] == "TASK_RUNNING":
                running = True
            if st["state"] in pysched.TERMINAL:
                final = st["state"]
            elif not killed and st["state"] == args.kill_on:
                killed = True
                sched.kill(tid, agent_id)
                out("KILL %s" % tid)
        elif t == "CLOSED":
            out("CLOSED")
            return 3
    try:
        sched.teardown()
    except Exception:  # noqa: B902 - the outcome is already known
        pass
    sched.close()
    out("DONE %s" % ("ok" if final == args.expect else "wrong %s" % final))
    return 0 if final == args.expect else 1


if __name__ == "__main__":
    sys.exit(main())

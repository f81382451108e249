#!/bin/sh
# bench/launch-smoke.sh - smoke-size runs of the launch and latency
# benchmarks under make check (20 tasks; 3 latency rounds), so they keep
# working.  They start their own mesos-local on a free loopback port.
B=${BUTTE_BUILDDIR:-.}
[ -x "$B/mesos-local" ] && [ -x "$B/mesos-executor" ] || { echo "mesos-local not built"; exit 77; }
BUTTE_LAUNCHER_DIR=${BUTTE_LAUNCHER_DIR:-$B}
export BUTTE_LAUNCHER_DIR
"$B/bench/launch" --smoke --local "$B/mesos-local" || exit 1
exec "$B/bench/latency" --smoke --local "$B/mesos-local"

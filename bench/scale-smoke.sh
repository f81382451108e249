#!/bin/sh
# bench/scale-smoke.sh - a smoke-size run of the scale benchmark under make
# check (50 simulated agents, 500 tasks, one request per state endpoint),
# so it keeps working.  It starts its own mesos-master on --port=0.
B=${BUTTE_BUILDDIR:-.}
[ -x "$B/mesos-master" ] || { echo "mesos-master not built"; exit 77; }
exec "$B/bench/scale" --smoke --master-bin "$B/mesos-master"

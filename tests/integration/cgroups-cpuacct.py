"""cgroups-cpuacct.py CPUACCT_DIR SMALL BIG SECS - the CPU time each of two
cgroups under CPUACCT_DIR (cpuacct.usage, ns) uses over SECS seconds.
Prints "small X cpus, big Y cpus over S s" and then the ratio big/small.
Used by cgroups-cfs.sh, which runs it inside the test's own cgroup so it
is not starved between its reads."""
import sys
import time


def usage(base, names):
    t = time.monotonic()
    return t, [int(open("%s/%s/cpuacct.usage" % (base, n)).read()) for n in names]


def main():
    base, small, big, secs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    t0, (s0, b0) = usage(base, [small, big])
    time.sleep(secs)  # the measuring window: a fixed span of CPU accounting
    t1, (s1, b1) = usage(base, [small, big])
    s, b, span = s1 - s0, b1 - b0, t1 - t0
    print("small %.2f cpus, big %.2f cpus over %.1f s" % (s / 1e9 / span, b / 1e9 / span, span))
    print("%.3f" % (b / s if s else 0))


main()

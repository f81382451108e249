# shellcheck shell=sh
# tests/integration/docker-lib.sh - what the docker-*.sh tests share: a
# private docker engine per test (own data-root, exec-root, socket, pid
# file and cgroup parent under a mktemp folder; no iptables; no bridge, or
# one of the test's own for BRIDGE networking),
# a local busybox image made with `docker import` (there is no registry),
# a master and an agent with --containerizers=docker,mesos, and
# docker-sched.py runs.  Everything is torn down on exit: the roles, the
# engine's containers, the engine (and its containerd), its mounts and
# folders, and the cgroups it made when they are empty.
#
# Skips (exit 77, with the reason) when not root, when dockerd, the docker
# CLI or a static busybox is missing, or when the engine does not start.
. "${BUTTE_SRCDIR:-.}/tests/integration/exec-lib.sh"

DOCKER_IMAGE=local/busybox:test
DSCHED=$BUTTE_SRCDIR/tests/integration/docker-sched.py
DK_DIR=
DK_PID=
DK_BRIDGE=

[ "$(id -u)" = 0 ] || skip "the docker tests need root (dockerd)"
DOCKERD=$(command -v dockerd 2>/dev/null || true)
[ -n "$DOCKERD" ] || [ ! -x /usr/sbin/dockerd ] || DOCKERD=/usr/sbin/dockerd
[ -n "$DOCKERD" ] || skip "dockerd is not installed (apt-get install docker.io)"
DOCKER=$(command -v docker 2>/dev/null || true)
[ -n "$DOCKER" ] || skip "the docker CLI is not installed (apt-get install docker.io)"
BUSYBOX=
for _b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$_b" ] && file -L "$_b" 2>/dev/null | grep -q 'statically linked'; then
        BUSYBOX=$_b
        break
    fi
done
[ -n "$BUSYBOX" ] || skip "no static busybox (apt-get install busybox-static)"
[ -x "$BUTTE_LAUNCHER_DIR/mesos-docker-executor" ] || skip "mesos-docker-executor is not built"

# dk ARGS... - the docker CLI against the private engine.
dk() {
    "$DOCKER" -H "unix://$DK_SOCK" "$@"
}

# The mesos- containers the engine has (running or not), one name a line.
dk_mesos_containers() {
    dk ps -a --filter name=mesos- --format '{{.Names}}' | grep '^mesos-'
}

no_mesos_containers() {
    [ -z "$(dk_mesos_containers)" ]
}

docker_teardown() {
    # the roles first, so that nothing starts containers any more
    for p in $ROLE_PIDS; do
        kill -KILL "$p" 2>/dev/null
    done
    if [ -n "$DK_PID" ]; then
        _ids=$(dk ps -aq 2>/dev/null)
        # shellcheck disable=SC2086 # one id a word
        [ -z "$_ids" ] || dk rm -f $_ids >/dev/null 2>&1
        kill -TERM "$DK_PID" 2>/dev/null
        wait_until 20 dead "$DK_PID" || kill -KILL "$DK_PID" 2>/dev/null
    fi
    if [ -n "$DK_DIR" ]; then
        # overlay, shm and nsfs mounts the engine left, deepest first
        awk -v d="$DK_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
            while read -r _m; do umount -l "$_m" 2>/dev/null; done
        rm -rf "$DK_DIR"
        [ -z "$DK_BRIDGE" ] || ip link del "$DK_BRIDGE" 2>/dev/null
        # only the cgroups this engine made, and only when empty (rmdir
        # refuses otherwise); "docker" is shared with other engines
        for _c in /sys/fs/cgroup/*/"$DK_CGROUP" /sys/fs/cgroup/*/docker; do
            [ -d "$_c" ] && rmdir "$_c" 2>/dev/null
        done
    fi
    cleanup
}
trap docker_teardown EXIT

# free_subnet - an octet X such that no address or route of the host is
# in 172.31.X.0/24 (starting at a place that depends on the pid, so that
# concurrent tests rarely try the same one).
free_subnet() {
    _x=$(($$ % 150 + 100))
    _tries=0
    while [ "$_tries" -lt 150 ]; do
        if ! ip -4 addr show | grep -q "inet 172\.31\.$_x\." &&
            ! ip -4 route show | grep -q "^172\.31\.$_x\."; then
            echo "$_x"
            return 0
        fi
        _x=$((_x % 250 + 1))
        _tries=$((_tries + 1))
    done
    return 1
}

# start_dockerd [bridge] - the private engine; sets DK_DIR, DK_SOCK,
# DK_PID.  With "bridge", containers on the BRIDGE network get a bridge of
# this test's own (DK_BRIDGE, gateway DK_GATEWAY on a free 172.31.X.0/24;
# deleted at teardown): no docker0, which another engine may hold.
# Nothing is routed or masqueraded; published ports work through
# docker-proxy on the host.
start_dockerd() {
    DK_DIR=$(mktemp -d /tmp/butte-dk.XXXXXX) || fail "mktemp"
    DK_SOCK=$DK_DIR/docker.sock
    DK_CGROUP=$(basename "$DK_DIR")
    _net=--bridge=none
    if [ "${1:-}" = bridge ]; then
        command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is needed for a bridge"
        _x=$(free_subnet) || skip "no free 172.31.X.0/24 for a bridge"
        DK_BRIDGE=bt$(echo "$DK_CGROUP" | tail -c 7)
        DK_GATEWAY=172.31.$_x.1
        ip link add name "$DK_BRIDGE" type bridge ||
            skip "cannot create a bridge (ip link add type bridge)"
        ip addr add "$DK_GATEWAY/24" dev "$DK_BRIDGE" && ip link set "$DK_BRIDGE" up ||
            fail "cannot configure bridge $DK_BRIDGE"
        _net=--bridge=$DK_BRIDGE
    fi
    note "start dockerd in $DK_DIR ($_net)"
    "$DOCKERD" --data-root "$DK_DIR/root" --exec-root "$DK_DIR/exec" \
        --pidfile "$DK_DIR/dockerd.pid" -H "unix://$DK_SOCK" \
        --cgroup-parent "/$DK_CGROUP" --iptables=false --ip6tables=false \
        "$_net" --ip-masq=false >"$DK_DIR/dockerd.log" 2>&1 </dev/null &
    DK_PID=$!
    if ! wait_until 30 dk version >/dev/null 2>&1; then
        tail -n 20 "$DK_DIR/dockerd.log" >&2
        skip "dockerd did not start (log above)"
    fi
}

# make_image - $DOCKER_IMAGE from a busybox root file system.
make_image() {
    _root=$DK_DIR/rootfs
    mkdir -p "$_root/bin" "$_root/tmp" "$_root/proc" "$_root/sys" "$_root/dev" "$_root/etc"
    cp "$BUSYBOX" "$_root/bin/busybox"
    for _a in sh echo sleep cat ls ps id hostname true false env dd head yes touch mkdir \
        httpd; do
        ln -sf busybox "$_root/bin/$_a"
    done
    tar -C "$_root" -c . | dk import - "$DOCKER_IMAGE" >/dev/null ||
        fail "docker import of $DOCKER_IMAGE failed"
}

# start_docker_cluster AGENT_FLAGS... - master and agent on the engine.
start_docker_cluster() {
    start_cluster --containerizers=docker,mesos "--docker=$DOCKER" \
        "--docker_socket=$DK_SOCK" "--launcher_dir=$BUTTE_LAUNCHER_DIR" "$@"
}

# dsched NAME ARGS... - run docker-sched.py; output in $TEST_TMP/NAME.out
# (shown), exit status in SCHED_RC.
dsched() {
    _name=$1
    shift
    SCHED_OUT=$TEST_TMP/$_name.out
    timeout -s KILL $((DEADLINE + 30)) python3 "$DSCHED" --master "127.0.0.1:$MASTER_PORT" \
        --timeout "$DEADLINE" "$@" >"$SCHED_OUT" 2>&1
    SCHED_RC=$?
    sed "s/^/  [$_name] /" "$SCHED_OUT"
}

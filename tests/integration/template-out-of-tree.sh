#!/bin/sh
# template-out-of-tree: install Butte into a scratch DESTDIR, build
# modules/template against that install with nothing but pkg-config and cc,
# and load the result into the installed mesos-master.  This is what a
# third-party module developer does.
. "${BUTTE_SRCDIR:-.}/tests/integration/lib.sh"
require_cmd pkg-config
require_cmd make
require_cmd cc

dest=$TEST_TMP/dest
note "make install DESTDIR=$dest"
make -C "$BUTTE_BUILDDIR" install DESTDIR="$dest" >"$TEST_TMP/install.log" 2>&1 || {
    tail -n 30 "$TEST_TMP/install.log" >&2
    fail "make install failed"
}
prefix=$(sed -n 's/^prefix=//p' "$BUTTE_BUILDDIR/modules/butte-module.pc")
pcdir=$(find "$dest" -name butte-module.pc -printf '%h\n' | head -n 1)
[ -n "$pcdir" ] || fail "butte-module.pc was not installed"
# The .pc file's own libdir, under DESTDIR (pkg-config adds the sysroot).
libdir=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$dest pkg-config --variable=libdir butte-module)
case $libdir in "$dest"/*) ;; *) libdir=$dest$libdir ;; esac
[ -f "$dest$prefix/include/butte/module.h" ] || fail "SDK header <butte/module.h> was not installed"
[ -f "$dest$prefix/include/butte/anonymous.h" ] || fail "SDK header <butte/anonymous.h> was not installed"
[ -x "$dest$prefix/bin/mesos-master" ] || fail "mesos-master was not installed"
[ -L "$dest$prefix/bin/mesos-slave" ] || [ -x "$dest$prefix/bin/mesos-slave" ] ||
    fail "mesos-slave was not installed"

note "build the template out of tree"
cp -r "$BUTTE_SRCDIR/modules/template" "$TEST_TMP/greeter"
chmod -R u+w "$TEST_TMP/greeter"
rm -f "$TEST_TMP/greeter/libgreeter.so"
PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$dest \
    make -C "$TEST_TMP/greeter" >"$TEST_TMP/build.log" 2>&1 || {
    cat "$TEST_TMP/build.log" >&2
    fail "the template did not build against the installed SDK"
}
[ -f "$TEST_TMP/greeter/libgreeter.so" ] || fail "libgreeter.so was not produced"
exported=$(nm -D --defined-only "$TEST_TMP/greeter/libgreeter.so" | awk '$2 ~ /[A-Z]/ {print $3}' |
    grep -v -e '^_' | sort | tr '\n' ' ')
expect_eq "$exported" "com_example_Greeter " "symbols exported by the template"

note "load it into the installed mesos-master"
manifest='{"libraries":[{"file":"'$TEST_TMP/greeter/libgreeter.so'","modules":[{"name":"com_example_Greeter","parameters":[{"key":"greeting","value":"good morning"}]}]}]}'
portfile=$TEST_TMP/installed.port
LD_LIBRARY_PATH=$libdir BUTTE_MODULE_DIR=$libdir/butte/modules BUTTE_PORT_FILE=$portfile \
    "$dest$prefix/bin/mesos-master" --ip=127.0.0.1 --port=0 --registry=in_memory \
    "--modules=$manifest" >"$TEST_TMP/installed.log" 2>&1 &
ROLE_PID=$!
ROLE_PIDS="$ROLE_PIDS $ROLE_PID"
ROLE_LOG=$TEST_TMP/installed.log
wait_until "$ROLE_DEADLINE" test -s "$portfile" || {
    cat "$ROLE_LOG" >&2
    fail "installed mesos-master did not listen"
}
wait_until "$ROLE_DEADLINE" grep -q 'greeter says "good morning" to the master' "$ROLE_LOG" || {
    cat "$ROLE_LOG" >&2
    fail "the template module did not greet"
}
stop_role TERM
expect_grep 'greeter says goodbye' "$ROLE_LOG" "the template module is destroyed at shutdown"
exit 0

# tests/local.mk - make check: unit tests (Check), module ABI tests, and
# integration tests (real processes, shell scripts: exit 0 pass, 77 skip).

TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	MALLOC_PERTURB_=165; export MALLOC_PERTURB_; \
	BUTTE_BUILDDIR='$(abs_top_builddir)'; export BUTTE_BUILDDIR; \
	BUTTE_SRCDIR='$(abs_top_srcdir)'; export BUTTE_SRCDIR; \
	BUTTE_TEST_MODDIR='$(abs_top_builddir)/tests/modules/.libs'; export BUTTE_TEST_MODDIR; \
	BUTTE_MODULE_DIR='$(abs_top_builddir)/.libs-modules'; export BUTTE_MODULE_DIR; \
	BUTTE_LAUNCHER_DIR='$(abs_top_builddir)'; export BUTTE_LAUNCHER_DIR;

UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LDADD = kernel/libbutte.la $(CHECK_LIBS)

# --- unit tests (one program per unit)
check_PROGRAMS += tests/unit/manifest tests/unit/loader
TESTS += tests/unit/manifest tests/unit/loader
tests_unit_manifest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_manifest_LDADD = $(UNIT_LDADD)
tests_unit_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_loader_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/pool tests/unit/loop
TESTS += tests/unit/pool tests/unit/loop
tests_unit_pool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_pool_LDADD = $(UNIT_LDADD)
tests_unit_loop_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_loop_LDADD = $(UNIT_LDADD) -lpthread
check_PROGRAMS += tests/unit/flags tests/unit/duration
TESTS += tests/unit/flags tests/unit/duration
tests_unit_flags_CFLAGS = $(UNIT_CFLAGS)
tests_unit_flags_LDADD = $(UNIT_LDADD)
tests_unit_duration_CFLAGS = $(UNIT_CFLAGS)
tests_unit_duration_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/pbjson tests/unit/recordio
TESTS += tests/unit/pbjson tests/unit/recordio
tests_unit_pbjson_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
tests_unit_pbjson_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_pbjson_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS) $(PROTOBUF_C_LIBS)
tests_unit_recordio_CFLAGS = $(UNIT_CFLAGS)
tests_unit_recordio_LDADD = $(UNIT_LDADD)
check_PROGRAMS += tests/unit/resources tests/unit/resources_parse
TESTS += tests/unit/resources tests/unit/resources_parse
tests_unit_resources_CFLAGS = $(UNIT_CFLAGS)
tests_unit_resources_LDADD = $(UNIT_LDADD)
tests_unit_resources_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_resources_parse_LDADD = $(UNIT_LDADD)

# --- agent tests (the link, the agent role, mesos-local)
check_PROGRAMS += tests/unit/link
TESTS += tests/unit/link
tests_unit_link_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
tests_unit_link_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_link_LDADD = $(UNIT_LDADD) $(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS)
check_PROGRAMS += tests/unit/checkpoint
TESTS += tests/unit/checkpoint
tests_unit_checkpoint_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
tests_unit_checkpoint_CFLAGS = $(UNIT_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_checkpoint_LDADD = $(UNIT_LDADD) $(PROTOBUF_C_LIBS)
AGENT_INTEGRATION_TESTS = \
	tests/integration/agent-state.sh \
	tests/integration/agent-register.sh \
	tests/integration/agent-files.sh \
	tests/integration/agent-two.sh \
	tests/integration/agent-updates.sh
TESTS += $(AGENT_INTEGRATION_TESTS)
EXTRA_DIST += $(AGENT_INTEGRATION_TESTS) tests/integration/agent-updates.py

# --- module ABI tests (deliberately broken modules)
# Each is a real shared module (hence -rpath), never installed; the loader
# test finds them in BUTTE_TEST_MODDIR.  "-module" is repeated literally
# per target because automake only accepts names without "lib" when it
# sees it there.  check_LTLIBRARIES are built by
# "make check" before any test runs.
TEST_MODULE_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
check_LTLIBRARIES += \
	tests/modules/good_anonymous.la tests/modules/good_isolator.la \
	tests/modules/create_fails.la tests/modules/bad_magic.la \
	tests/modules/newer_major.la tests/modules/newer_minor.la \
	tests/modules/older_minor.la tests/modules/missing_slot.la \
	tests/modules/wrong_kind.la tests/modules/no_symbol.la \
	tests/modules/incompatible.la tests/modules/small_ops.la
tests_modules_good_anonymous_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_good_anonymous_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_good_anonymous_la_LIBADD = kernel/libbutte.la
tests_modules_good_isolator_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_good_isolator_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_good_isolator_la_LIBADD = kernel/libbutte.la
tests_modules_create_fails_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_create_fails_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_create_fails_la_LIBADD = kernel/libbutte.la
tests_modules_bad_magic_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_bad_magic_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_newer_major_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_newer_major_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_newer_minor_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_newer_minor_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
# Built against ABI 1.0 whatever the headers say now.
tests_modules_older_minor_la_CPPFLAGS = $(AM_CPPFLAGS) -DBUTTE_ABI_MINOR=0
tests_modules_older_minor_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_older_minor_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_missing_slot_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_missing_slot_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_wrong_kind_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_wrong_kind_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_no_symbol_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_no_symbol_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_incompatible_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_incompatible_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)
tests_modules_small_ops_la_CFLAGS = $(MODULE_CFLAGS)
tests_modules_small_ops_la_LDFLAGS = -module $(TEST_MODULE_LDFLAGS)

# --- integration tests
INTEGRATION_TESTS = \
	tests/integration/master-basic.sh \
	tests/integration/master-signals.sh \
	tests/integration/master-cli.sh \
	tests/integration/master-env.sh \
	tests/integration/master-modules.sh \
	tests/integration/agent-basic.sh \
	tests/integration/template-out-of-tree.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh $(INTEGRATION_TESTS)

# --- scheduler end-to-end tests (a v1 scheduler in Python's standard
# library, JSON and protobuf, against mesos-local or a master and an agent)
SCHED_TESTS = \
	tests/integration/sched-e2e.sh \
	tests/integration/sched-errors.sh
TESTS += $(SCHED_TESTS)
EXTRA_DIST += $(SCHED_TESTS) \
	tests/integration/pysched.py \
	tests/integration/pyproto.py

# --- allocator tests (the allocators/ modules through the loader)
check_PROGRAMS += tests/unit/allocator tests/unit/sorter
TESTS += tests/unit/allocator tests/unit/sorter
tests_unit_allocator_CFLAGS = $(UNIT_CFLAGS)
tests_unit_allocator_LDADD = $(UNIT_LDADD) -lm
tests_unit_sorter_CFLAGS = $(UNIT_CFLAGS)
tests_unit_sorter_LDADD = $(UNIT_LDADD)

# --- master tests (the master alone: scheduler API rules, operator endpoints)
MASTER_TESTS = \
	tests/integration/master-scheduler-api.sh \
	tests/integration/master-state.sh \
	tests/integration/master-update-framework.sh
TESTS += $(MASTER_TESTS)
EXTRA_DIST += $(MASTER_TESTS)
# the master's id maps (kernel/core/strmap.c)
check_PROGRAMS += tests/unit/strmap
TESTS += tests/unit/strmap
tests_unit_strmap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_strmap_LDADD = $(UNIT_LDADD)

# --- mesos-executor / mesos-execute tests (the HTTP client unit test, and
# mesos-execute end to end against mesos-local or a master and an agent;
# those skip while the agent has no /api/v1/executor)
check_PROGRAMS += tests/unit/httpc
TESTS += tests/unit/httpc
tests_unit_httpc_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_httpc_LDADD = $(UNIT_LDADD)
MEXEC_TESTS = \
	tests/integration/mexec-command.sh \
	tests/integration/mexec-group.sh \
	tests/integration/mexec-kill.sh \
	tests/integration/mexec-uri.sh
TESTS += $(MEXEC_TESTS)
EXTRA_DIST += $(MEXEC_TESTS) tests/integration/mexec-lib.sh

# --- isolator and files tests (the posix isolators through the loader,
# the agent's /files endpoints on a real server, sandbox GC on real folders)
check_PROGRAMS += tests/unit/isolator_posix tests/unit/files tests/unit/gc
TESTS += tests/unit/isolator_posix tests/unit/files tests/unit/gc
tests_unit_isolator_posix_CFLAGS = $(UNIT_CFLAGS)
tests_unit_isolator_posix_LDADD = $(UNIT_LDADD)
tests_unit_files_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) -pthread
tests_unit_files_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS) -lpthread
tests_unit_gc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_gc_LDADD = $(UNIT_LDADD)
# (the cgroups isolators on this machine's real cgroups; exits 77 where
# cgroups cannot be made)
check_PROGRAMS += tests/unit/isolator_cgroups
TESTS += tests/unit/isolator_cgroups
tests_unit_isolator_cgroups_CFLAGS = $(UNIT_CFLAGS)
tests_unit_isolator_cgroups_LDADD = $(UNIT_LDADD)
# (the cgroups isolators in a real agent: OOM kill, orphans after a killed
# agent, CFS quota ratio; exit 77 where cgroup v1 cannot be written)
CGROUPS_TESTS = \
	tests/integration/cgroups-oom.sh \
	tests/integration/cgroups-update.sh \
	tests/integration/cgroups-cfs.sh
TESTS += $(CGROUPS_TESTS)
EXTRA_DIST += $(CGROUPS_TESTS) tests/integration/cgroups-lib.sh \
	tests/integration/cgroups-cpuacct.py

# --- executor tests (the agent's executor API, containerizer and executor
# life cycle with a Python custom executor and with mesos-executor)
EXEC_TESTS = \
	tests/integration/exec-api.sh \
	tests/integration/exec-custom.sh \
	tests/integration/exec-lifecycle.sh \
	tests/integration/exec-command.sh
TESTS += $(EXEC_TESTS)
EXTRA_DIST += $(EXEC_TESTS) tests/integration/exec-lib.sh \
	tests/integration/exec-pyexec.py tests/integration/exec-sched.py

# --- mesos-local tests (one master and N agents in one process)
LOCAL_TESTS = tests/integration/local-basic.sh
TESTS += $(LOCAL_TESTS)
EXTRA_DIST += $(LOCAL_TESTS)

# --- docker containerizer tests (issue 5): a private dockerd per test, a
# busybox image from `docker import`; skip (77) without root, docker.io or
# busybox-static
DOCKER_TESTS = \
	tests/integration/docker-run.sh \
	tests/integration/docker-kill.sh \
	tests/integration/docker-net.sh
TESTS += $(DOCKER_TESTS)
EXTRA_DIST += $(DOCKER_TESTS) tests/integration/docker-lib.sh \
	tests/integration/docker-sched.py
# docker-usage.c (statistics, updates) with a fake docker program
check_PROGRAMS += tests/unit/docker_usage
TESTS += tests/unit/docker_usage
tests_unit_docker_usage_SOURCES = tests/unit/docker_usage.c \
	isolators/docker/docker-usage.c isolators/docker/docker-cli.c \
	isolators/docker/docker-run.c
tests_unit_docker_usage_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
tests_unit_docker_usage_CFLAGS = $(UNIT_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_docker_usage_LDADD = $(UNIT_LDADD) $(PROTOBUF_C_LIBS)

# tests/local.mk - make check: unit tests (Check), module ABI tests, and
# integration tests (real processes, shell scripts: exit 0 pass, 77 skip).

TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	MALLOC_PERTURB_=165; export MALLOC_PERTURB_; \
	BUTTE_BUILDDIR='$(abs_top_builddir)'; export BUTTE_BUILDDIR; \
	BUTTE_SRCDIR='$(abs_top_srcdir)'; export BUTTE_SRCDIR; \
	BUTTE_TEST_MODDIR='$(abs_top_builddir)/tests/modules/.libs'; export BUTTE_TEST_MODDIR; \
	BUTTE_MODULE_DIR='$(abs_top_builddir)/.libs-modules'; export BUTTE_MODULE_DIR;

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
AGENT_INTEGRATION_TESTS = \
	tests/integration/agent-state.sh \
	tests/integration/agent-register.sh
TESTS += $(AGENT_INTEGRATION_TESTS)
EXTRA_DIST += $(AGENT_INTEGRATION_TESTS)

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
	tests/integration/master-state.sh
TESTS += $(MASTER_TESTS)
EXTRA_DIST += $(MASTER_TESTS)

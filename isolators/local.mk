# isolators/local.mk - the first-party isolator modules.  The agent maps
# --isolation names to them through isolators/selection.h.
#   libposix_isolators.so: org_apache_mesos_PosixCpuIsolator (posix/cpu),
#                          org_apache_mesos_PosixMemIsolator (posix/mem)
#   libcgroups_isolators.so: org_apache_mesos_CgroupsCpuIsolator (cgroups/cpu),
#                            org_apache_mesos_CgroupsMemIsolator (cgroups/mem)

mod_LTLIBRARIES += isolators/libposix_isolators.la
isolators_libposix_isolators_la_SOURCES = \
	isolators/posix/posix.c \
	isolators/posix/proc-tree.c \
	isolators/posix/proc-tree.h
isolators_libposix_isolators_la_CFLAGS = $(MODULE_CFLAGS)
isolators_libposix_isolators_la_LDFLAGS = $(MODULE_LDFLAGS)
isolators_libposix_isolators_la_LIBADD = kernel/libbutte.la

mod_LTLIBRARIES += isolators/libcgroups_isolators.la
isolators_libcgroups_isolators_la_SOURCES = \
	isolators/cgroups/cgroups.c \
	isolators/cgroups/cgfs.c \
	isolators/cgroups/cgfs.h
isolators_libcgroups_isolators_la_CFLAGS = $(MODULE_CFLAGS)
isolators_libcgroups_isolators_la_LDFLAGS = $(MODULE_LDFLAGS)
isolators_libcgroups_isolators_la_LIBADD = kernel/libbutte.la

noinst_HEADERS += isolators/selection.h

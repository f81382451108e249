# isolators/local.mk - the first-party isolator modules.  The agent maps
# --isolation names to them through isolators/selection.h.
#   libposix_isolators.so: org_apache_mesos_PosixCpuIsolator (posix/cpu),
#                          org_apache_mesos_PosixMemIsolator (posix/mem)
#   libcgroups_isolators.so: org_apache_mesos_CgroupsCpuIsolator (cgroups/cpu),
#                            org_apache_mesos_CgroupsMemIsolator (cgroups/mem),
#                            org_apache_mesos_CgroupsPidsIsolator (cgroups/pids)

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
	isolators/cgroups/cgroups-internal.h \
	isolators/cgroups/cgroups-oom.c \
	isolators/cgroups/cgroups-stats.c \
	isolators/cgroups/cgfs.c \
	isolators/cgroups/cgfs.h
isolators_libcgroups_isolators_la_CFLAGS = $(MODULE_CFLAGS)
isolators_libcgroups_isolators_la_LDFLAGS = $(MODULE_LDFLAGS)
isolators_libcgroups_isolators_la_LIBADD = kernel/libbutte.la

noinst_HEADERS += isolators/selection.h

# --- docker containerizer (issue 5): libdocker_containerizer.so with
# org_apache_mesos_DockerContainerizer, loaded by --containerizers=docker.
# docker-cli.c and docker-run.c are also built into mesos-docker-executor
# (frameworks/local.mk).
mod_LTLIBRARIES += isolators/libdocker_containerizer.la
isolators_libdocker_containerizer_la_SOURCES = \
	isolators/docker/docker.c \
	isolators/docker/docker-internal.h \
	isolators/docker/docker-engine.c \
	isolators/docker/docker-cli.c \
	isolators/docker/docker-cli.h \
	isolators/docker/docker-run.c \
	isolators/docker/docker-run.h \
	isolators/docker/docker-usage.c \
	isolators/docker/docker-usage.h
isolators_libdocker_containerizer_la_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
isolators_libdocker_containerizer_la_CFLAGS = $(MODULE_CFLAGS) $(PROTOBUF_C_CFLAGS)
isolators_libdocker_containerizer_la_LDFLAGS = $(MODULE_LDFLAGS)
isolators_libdocker_containerizer_la_LIBADD = kernel/libbutte.la $(PROTOBUF_C_LIBS)

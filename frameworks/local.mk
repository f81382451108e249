# frameworks/local.mk - the frameworks that ship with Butte (mesos-executor /
# mesos-execute work).
#
# LAUNCHER DIR: mesos-executor is installed in $(libexecdir)/mesos, which
# with the default prefix is /usr/local/libexec/mesos - Mesos' own
# --launcher_dir default.  The agent's --launcher_dir default must be
# "$(libexecdir)/mesos" (e.g. -DBUTTE_LAUNCHER_DIR='"$(libexecdir)/mesos"').
# In the build tree the program is $(abs_top_builddir)/mesos-executor; the
# tests point the agent there with BUTTE_LAUNCHER_DIR.

mesoslibexecdir = $(libexecdir)/mesos

# --- mesos-executor: the built-in command executor (v1 executor API)
mesoslibexec_PROGRAMS = mesos-executor
mesos_executor_SOURCES = \
	frameworks/executor/main.c \
	frameworks/executor/env.c \
	frameworks/executor/executor.h \
	frameworks/executor/api.c \
	frameworks/executor/tasks.c \
	frameworks/executor/fetch.c
mesos_executor_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
mesos_executor_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS)
mesos_executor_LDADD = kernel/libbutte.la $(LIBEVENT_LIBS) $(JANSSON_LIBS) $(PROTOBUF_C_LIBS)

# --- mesos-execute: run one command or task group and print its states
bin_PROGRAMS += mesos-execute
mesos_execute_SOURCES = \
	frameworks/execute/main.c \
	frameworks/execute/execute.h \
	frameworks/execute/options.c
mesos_execute_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
mesos_execute_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PROTOBUF_C_CFLAGS)
mesos_execute_LDADD = kernel/libbutte.la $(JANSSON_LIBS) $(PROTOBUF_C_LIBS)

# mesos-default-executor (what the agent runs for ExecutorInfo.type DEFAULT,
# i.e. task groups) is mesos-executor under Mesos' name: it handles
# LAUNCH_GROUP.  A two-line script beside it (installed and uninstalled by
# automake like any script), in the build tree too.
mesoslibexec_SCRIPTS = mesos-default-executor
CLEANFILES += mesos-default-executor
mesos-default-executor: Makefile
	$(AM_V_GEN){ echo '#!/bin/sh'; \
	  echo 'exec "$$(dirname "$$0")/mesos-executor" "$$@"'; } >$@-t && \
	  chmod +x $@-t && mv -f $@-t $@

# --- mesos-docker-executor (issue 5): what the docker containerizer runs
# for a command task in a DOCKER container.  mesos-executor's API client
# and fetcher, its own main and tasks (the docker CLI), and the docker
# CLI / `docker run` helpers of isolators/docker.
mesoslibexec_PROGRAMS += mesos-docker-executor
mesos_docker_executor_SOURCES = \
	frameworks/docker-executor/main.c \
	frameworks/docker-executor/docker-executor.h \
	frameworks/docker-executor/docker-tasks.c \
	frameworks/executor/executor.h \
	frameworks/executor/env.c \
	frameworks/executor/api.c \
	frameworks/executor/fetch.c \
	isolators/docker/docker-cli.c \
	isolators/docker/docker-cli.h \
	isolators/docker/docker-run.c \
	isolators/docker/docker-run.h
mesos_docker_executor_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS) \
	-I$(top_srcdir)/frameworks/executor -I$(top_srcdir)
mesos_docker_executor_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS)
mesos_docker_executor_LDADD = kernel/libbutte.la $(LIBEVENT_LIBS) $(JANSSON_LIBS) $(PROTOBUF_C_LIBS)

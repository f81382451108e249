# bench/local.mk - benchmarks (issue 6).  Never part of make check except a
# smoke-size run; "make bench" runs them and refreshes bench/RESULTS.md.

# --- allocator benchmark (the allocators/ modules through the loader)
check_PROGRAMS += bench/allocator
bench_allocator_SOURCES = bench/allocator.c bench/results.c bench/results.h
bench_allocator_CFLAGS = $(AM_CFLAGS)
bench_allocator_LDADD = kernel/libbutte.la
TESTS += bench/allocator-smoke.sh
EXTRA_DIST += bench/allocator-smoke.sh bench/RESULTS.md bench/run

.PHONY: bench bench-allocator
bench: bench-allocator
bench-allocator: bench/allocator$(EXEEXT) all
	BUTTE_MODULE_DIR='$(abs_top_builddir)/.libs-modules' BUTTE_SRCDIR='$(abs_top_srcdir)' \
	  ./bench/allocator$(EXEEXT) --results '$(abs_top_srcdir)/bench/RESULTS.md'

# --- launch and latency benchmarks (issue 6, items 2 and 3): a mesos-local
# child with one agent, driven by C schedulers on kernel/sched.
check_PROGRAMS += bench/launch bench/launch-ceiling bench/latency
bench_launch_SOURCES = bench/launch.c bench/launch-local.c bench/launch-local.h bench/results.c bench/results.h
bench_launch_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
bench_launch_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS)
bench_launch_LDADD = kernel/libbutte.la $(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS)
bench_launch_ceiling_SOURCES = bench/launch-ceiling.c
bench_latency_SOURCES = bench/latency.c bench/launch-local.c bench/launch-local.h bench/results.c bench/results.h
bench_latency_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
bench_latency_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS)
bench_latency_LDADD = kernel/libbutte.la $(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS)
TESTS += bench/launch-smoke.sh
EXTRA_DIST += bench/launch-smoke.sh

# The executors run from the real binaries: in a shared build the build
# tree's mesos-executor is libtool's shell wrapper, which costs ~10 ms of
# CPU per task more than the installed program would (bench/launch.c).
BENCH_LOCAL_ENV = BUTTE_MODULE_DIR='$(abs_top_builddir)/.libs-modules' BUTTE_SRCDIR='$(abs_top_srcdir)'
BENCH_LOCAL_SETUP = if test -x .libs/mesos-executor$(EXEEXT); then \
	  BUTTE_LAUNCHER_DIR='$(abs_top_builddir)/.libs'; \
	  LD_LIBRARY_PATH='$(abs_top_builddir)/kernel/.libs'; export LD_LIBRARY_PATH; \
	else BUTTE_LAUNCHER_DIR='$(abs_top_builddir)'; fi; export BUTTE_LAUNCHER_DIR;
.PHONY: bench-launch bench-latency
bench: bench-launch bench-latency
bench-launch: bench/launch$(EXEEXT) bench/launch-ceiling$(EXEEXT) all
	$(BENCH_LOCAL_SETUP) $(BENCH_LOCAL_ENV) BUTTE_BENCH_TMPDIR=/dev/shm ./bench/launch$(EXEEXT) \
	  --local ./mesos-local$(EXEEXT) --ceiling ./bench/launch-ceiling$(EXEEXT) \
	  --results '$(abs_top_srcdir)/bench/RESULTS.md' --name launch
	$(BENCH_LOCAL_SETUP) $(BENCH_LOCAL_ENV) BUTTE_BENCH_TMPDIR=/tmp ./bench/launch$(EXEEXT) \
	  --local ./mesos-local$(EXEEXT) --ceiling ./bench/launch-ceiling$(EXEEXT) \
	  --results '$(abs_top_srcdir)/bench/RESULTS.md' --name launch-disk --tasks 3000
bench-latency: bench/latency$(EXEEXT) all
	$(BENCH_LOCAL_SETUP) $(BENCH_LOCAL_ENV) BUTTE_BENCH_TMPDIR=/dev/shm ./bench/latency$(EXEEXT) \
	  --local ./mesos-local$(EXEEXT) --results '$(abs_top_srcdir)/bench/RESULTS.md'

# --- slurm-peer benchmark (issue 6, item 4): the same 1,000 `true` tasks
# through bench/launch and through a private one-node Slurm (sbatch --array,
# srun).  Never in make check.  The script installs slurm-wlm/munge with
# apt-get when it can; when it cannot it prints a skip line and writes the
# row as "not run: <reason>".
EXTRA_DIST += bench/slurm-peer.sh
.PHONY: bench-slurm
bench: bench-slurm
bench-slurm: bench/launch$(EXEEXT) bench/launch-ceiling$(EXEEXT) all
	$(BENCH_LOCAL_SETUP) $(BENCH_LOCAL_ENV) BUTTE_BENCH_TMPDIR=/dev/shm \
	  $(SHELL) '$(abs_top_srcdir)/bench/slurm-peer.sh' \
	  --launch ./bench/launch$(EXEEXT) --local ./mesos-local$(EXEEXT) \
	  --results '$(abs_top_srcdir)/bench/RESULTS.md'

# --- scale benchmark (issue 6, item 5): a mesos-master child with N
# simulated agents (one process, real link code) and T tasks from one C
# scheduler; master RSS per agent/task, /master/state and /state-summary.
check_PROGRAMS += bench/scale
bench_scale_SOURCES = bench/scale.c bench/launch-local.c bench/launch-local.h bench/results.c bench/results.h
bench_scale_CPPFLAGS = $(AM_CPPFLAGS) $(PROTO_CPPFLAGS)
bench_scale_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(PROTOBUF_C_CFLAGS)
bench_scale_LDADD = kernel/libbutte.la $(LIBEVENT_LIBS) $(PROTOBUF_C_LIBS)
TESTS += bench/scale-smoke.sh
EXTRA_DIST += bench/scale-smoke.sh
.PHONY: bench-scale
bench: bench-scale
bench-scale: bench/scale$(EXEEXT) all
	BUTTE_MODULE_DIR='$(abs_top_builddir)/.libs-modules' BUTTE_SRCDIR='$(abs_top_srcdir)' \
	  ./bench/scale$(EXEEXT) --master-bin ./mesos-master$(EXEEXT) \
	  --results '$(abs_top_srcdir)/bench/RESULTS.md'

/*
 * bench/launch-local.h - what the launch and latency benchmarks share: a
 * mesos-local (one master, one agent) started as a child on a free
 * loopback port, a subscribed C scheduler client on it (the loop and
 * kernel/sched/sched-internal.h, as frameworks/execute does), a command
 * TaskInfo builder, percentiles and the bench/RESULTS.md row writer.
 *
 * Lifetimes: everything lives in the bench_local_t, torn down by
 * bench_local_stop (which also SIGTERMs and reaps the child).  Failures
 * print one line on stderr and exit(1): these are benchmark programs.
 */
#ifndef BENCH_LAUNCH_LOCAL_H
#define BENCH_LAUNCH_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/loop-internal.h"
#include "sched/sched-internal.h"
#include "results.h"

typedef struct bench_local {
    pid_t child;             /* mesos-local, 0 when --master was given */
    char master[64];         /* "127.0.0.1:PORT" */
    char work_dir[256];
    butte_pool_t *pool;
    butte_loop_t *loop;
    butte_sched_t *sched;
    void (*event)(struct bench_local *b, const Mesos__V1__Scheduler__Event *ev);
    void *arg;
    double deadline;         /* give up (exit 1) at this monotonic time */
    butte_timer_t *retry;    /* re-subscribe while the master starts */
    butte_timer_t *watchdog;
    const char *extra_flag;  /* one more mesos-local flag, or NULL */
    bool subscribed;         /* SUBSCRIBED seen: a later disconnect is fatal */
} bench_local_t;

/* bench_now - CLOCK_MONOTONIC seconds. */
double bench_now(void);

/*
 * bench_local_start - start `LOCAL --num_slaves=1 --resources=RES ...` on
 * a free port (LOCAL is the mesos-local path; master non-NULL uses that
 * master instead), subscribe a framework named name with the encoding and
 * call event for every event.  Returns with the subscription requested;
 * run the loop.  timeout: the whole run's deadline in seconds.
 */
void bench_local_start(bench_local_t *b, const char *local, const char *master,
                       const char *resources, const char *name, butte_sched_encoding_t enc,
                       double timeout);
void bench_local_stop(bench_local_t *b);

/* bench_task - a command TaskInfo (in pool) for the offer's agent taking
 * cpus and mem from the offer's unreserved resources' role. */
Mesos__V1__TaskInfo *bench_task(butte_pool_t *pool, const Mesos__V1__Offer *offer,
                                const char *id, const char *command, double cpus, double mem);

/* bench_scalar - the offer's total of the scalar resource name. */
double bench_scalar(const Mesos__V1__Offer *offer, const char *name);

/* bench_accept - ACCEPT the offers with one LAUNCH of tasks, filters
 * refuse_seconds 0 (unused resources come straight back). */
void bench_accept(bench_local_t *b, const Mesos__V1__Offer *const *offers, size_t n_offers,
                  Mesos__V1__TaskInfo **tasks, size_t n_tasks);


#endif
